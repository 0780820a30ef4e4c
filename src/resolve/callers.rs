//! Who calls whom: for each service, the services whose `calls` name it.

use crate::config::Config;
use std::collections::BTreeMap;

/// For each service, the services that call it, in name order.
pub type Callers<'a> = BTreeMap<&'a str, Vec<&'a str>>;

pub fn callers(config: &Config) -> Callers<'_> {
    let mut callers: Callers<'_> = BTreeMap::new();
    for (caller, service) in &config.services {
        let mut callees: Vec<&str> = service.calls.iter().flatten().map(String::as_str).collect();
        callees.sort_unstable();
        callees.dedup();
        for callee in callees.into_iter().filter(|callee| *callee != caller) {
            callers.entry(callee).or_default().push(caller);
        }
    }
    callers
}
