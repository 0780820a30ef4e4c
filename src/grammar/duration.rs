//! Durations as the mesh and Prometheus read them (`timeout`, `scrape_interval`, ...).

/// A duration both Prometheus and Istio read: whole numbers with units `h`, `m`,
/// `s` and `ms`, each at most once and in that order (`1m30s`, `500ms`), not zero.
pub fn is_duration(text: &str) -> bool {
    const UNITS: [&str; 4] = ["h", "m", "s", "ms"];
    let mut rest = text;
    let mut next_unit = 0;
    let mut total = 0u64;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 || digits > 9 {
            return false;
        }
        let (number, after) = rest.split_at(digits);
        // `ms` before `m`, so `500ms` is not read as 500 minutes and a stray `s`.
        let Some(unit) = (next_unit..UNITS.len())
            .rev()
            .find(|&u| after.starts_with(UNITS[u]))
        else {
            return false;
        };
        total += number.parse::<u64>().unwrap_or(0);
        rest = &after[UNITS[unit].len()..];
        next_unit = unit + 1;
    }
    total > 0
}

/// The milliseconds of a duration (`is_duration`), to compare two of them.
pub fn millis(text: &str) -> Option<u64> {
    if !is_duration(text) {
        return None;
    }
    let mut total = 0u64;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let (number, after) = rest.split_at(digits);
        let number: u64 = number.parse().ok()?;
        let (factor, unit) = match after.as_bytes() {
            [b'm', b's', ..] => (1, 2),
            [b'h', ..] => (3_600_000, 1),
            [b'm', ..] => (60_000, 1),
            _ => (1000, 1),
        };
        total += number * factor;
        rest = &after[unit..];
    }
    Some(total)
}

/// A duration of whole seconds, as Kubernetes' probe and grace-period
/// fields take them: `is_duration`, with no fraction of a second (`1m30s`, `400s`).
pub fn whole_seconds(text: &str) -> Option<u64> {
    // Milliseconds count only when they make whole seconds.
    millis(text)
        .filter(|ms| ms.is_multiple_of(1000))
        .map(|ms| ms / 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_both_prometheus_and_istio_read() {
        for good in ["30s", "1m30s", "500ms", "2h", "1h2m3s4ms"] {
            assert!(is_duration(good), "{good}");
        }
        for bad in [
            "", "0s", "30", "1.5s", "s", "30s1m", "1d", "5 s", "-1s", "1mm",
        ] {
            assert!(!is_duration(bad), "{bad}");
        }
    }

    #[test]
    fn millis_adds_every_unit() {
        assert_eq!(millis("1h2m3s4ms"), Some(3_723_004));
        assert_eq!(millis("500ms"), Some(500));
        assert_eq!(millis("5s"), Some(5000));
        assert_eq!(millis("soon"), None);
    }
}
