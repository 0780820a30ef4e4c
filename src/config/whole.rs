//! The whole numbers of `kiln.toml`, each kind with the range kiln accepts,
//! and the serde readers that refuse what cannot be stored.

use serde::{Deserialize, Deserializer};
use std::collections::BTreeMap;

/// The largest count kiln writes: Kubernetes and Istio store replica
/// counts and connection limits as int32, and refuse anything larger.
pub const MAX_INT32: u32 = i32::MAX as u32;

/// The kinds of whole number in `kiln.toml`, each with the range kiln
/// accepts. Reading refuses what cannot be stored (a negative number, a
/// port above 65535, a count above int32); the kinds' rules refuse the rest of
/// the range, with every other problem at once. Both say it the same way,
/// "must be from 1 to 65535, not 70000" (`Problem::whole`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Whole {
    Port,
    Replicas,
    /// `autoscale.min` and `autoscale.max`.
    Pods,
    /// The limits of a connection pool.
    Connections,
    AutoscaleCpu,
    Weight,
    Attempts,
    Consecutive5xx,
    EjectionPercent,
    LatencyMs,
    VolumePercent,
    /// `run_as_user` and `run_as_group`; 0, root, is refused on its own.
    Id,
}

impl Whole {
    const ALL: [Whole; 12] = [
        Whole::Port,
        Whole::Replicas,
        Whole::Pods,
        Whole::Connections,
        Whole::AutoscaleCpu,
        Whole::Weight,
        Whole::Attempts,
        Whole::Consecutive5xx,
        Whole::EjectionPercent,
        Whole::LatencyMs,
        Whole::VolumePercent,
        Whole::Id,
    ];

    /// The range kiln accepts, both ends included.
    pub fn range(self) -> (u64, u64) {
        let int32 = u64::from(MAX_INT32);
        match self {
            Whole::Port => (1, 65535),
            Whole::Replicas | Whole::Connections => (0, int32),
            Whole::Pods | Whole::Id => (1, int32),
            Whole::AutoscaleCpu | Whole::EjectionPercent => (1, 100),
            Whole::Weight => (0, 100),
            Whole::Attempts => (0, 10),
            Whole::Consecutive5xx => (0, u64::from(u32::MAX)),
            Whole::LatencyMs => (1, u64::from(u32::MAX)),
            Whole::VolumePercent => (1, 99),
        }
    }

    /// The largest number reading lets through: what the field can be
    /// stored in, here and in Kubernetes. the kinds' rules check the rest of the
    /// range, so that a weight of 150 is reported with every other problem.
    fn limit(self) -> u64 {
        match self {
            Whole::Port => u64::from(u16::MAX),
            Whole::Replicas | Whole::Pods | Whole::Connections | Whole::Id => u64::from(MAX_INT32),
            _ => u64::from(u32::MAX),
        }
    }

    pub fn contains(self, n: u32) -> bool {
        let (from, to) = self.range();
        (from..=to).contains(&u64::from(n))
    }

    /// The hint: what the number is.
    pub fn meaning(self) -> &'static str {
        match self {
            Whole::Port => "it is a TCP port",
            Whole::Replicas => "it is a pod count, which Kubernetes stores as a 32-bit integer",
            Whole::Pods => "an autoscaler keeps at least one pod, and counts them in 32 bits",
            Whole::Connections => "Istio stores it as a 32-bit integer",
            Whole::AutoscaleCpu => "it is the target CPU utilisation in percent of the request",
            Whole::Weight => "it is the percent of traffic the canary or version receives",
            Whole::Attempts => {
                "it is how often a failed request is tried again; `retries = false` turns retries off"
            }
            Whole::Consecutive5xx => {
                "it is how many 5xx answers in a row eject a pod from the pool"
            }
            Whole::EjectionPercent => {
                "it is the most pods, in percent, ejected from the pool at once"
            }
            Whole::LatencyMs => "it is the p99 latency in milliseconds above which the alert fires",
            Whole::VolumePercent => {
                "it is the percent of a volume in use above which the alert fires"
            }
            Whole::Id => "it is a Linux user or group id, which Kubernetes stores in 32 bits",
        }
    }

    /// What reading tells serde when it refuses `value`: `load` makes the
    /// same problem of it as the kinds' rules do (`Whole::refused`).
    fn refusal(self, value: impl std::fmt::Display) -> String {
        let index = Whole::ALL
            .iter()
            .position(|w| *w == self)
            .unwrap_or_default();
        format!("{REFUSED}{index} {value}")
    }

    /// The kind and the value of a message `refusal` made.
    pub fn refused(message: &str) -> Option<(Whole, &str)> {
        let (index, value) = message.strip_prefix(REFUSED)?.split_once(' ')?;
        Some((*Whole::ALL.get(index.parse::<usize>().ok()?)?, value))
    }
}

/// Starts a message of `Whole::refusal`, which no serde message does.
const REFUSED: &str = "kiln refuses the whole number ";

/// Reads a whole number of kind `whole` into `T`, which holds all of its range.
pub(super) fn whole<'de, D: Deserializer<'de>, T: TryFrom<u64>>(
    deserializer: D,
    whole: Whole,
) -> Result<T, D::Error> {
    use serde::de::{Error, Visitor};
    struct Reader<T>(Whole, std::marker::PhantomData<T>);
    impl<T: TryFrom<u64>> Visitor<'_> for Reader<T> {
        type Value = T;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            let (from, to) = self.0.range();
            write!(f, "a whole number from {from} to {to}")
        }
        fn visit_i64<E: Error>(self, n: i64) -> Result<T, E> {
            self.visit_i128(i128::from(n))
        }
        fn visit_u64<E: Error>(self, n: u64) -> Result<T, E> {
            self.visit_i128(i128::from(n))
        }
        fn visit_i128<E: Error>(self, n: i128) -> Result<T, E> {
            u64::try_from(n)
                .ok()
                .filter(|n| *n <= self.0.limit())
                .and_then(|n| T::try_from(n).ok())
                .ok_or_else(|| E::custom(self.0.refusal(n)))
        }
        fn visit_u128<E: Error>(self, n: u128) -> Result<T, E> {
            match i128::try_from(n) {
                Ok(n) => self.visit_i128(n),
                Err(_) => Err(E::custom(self.0.refusal(n))),
            }
        }
    }
    deserializer.deserialize_u64(Reader(whole, std::marker::PhantomData))
}

/// A `deserialize_with` function for one kind of whole number.
macro_rules! whole_reader {
    ($name:ident, $kind:ident, Option<$ty:ty>) => {
        pub(super) fn $name<'de, D: Deserializer<'de>>(
            deserializer: D,
        ) -> Result<Option<$ty>, D::Error> {
            whole(deserializer, Whole::$kind).map(Some)
        }
    };
    ($name:ident, $kind:ident, $ty:ty) => {
        pub(super) fn $name<'de, D: Deserializer<'de>>(deserializer: D) -> Result<$ty, D::Error> {
            whole(deserializer, Whole::$kind)
        }
    };
}

whole_reader!(port, Port, u16);
whole_reader!(port_option, Port, Option<u16>);
whole_reader!(replicas_option, Replicas, Option<u32>);
whole_reader!(pods, Pods, u32);
whole_reader!(connections_option, Connections, Option<u32>);
whole_reader!(autoscale_cpu_option, AutoscaleCpu, Option<u32>);
whole_reader!(weight, Weight, u32);
whole_reader!(attempts_option, Attempts, Option<u32>);
whole_reader!(consecutive_5xx_option, Consecutive5xx, Option<u32>);
whole_reader!(ejection_percent_option, EjectionPercent, Option<u32>);
whole_reader!(latency_ms_option, LatencyMs, Option<u32>);
whole_reader!(volume_percent_option, VolumePercent, Option<u32>);
whole_reader!(id_option, Id, Option<u32>);

/// `ports = { name = number }`: each number a port.
pub(super) fn ports_option<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<BTreeMap<String, u16>>, D::Error> {
    struct Port(u16);
    impl<'de> Deserialize<'de> for Port {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Port, D::Error> {
            port(deserializer).map(Port)
        }
    }
    let ports = BTreeMap::<String, Port>::deserialize(deserializer)?;
    Ok(Some(
        ports.into_iter().map(|(name, Port(n))| (name, n)).collect(),
    ))
}
