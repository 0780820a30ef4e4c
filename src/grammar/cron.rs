//! Cron schedules exactly as Kubernetes reads them: the API server and the
//! CronJob controller both parse `schedule` with robfig/cron v3's standard
//! parser (`cron.ParseStandard`). This is a port of that parser's checks, so
//! kiln accepts what the cluster accepts and refuses what it refuses: five
//! fields, or a descriptor (`@daily`, `@every 1h`).

/// One field of the five: its name, bounds and the names it accepts.
struct Field {
    name: &'static str,
    min: u64,
    max: u64,
    names: &'static [&'static str],
    /// The value of the first name: months count from 1, weekdays from 0.
    first: u64,
}

const FIELDS: [Field; 5] = [
    Field {
        name: "minute",
        min: 0,
        max: 59,
        names: &[],
        first: 0,
    },
    Field {
        name: "hour",
        min: 0,
        max: 23,
        names: &[],
        first: 0,
    },
    Field {
        name: "day of month",
        min: 1,
        max: 31,
        names: &[],
        first: 0,
    },
    Field {
        name: "month",
        min: 1,
        max: 12,
        names: &[
            "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
        ],
        first: 1,
    },
    // 0-6: the parser has no 7 for Sunday, unlike some crons.
    Field {
        name: "day of week",
        min: 0,
        max: 6,
        names: &["sun", "mon", "tue", "wed", "thu", "fri", "sat"],
        first: 0,
    },
];

/// The descriptors the parser knows besides `@every <duration>`; matched exactly.
const DESCRIPTORS: &[&str] = &[
    "@yearly",
    "@annually",
    "@monthly",
    "@weekly",
    "@daily",
    "@midnight",
    "@hourly",
];

/// Checks `schedule`; the error says which part is wrong.
pub fn check(schedule: &str) -> Result<(), String> {
    if schedule.is_empty() {
        return Err("it is empty".to_string());
    }
    // The API server refuses a time zone in the schedule when `timeZone` is set,
    // as kiln sets it.
    if schedule.contains("TZ") {
        return Err("time zones go in the CronJob's `timeZone`, not the schedule".to_string());
    }
    if schedule.starts_with('@') {
        return descriptor(schedule);
    }
    let fields: Vec<&str> = schedule.split_whitespace().collect();
    if fields.len() != FIELDS.len() {
        return Err(format!("it has {} fields, not 5", fields.len()));
    }
    for (text, field) in fields.iter().zip(&FIELDS) {
        for part in text.split(',') {
            range(part, field).map_err(|why| format!("the {} field `{text}` {why}", field.name))?;
        }
    }
    Ok(())
}

fn descriptor(schedule: &str) -> Result<(), String> {
    if DESCRIPTORS.contains(&schedule) {
        return Ok(());
    }
    match schedule.strip_prefix("@every ") {
        Some(duration) => every(duration),
        None => Err(format!("`{schedule}` is not a descriptor the parser knows")),
    }
}

/// The duration of `@every`, as Go's `time.ParseDuration` reads it; zero and
/// negative durations parse there too, but run every second, so they are refused.
fn every(text: &str) -> Result<(), String> {
    let bad = || {
        Err(format!(
            "`@every {text}` does not have a duration such as `1h30m`"
        ))
    };
    let rest = text.strip_prefix('+').unwrap_or(text);
    if rest.starts_with('-') || rest == "0" {
        return Err(format!(
            "`@every {text}` must run after a positive duration"
        ));
    }
    if rest.is_empty() {
        return bad();
    }
    let mut rest = rest;
    let mut nanoseconds = 0f64;
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (number, after) = rest.split_at(number_len);
        if number.matches('.').count() > 1 || !number.bytes().any(|b| b.is_ascii_digit()) {
            return bad();
        }
        let unit_len = after
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(after.len());
        let (unit, after) = after.split_at(unit_len);
        let scale = match unit {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return bad(),
        };
        let value: f64 = if number.starts_with('.') {
            format!("0{number}").parse().unwrap_or(f64::NAN)
        } else {
            number.parse().unwrap_or(f64::NAN)
        };
        nanoseconds += value * scale;
        rest = after;
    }
    // Go's durations are int64 nanoseconds: about 292 years.
    if !(nanoseconds.is_finite() && nanoseconds <= i64::MAX as f64) {
        return bad();
    }
    if nanoseconds <= 0.0 {
        return Err(format!(
            "`@every {text}` must run after a positive duration"
        ));
    }
    Ok(())
}

/// One comma-separated part: `*`, `?`, `N`, `N-M`, each with an optional `/step`.
fn range(part: &str, field: &Field) -> Result<(), String> {
    let mut range_and_step = part.split('/');
    let range = range_and_step.next().unwrap_or_default();
    let step = range_and_step.next();
    if range_and_step.next().is_some() {
        return Err(format!("has too many `/` in `{part}`"));
    }
    let low_and_high: Vec<&str> = range.split('-').collect();
    let single = low_and_high.len() == 1;
    let (start, mut end) = if low_and_high[0] == "*" || low_and_high[0] == "?" {
        (field.min, field.max)
    } else {
        let start = value(low_and_high[0], field)?;
        match low_and_high.len() {
            1 => (start, start),
            2 => (start, value(low_and_high[1], field)?),
            _ => return Err(format!("has too many `-` in `{part}`")),
        }
    };
    if let Some(step) = step {
        let step = number(step)?;
        if step == 0 {
            return Err(format!("has a step of 0 in `{part}`"));
        }
        // `N/step` means from N to the maximum.
        if single {
            end = field.max;
        }
    }
    if start < field.min || end > field.max {
        let shown = if start < field.min { start } else { end };
        return Err(format!(
            "has `{shown}`, outside {}-{}",
            field.min, field.max
        ));
    }
    if start > end {
        return Err(format!("has a range `{range}` that runs backwards"));
    }
    Ok(())
}

/// A number or, in the month and weekday fields, a name (any case).
fn value(text: &str, field: &Field) -> Result<u64, String> {
    let lower = text.to_ascii_lowercase();
    match field.names.iter().position(|name| *name == lower) {
        Some(index) => Ok(index as u64 + field.first),
        None => number(text),
    }
}

/// What Go's `strconv.Atoi` reads, if it is not negative.
fn number(text: &str) -> Result<u64, String> {
    let digits = text.strip_prefix('+').unwrap_or(text);
    if digits.starts_with('-')
        && digits[1..].bytes().all(|b| b.is_ascii_digit())
        && digits.len() > 1
    {
        return Err(format!("has a negative number `{text}`"));
    }
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("has `{text}`, which is not a number"));
    }
    // Beyond every bound anyway: saturate rather than fail on a huge number.
    Ok(digits.parse::<u64>().unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn accepts_what_the_controller_accepts() {
        for ok in [
            "0 2 * * *",
            "*/15 * * * *",
            "0 9-17 * * mon-fri",
            "0 9-17 * * MON-FRI",
            "@daily",
            "@every 1h",
            "@every 1h30m",
            "@every 90s",
            "@every 1.5h",
            "0 0 1,15 jan *",
            "0 0 1 JAN,jul ?",
            "5/15 * * * *",
            "0 0 * * 0",
            "0 0 * * 6",
            "0 0 * * sun",
            "*/90 * * * *",
        ] {
            assert_eq!(check(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn rejects_what_the_controller_rejects() {
        assert_eq!(
            check("0 25 * * *").unwrap_err(),
            "the hour field `25` has `25`, outside 0-23"
        );
        assert_eq!(
            check("0 0 * * 7").unwrap_err(),
            "the day of week field `7` has `7`, outside 0-6"
        );
        for bad in [
            "every day",
            "* * * *",
            "0 0 * * * *",
            "@sometimes",
            "@Daily",
            "@daily ",
            " @daily",
            "@every",
            "@every ",
            "@every 1d",
            "@every 0",
            "@every -1h",
            "@every 1h-1m",
            "*/0 * * * *",
            "0 0 * * 5-7",
            "0 0 0 * *",
            "0 0 * 13 *",
            "1,,2 * * * *",
            "1-2-3 * * * *",
            "1/2/3 * * * *",
            "-1 * * * *",
            "0 0 * * fri-mon",
            "TZ=UTC 0 0 * * *",
            "CRON_TZ=UTC 0 0 * * *",
            "",
        ] {
            assert!(check(bad).is_err(), "{bad:?}");
        }
    }
}
