//! The rules of the logging keys: Fluentd's namespace must be a name, and
//! where it sends logs must be reachable and named by a Secret reference.

use super::logging_namespace;
use crate::config::{Config, Whole};
use crate::diagnostics::{KeyPath, Problem};
use crate::grammar::names;
use crate::kinds::rules::secret_ref_problem;
use crate::resolve::switches;

pub fn validate(config: &Config, problems: &mut Vec<Problem>) {
    for (name, environment) in &config.environments {
        let key = KeyPath::new(&["environments", name]);
        let namespace = logging_namespace(&crate::kinds::core::namespace(config, name));
        if switches(config, name).logging && namespace.len() > 63 {
            problems.push(Problem::logging_namespace_too_long(&key, &namespace));
        }
        if let Some(es) = &environment.elasticsearch {
            let key = key.key("elasticsearch");
            if !names::is_host(&es.host) {
                problems.push(Problem::bad_host(&key.key("host"), &es.host));
            }
            if let Some(port) = es.port
                && !Whole::Port.contains(port.into())
            {
                problems.push(Problem::whole(
                    &key.key("port"),
                    &port.to_string(),
                    Whole::Port,
                ));
            }
            if let Some(prefix) = &es.index_prefix
                && !names::is_index_prefix(prefix)
            {
                problems.push(Problem::bad_index_prefix(&key.key("index_prefix"), prefix));
            }
            if let Some(user) = &es.user
                && !names::is_label_value(user)
            {
                problems.push(Problem::bad_label_value(&key.key("user"), user));
            }
            if let Some(password) = &es.password
                && let Some(problem) = secret_ref_problem(&key.key("password"), password)
            {
                problems.push(problem);
            }
        }
    }
}
