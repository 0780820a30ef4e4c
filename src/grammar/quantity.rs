//! Kubernetes resource quantities, parsed exactly enough to double a request
//! into a limit and to add requests up into a quota.

use std::fmt;

/// What a quantity measures; decides how it is written back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Cpu,
    Bytes,
}

/// A non-negative quantity held in thousandths of its base unit, so `250m` is 250.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Quantity {
    milli: u128,
    unit_is_cpu: bool,
}

const SUFFIXES: &[(&str, u128)] = &[
    ("Ki", 1 << 10),
    ("Mi", 1 << 20),
    ("Gi", 1 << 30),
    ("Ti", 1 << 40),
    ("Pi", 1 << 50),
    ("Ei", 1 << 60),
    ("k", 1_000),
    ("M", 1_000_000),
    ("G", 1_000_000_000),
    ("T", 1_000_000_000_000),
    ("P", 1_000_000_000_000_000),
    ("E", 1_000_000_000_000_000_000),
];

/// Why a quantity was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// Not a quantity at all.
    Malformed,
    /// A quantity, but above the largest Kubernetes stores.
    TooLarge,
}

/// The largest quantity Kubernetes stores, in thousandths: 2^63 - 1 of the
/// base unit (cores, bytes). The API server silently caps anything above it,
/// so a larger request would not be what `kiln.toml` says.
const MAX_MILLI: u128 = (i64::MAX as u128) * 1000;

/// The largest quantity, as a person reads it.
pub const MAX_TEXT: &str = "9223372036854775807";

impl Quantity {
    /// Parses `text` the way the Kubernetes API server would, for the subset
    /// kiln needs: a decimal number with at most three fraction digits and an
    /// optional suffix. Memory may not use `m`, which would mean millibytes.
    pub fn parse(text: &str, unit: Unit) -> Option<Quantity> {
        Quantity::read(text, unit).ok()
    }

    /// `parse`, saying why a text is refused.
    pub fn read(text: &str, unit: Unit) -> Result<Quantity, Refused> {
        let split = text
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(text.len());
        let (number, suffix) = text.split_at(split);
        let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
        if whole.is_empty() && fraction.is_empty() || fraction.len() > 3 {
            return Err(Refused::Malformed);
        }
        if !whole
            .bytes()
            .chain(fraction.bytes())
            .all(|b| b.is_ascii_digit())
        {
            return Err(Refused::Malformed);
        }
        let fraction: u128 = format!("{fraction:0<3}")
            .parse()
            .map_err(|_| Refused::Malformed)?;
        let multiplier = match suffix {
            "" => 1,
            "m" if unit == Unit::Cpu && fraction == 0 => 0,
            _ => {
                SUFFIXES
                    .iter()
                    .find(|(s, _)| *s == suffix)
                    .ok_or(Refused::Malformed)?
                    .1
            }
        };
        // Well formed from here on: a number that does not fit is too large.
        let whole: u128 = if whole.trim_start_matches('0').is_empty() {
            0
        } else {
            whole.parse().map_err(|_| Refused::TooLarge)?
        };
        let milli = if multiplier == 0 {
            // `250m`: already in thousandths.
            whole
        } else {
            whole
                .checked_mul(1000)
                .and_then(|m| m.checked_add(fraction))
                .and_then(|m| m.checked_mul(multiplier))
                .ok_or(Refused::TooLarge)?
        };
        if milli == 0 {
            return Err(Refused::Malformed);
        }
        let quantity = Quantity {
            milli,
            unit_is_cpu: unit == Unit::Cpu,
        };
        if !quantity.fits() {
            return Err(Refused::TooLarge);
        }
        Ok(quantity)
    }

    /// Whether Kubernetes stores this quantity as it is, uncapped.
    pub fn fits(self) -> bool {
        self.milli <= MAX_MILLI
    }

    pub fn times(self, factor: u128) -> Quantity {
        Quantity {
            milli: self.milli.saturating_mul(factor),
            ..self
        }
    }

    /// `percent` more than this, rounded up to the next thousandth.
    pub fn percent_more(self, percent: u32) -> Quantity {
        let scaled = self.milli.saturating_mul(100 + u128::from(percent));
        Quantity {
            milli: scaled.div_ceil(100),
            ..self
        }
    }

    pub fn plus(self, other: Quantity) -> Quantity {
        Quantity {
            milli: self.milli.saturating_add(other.milli),
            ..self
        }
    }

    pub fn zero(unit: Unit) -> Quantity {
        Quantity {
            milli: 0,
            unit_is_cpu: unit == Unit::Cpu,
        }
    }
}

/// Writes the shortest exact form: `500m`, `2`, `512Mi`, `1G`.
impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.unit_is_cpu {
            return if self.milli.is_multiple_of(1000) {
                write!(f, "{}", self.milli / 1000)
            } else {
                write!(f, "{}m", self.milli)
            };
        }
        // Memory is whole bytes; a fraction of a byte rounds up as Kubernetes does.
        let bytes = self.milli.div_ceil(1000);
        let best = SUFFIXES
            .iter()
            .rev()
            .filter(|(suffix, _)| suffix.ends_with('i'))
            .chain(
                SUFFIXES
                    .iter()
                    .rev()
                    .filter(|(suffix, _)| !suffix.ends_with('i')),
            )
            .find(|(_, size)| bytes >= *size && bytes.is_multiple_of(*size));
        match best {
            Some((suffix, size)) => write!(f, "{}{suffix}", bytes / size),
            None => write!(f, "{bytes}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cpu(s: &str) -> String {
        Quantity::parse(s, Unit::Cpu)
            .map(|q| q.to_string())
            .unwrap_or_else(|| "invalid".into())
    }

    fn mem(s: &str) -> String {
        Quantity::parse(s, Unit::Bytes)
            .map(|q| q.to_string())
            .unwrap_or_else(|| "invalid".into())
    }

    #[test]
    fn parses_and_prints_exactly() {
        assert_eq!(cpu("250m"), "250m");
        assert_eq!(cpu("0.5"), "500m");
        assert_eq!(cpu("2"), "2");
        assert_eq!(mem("256Mi"), "256Mi");
        assert_eq!(mem("1024Mi"), "1Gi");
        assert_eq!(mem("1G"), "1G");
        assert_eq!(mem("1000"), "1k");
        assert_eq!(mem("1001"), "1001");
    }

    #[test]
    fn rejects_what_kubernetes_rejects() {
        for bad in [
            "2 cores", "", "m", "1.5m", "abc", "-1", "1.2345", "1Xi", "0", "1e3",
        ] {
            assert_eq!(cpu(bad), "invalid", "{bad}");
        }
        assert_eq!(mem("100m"), "invalid");
    }

    #[test]
    fn refuses_what_kubernetes_would_cap() {
        assert_eq!(cpu("9223372036854775807"), "9223372036854775807");
        assert_eq!(mem("8Ei"), "invalid");
        assert_eq!(mem("7Ei"), "7Ei");
        for big in [
            "9223372036854775808",
            "9223372036854775807.001",
            "10E",
            "99999999999999999999999999999999999999999999999999Ei",
        ] {
            assert_eq!(
                Quantity::read(big, Unit::Cpu),
                Err(Refused::TooLarge),
                "{big}"
            );
        }
        assert_eq!(Quantity::read("1e3", Unit::Cpu), Err(Refused::Malformed));
        let huge = Quantity::parse("7Ei", Unit::Bytes).unwrap();
        assert!(huge.fits() && !huge.times(2).fits() && !huge.plus(huge).fits());
    }

    #[test]
    fn doubles_for_limits() {
        assert_eq!(
            Quantity::parse("250m", Unit::Cpu)
                .unwrap()
                .times(2)
                .to_string(),
            "500m"
        );
        assert_eq!(
            Quantity::parse("256Mi", Unit::Bytes)
                .unwrap()
                .times(2)
                .to_string(),
            "512Mi"
        );
    }
}
