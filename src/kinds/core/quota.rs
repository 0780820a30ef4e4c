//! What the pods of an environment ask for together: its ResourceQuota.

use crate::config::ServiceConfig;
use crate::diagnostics::{KeyPath, Problem};
use crate::grammar::quantity::{Quantity, Unit};
use crate::model::{LimitRange, Quota, Resources, Service};
use crate::resolve::builtin;

/// What one pod of a service asks for: requests and limits of the app
/// container plus the sidecar.
pub struct Pod {
    pub quantities: [Quantity; 4],
    pub count: u64,
    /// The largest CPU and memory limit of one container of the pod, which
    /// the LimitRange's ceiling must admit.
    pub widest: [Quantity; 2],
}

#[derive(Default)]
pub struct Totals {
    /// Whether every pod also runs the Istio sidecar.
    sidecar: bool,
    pods: u64,
    sums: Option<[Quantity; 4]>,
    claims: u64,
    storage: Option<Quantity>,
    max_cpu: Option<Quantity>,
    max_memory: Option<Quantity>,
}

impl Totals {
    /// Nothing yet; `sidecar` when every pod also runs the Istio sidecar.
    pub fn new(sidecar: bool) -> Self {
        Totals {
            sidecar,
            ..Totals::default()
        }
    }

    pub fn add(&mut self, service: &Service, pod: &Pod, config: &ServiceConfig) {
        self.pods += pod.count;
        let sums = self.sums.get_or_insert([
            Quantity::zero(Unit::Cpu),
            Quantity::zero(Unit::Cpu),
            Quantity::zero(Unit::Bytes),
            Quantity::zero(Unit::Bytes),
        ]);
        let quantities = if self.sidecar {
            sidecar_plus(pod.quantities)
        } else {
            pod.quantities
        };
        for (sum, part) in sums.iter_mut().zip(quantities) {
            *sum = sum.plus(part.times(u128::from(pod.count)));
        }
        self.max_cpu = Some(max_of(self.max_cpu, pod.widest[0]));
        self.max_memory = Some(max_of(self.max_memory, pod.widest[1]));
        if let (Some(_), Some(size)) = (&service.storage, &config.storage) {
            let replicas = pod.count;
            let size = Quantity::parse(size, Unit::Bytes).unwrap_or(Quantity::zero(Unit::Bytes));
            self.claims += replicas;
            let total = self.storage.get_or_insert(Quantity::zero(Unit::Bytes));
            *total = total.plus(size.times(u128::from(replicas)));
        }
    }

    /// Ambient mode: the waypoint's pod, which Istio runs in the namespace
    /// at its default size, and its surge pod during a rollout.
    pub fn add_waypoint(&mut self) {
        let parse = |value, unit| Quantity::parse(value, unit).unwrap_or(Quantity::zero(unit));
        let quantities = [
            parse(builtin::WAYPOINT_CPU, Unit::Cpu),
            parse(builtin::WAYPOINT_CPU_LIMIT, Unit::Cpu),
            parse(builtin::WAYPOINT_MEMORY, Unit::Bytes),
            parse(builtin::WAYPOINT_MEMORY_LIMIT, Unit::Bytes),
        ];
        let count = 2;
        self.pods += count;
        let sums = self.sums.get_or_insert([
            Quantity::zero(Unit::Cpu),
            Quantity::zero(Unit::Cpu),
            Quantity::zero(Unit::Bytes),
            Quantity::zero(Unit::Bytes),
        ]);
        for (sum, part) in sums.iter_mut().zip(quantities) {
            *sum = sum.plus(part.times(u128::from(count)));
        }
        self.max_cpu = Some(max_of(self.max_cpu, quantities[1]));
        self.max_memory = Some(max_of(self.max_memory, quantities[3]));
    }

    /// The namespace's ResourceQuota, `headroom` percent above the sum of
    /// its pods (rounded up); a sum no quantity holds is a problem of `key`.
    pub fn quota(&self, key: &KeyPath, headroom: u32, problems: &mut Vec<Problem>) -> Quota {
        let zero_cpu = Quantity::zero(Unit::Cpu);
        let zero_bytes = Quantity::zero(Unit::Bytes);
        let [requests_cpu, limits_cpu, requests_memory, limits_memory] = self
            .sums
            .unwrap_or([zero_cpu, zero_cpu, zero_bytes, zero_bytes])
            .map(|sum| sum.percent_more(headroom));
        let more = |count: u64| {
            let scaled = u128::from(count) * (100 + u128::from(headroom));
            u64::try_from(scaled.div_ceil(100)).unwrap_or(u64::MAX)
        };
        let storage = self.storage.map(|s| s.percent_more(headroom));
        for (what, sums) in [
            ("cpu", [requests_cpu, limits_cpu]),
            ("memory", [requests_memory, limits_memory]),
            ("storage", [storage.unwrap_or(zero_bytes); 2]),
        ] {
            if !sums.iter().all(|sum| sum.fits()) {
                problems.push(Problem::quota_too_large(key, what));
            }
        }
        Quota {
            pods: more(self.pods).to_string(),
            requests_cpu: requests_cpu.to_string(),
            limits_cpu: limits_cpu.to_string(),
            requests_memory: requests_memory.to_string(),
            limits_memory: limits_memory.to_string(),
            persistent_volume_claims: more(self.claims).to_string(),
            requests_storage: storage.unwrap_or(zero_bytes).to_string(),
        }
    }
}

impl Totals {
    /// The namespace's LimitRange: `default`, the defaults of `[defaults]`
    /// and `[environments.E]`, and ceilings every pod (sidecar included)
    /// and that default fit under, or the LimitRange is rejected.
    pub fn limit_range(&self, default: Resources, default_quantities: [Quantity; 4]) -> LimitRange {
        let (sidecar_cpu_limit, sidecar_memory_limit) = if self.sidecar {
            (
                Quantity::parse(builtin::SIDECAR_CPU_LIMIT, Unit::Cpu),
                Quantity::parse(builtin::SIDECAR_MEMORY_LIMIT, Unit::Bytes),
            )
        } else {
            (None, None)
        };
        let sidecar_cpu_limit = sidecar_cpu_limit.unwrap_or(Quantity::zero(Unit::Cpu));
        let sidecar_memory_limit = sidecar_memory_limit.unwrap_or(Quantity::zero(Unit::Bytes));
        LimitRange {
            max_cpu: max_of(self.max_cpu, sidecar_cpu_limit.max(default_quantities[1])).to_string(),
            max_memory: max_of(
                self.max_memory,
                sidecar_memory_limit.max(default_quantities[3]),
            )
            .to_string(),
            default,
        }
    }
}

fn max_of(current: Option<Quantity>, other: Quantity) -> Quantity {
    current.map_or(other, |q| q.max(other))
}

/// A pod's app container plus its sidecar.
fn sidecar_plus(app: [Quantity; 4]) -> [Quantity; 4] {
    let sidecar = [
        (builtin::SIDECAR_CPU, Unit::Cpu),
        (builtin::SIDECAR_CPU_LIMIT, Unit::Cpu),
        (builtin::SIDECAR_MEMORY, Unit::Bytes),
        (builtin::SIDECAR_MEMORY_LIMIT, Unit::Bytes),
    ];
    let mut total = app;
    for (sum, (value, unit)) in total.iter_mut().zip(sidecar) {
        *sum = sum.plus(Quantity::parse(value, unit).unwrap_or(Quantity::zero(unit)));
    }
    total
}

impl Problem {
    /// An environment whose ResourceQuota would not fit in a quantity.
    pub fn quota_too_large(key: &KeyPath, what: &str) -> Self {
        Problem::at(
            key,
            format!(
                "the pods of `{key}` together need more {what} than a Kubernetes quantity can hold, so its ResourceQuota cannot be written"
            ),
            Some(format!(
                "the quota adds up every pod's requests and limits: lower `replicas`, `autoscale.max` or the {what} of its services"
            )),
        )
    }
}

impl Pod {
    /// The pods of another track of a split (a canary, a version):
    /// `replicas`, plus a surge pod, at the stable pod's size.
    pub fn track(&self, replicas: u32) -> Pod {
        Pod {
            quantities: self.quantities,
            count: u64::from(replicas) + 1,
            widest: self.widest,
        }
    }
}
