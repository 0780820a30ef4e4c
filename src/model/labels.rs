//! Labels and annotations: key → value, in key order.

use std::collections::BTreeMap;

pub type Labels = BTreeMap<String, String>;
