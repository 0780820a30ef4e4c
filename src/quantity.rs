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

impl Quantity {
    /// Parses `text` the way the Kubernetes API server would, for the subset
    /// kiln needs: a decimal number with at most three fraction digits and an
    /// optional suffix. Memory may not use `m`, which would mean millibytes.
    pub fn parse(text: &str, unit: Unit) -> Option<Quantity> {
        let split = text
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(text.len());
        let (number, suffix) = text.split_at(split);
        let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
        if whole.is_empty() && fraction.is_empty() || fraction.len() > 3 || whole.len() > 18 {
            return None;
        }
        if !whole
            .bytes()
            .chain(fraction.bytes())
            .all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let whole: u128 = if whole.is_empty() {
            0
        } else {
            whole.parse().ok()?
        };
        let fraction: u128 = format!("{fraction:0<3}").parse().ok()?;
        let milli = whole * 1000 + fraction;
        let multiplier = match suffix {
            "" => 1,
            "m" if unit == Unit::Cpu && fraction == 0 => {
                return Some(Quantity {
                    milli: whole,
                    unit_is_cpu: true,
                });
            }
            _ => SUFFIXES.iter().find(|(s, _)| *s == suffix)?.1,
        };
        if milli == 0 {
            return None;
        }
        Some(Quantity {
            milli: milli.checked_mul(multiplier)?,
            unit_is_cpu: unit == Unit::Cpu,
        })
    }

    pub fn times(self, factor: u128) -> Quantity {
        Quantity {
            milli: self.milli.saturating_mul(factor),
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
