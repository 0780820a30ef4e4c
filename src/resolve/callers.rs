//! Who calls whom: for each service, the services whose `calls` name it.

use crate::config::Config;
use std::collections::BTreeMap;

/// For each service, the services that call it, in name order.
pub type Callers<'a> = BTreeMap<&'a str, Vec<&'a str>>;

/// Who calls whom in `environment`, where a service's own `calls` there
/// replace its `calls`.
pub fn callers<'a>(config: &'a Config, environment: &str) -> Callers<'a> {
    let mut callers: Callers<'_> = BTreeMap::new();
    for (caller, service) in &config.services {
        let mut callees: Vec<&str> = service
            .calls_in(environment)
            .iter()
            .map(String::as_str)
            .collect();
        callees.sort_unstable();
        callees.dedup();
        for callee in callees.into_iter().filter(|callee| *callee != caller) {
            callers.entry(callee).or_default().push(caller);
        }
    }
    callers
}
