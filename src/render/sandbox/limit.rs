//! The limits an override renders under. Tera has no hook for a step, so
//! kiln adds its own calls to the parsed overrides: a `__kiln_step` at the
//! start of every loop iteration, macro call, block and template (charging
//! the size of the body that runs), a `__kiln_value` around every value
//! that is kept or compared (charging its size), a `__kiln_number` around
//! every operand of arithmetic (Tera panics on some overflows). Tera's and
//! kiln's filters and tests are registered again, bounded the same way.
//!
//! Everything is charged to a budget of work units (about a byte of value
//! or output each; a tag that runs costs `NODE_COST`): per rendered file,
//! and for the whole command. Every allocation an override can cause passes
//! one of these charges, so the budget bounds its memory as well as its time,
//! and it is counted, not timed: the same repo fails the same way everywhere.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use tera::{Tera, Value};

/// The most numbers one `range()` may make.
pub const MAX_RANGE: u64 = 10_000;

/// Work units one rendered file may take: far above what the largest
/// config's largest file takes with the bundled templates (a few million).
pub const RENDER_LIMIT: u64 = 64 << 20;

/// Work units one command may take across all its files: a base, and a
/// share for each file the config makes, so that a large config may
/// override every template while an override's worst stays in proportion
/// to what the bundled templates do with the same config.
pub const TOTAL_BASE: u64 = 256 << 20;
pub const TOTAL_PER_FILE: u64 = 32 << 10;

/// What one tag costs to run, in units: measured, a tag that runs takes
/// about as long as copying 64 bytes.
pub const NODE_COST: u64 = 64;

/// How deeply a value an override builds may nest (`[[[...]]]`): values are
/// walked, copied and dropped by recursion.
pub const MAX_VALUE_DEPTH: usize = 64;

/// Integers above this lose precision as floats, and sums of them may
/// overflow Tera's arithmetic.
const MAX_INTEGER: i64 = 1 << 53;
const MAX_FLOAT: f64 = 1e300;

/// Which limit a render ran into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trip {
    Render,
    Total,
}

/// The work budget of one `Renderer`. Inactive without overrides: the
/// bundled templates need no limit.
pub struct Budget {
    active: bool,
    used: AtomicU64,
    /// `TOTAL_BASE`, and a share for each file allowed so far.
    limit: AtomicU64,
    exceeded: AtomicBool,
}

/// The render in progress on this thread.
#[derive(Default)]
struct Current {
    used: u64,
    trip: Option<Trip>,
    /// The override that ran last, as its bundled template name.
    template: Option<String>,
}

thread_local! {
    static CURRENT: RefCell<Current> = RefCell::new(Current::default());
}

/// What the end of a render reports: the limit it ran into, if any, and
/// the override that ran last.
pub struct Report {
    pub trip: Option<Trip>,
    pub last_override: Option<String>,
}

impl Budget {
    pub fn new(active: bool) -> Arc<Self> {
        Arc::new(Budget {
            active,
            used: AtomicU64::new(0),
            limit: AtomicU64::new(TOTAL_BASE),
            exceeded: AtomicBool::new(false),
        })
    }

    /// Adds the share of `files` more files to the command's limit; called
    /// before they render, so that whether the limit is reached does not
    /// depend on the order threads render in.
    pub fn allow(&self, files: usize) {
        self.limit.fetch_add(
            TOTAL_PER_FILE.saturating_mul(files as u64),
            Ordering::Relaxed,
        );
    }

    /// The command's limit as it stands.
    pub fn limit(&self) -> u64 {
        self.limit.load(Ordering::Relaxed)
    }

    /// Starts a render on this thread.
    pub fn begin(&self) {
        CURRENT.with(|c| *c.borrow_mut() = Current::default());
    }

    /// Ends the render on this thread.
    pub fn end(&self) -> Report {
        CURRENT.with(|c| {
            let current = std::mem::take(&mut *c.borrow_mut());
            Report {
                trip: current.trip,
                last_override: current.template,
            }
        })
    }

    /// Whether the command as a whole went past `TOTAL_LIMIT`.
    pub fn exceeded(&self) -> bool {
        self.exceeded.load(Ordering::Relaxed)
    }

    fn charge(&self, units: u64) -> tera::Result<()> {
        if !self.active {
            return Ok(());
        }
        let total = self
            .used
            .fetch_add(units, Ordering::Relaxed)
            .saturating_add(units);
        if total > self.limit() {
            self.exceeded.store(true, Ordering::Relaxed);
        }
        CURRENT.with(|c| {
            let mut c = c.borrow_mut();
            c.used = c.used.saturating_add(units);
            // The file's own limit first: which render reaches the command's
            // limit depends on the threads, which render reaches its own does not.
            let trip = if c.used > RENDER_LIMIT {
                Some(Trip::Render)
            } else if total > self.limit() {
                Some(Trip::Total)
            } else {
                None
            };
            Self::tripped(&mut c, trip)
        })
    }

    fn tripped(current: &mut Current, trip: Option<Trip>) -> tera::Result<()> {
        match trip {
            None => Ok(()),
            Some(trip) => {
                current.trip.get_or_insert(trip);
                Err(tera::Error::msg(
                    "kiln's limit on the work of a template was reached",
                ))
            }
        }
    }

    /// Fails when `units` more would go past the file's limit, without
    /// charging them: for what a filter may make, before it makes it. (The
    /// command's limit is left to the charge of what it did make, as what
    /// other threads used so far is not the same from run to run.)
    fn fits(&self, units: u64) -> tera::Result<()> {
        if !self.active {
            return Ok(());
        }
        CURRENT.with(|c| {
            let mut c = c.borrow_mut();
            let over = c.used.saturating_add(units) > RENDER_LIMIT;
            Self::tripped(&mut c, over.then_some(Trip::Render))
        })
    }

    fn enter(&self, template: &str) {
        CURRENT.with(|c| {
            let mut c = c.borrow_mut();
            if c.template.as_deref() != Some(template) {
                c.template = Some(template.to_string());
            }
        });
    }
}

/// The size of a value in units, or `None` when it nests deeper than
/// `MAX_VALUE_DEPTH`.
pub fn size(value: &Value) -> Option<u64> {
    fn walk(value: &Value, depth: usize) -> Option<u64> {
        if depth > MAX_VALUE_DEPTH {
            return None;
        }
        Some(match value {
            Value::Null | Value::Bool(_) => 1,
            Value::Number(_) => 8,
            Value::String(s) => 1 + s.len() as u64,
            Value::Array(items) => {
                let mut sum = 1u64;
                for item in items {
                    sum = sum.saturating_add(walk(item, depth + 1)?);
                }
                sum
            }
            Value::Object(map) => {
                let mut sum = 1u64;
                for (key, item) in map {
                    sum = sum
                        .saturating_add(key.len() as u64)
                        .saturating_add(walk(item, depth + 1)?);
                }
                sum
            }
        })
    }
    walk(value, 0)
}

fn measured(value: &Value) -> tera::Result<u64> {
    size(value).ok_or_else(|| {
        tera::Error::msg(format!(
            "a value nests more than {MAX_VALUE_DEPTH} levels deep"
        ))
    })
}

/// Registers the bounded `range`, the refusals of `get_env`, `now` and
/// `get_random`, kiln's own step functions, and Tera's filters and tests
/// again, bounded.
pub fn register(tera: &mut Tera, budget: &Arc<Budget>) {
    let base = Arc::new(Tera::default());
    for name in super::rules::TERA_FILTERS {
        let inner = base.clone();
        tera.register_filter(
            name,
            bounded(budget, name, move |value, args| {
                inner.get_filter(name)?.filter(value, args)
            }),
        );
    }
    for name in super::rules::TERA_TESTERS {
        let inner = base.clone();
        let budget = budget.clone();
        tera.register_tester(name, move |value: Option<&Value>, args: &[Value]| {
            let mut units = value.map_or(Ok(1), measured)?;
            for arg in args {
                units = units.saturating_add(measured(arg)?);
            }
            budget.charge(units)?;
            inner.get_tester(name)?.test(value, args)
        });
    }
    let b = budget.clone();
    tera.register_function("range", move |args: &HashMap<String, Value>| {
        range(&b, args)
    });
    for name in ["get_env", "now", "get_random"] {
        tera.register_function(name, move |_: &HashMap<String, Value>| {
            Err(tera::Error::msg(format!(
                "`{name}` is not available in kiln templates"
            )))
        });
    }
    let b = budget.clone();
    tera.register_function(STEP, move |args: &HashMap<String, Value>| {
        if let Some(Value::String(template)) = args.get("t") {
            b.enter(template);
        }
        b.charge(args.get("n").and_then(Value::as_u64).unwrap_or(NODE_COST))?;
        Ok(Value::String(String::new()))
    });
    let b = budget.clone();
    tera.register_function(VALUE, move |args: &HashMap<String, Value>| {
        let value = args.get("v").cloned().unwrap_or(Value::Null);
        b.charge(measured(&value)?)?;
        Ok(value)
    });
    tera.register_function(NUMBER, |args: &HashMap<String, Value>| {
        let value = args.get("v").cloned().unwrap_or(Value::Null);
        let Value::Number(n) = &value else {
            return Err(tera::Error::msg(format!(
                "tried to do math with `{}`, which is not a number",
                short(&value)
            )));
        };
        let fits = match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => (-MAX_INTEGER..=MAX_INTEGER).contains(&i),
            (None, Some(f)) => f.is_finite() && f.abs() <= MAX_FLOAT && n.as_u64().is_none(),
            (None, None) => false,
        };
        if !fits {
            return Err(tera::Error::msg(format!(
                "`{n}` is too large for arithmetic in kiln templates"
            )));
        }
        Ok(value)
    });
}

pub(super) const STEP: &str = "__kiln_step";
pub(super) const VALUE: &str = "__kiln_value";
pub(super) const NUMBER: &str = "__kiln_number";

/// Whether a message in Tera's error chain is only the wrapper around
/// an error in one of kiln's own calls.
pub fn is_wrapper(message: &str) -> bool {
    [STEP, VALUE, NUMBER]
        .iter()
        .any(|name| message == format!("Function call '{name}' failed"))
}

/// A value for a message, cut short.
fn short(value: &Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(40) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text,
    }
}

/// `range(end=N)`, `range(start=A, end=N, step_by=S)`, as Tera's, making
/// at most `MAX_RANGE` numbers (Tera's allocates whatever it is asked, and
/// loops forever on `step_by=0`).
fn range(budget: &Budget, args: &HashMap<String, Value>) -> tera::Result<Value> {
    let number = |key: &str, default: Option<u64>| -> tera::Result<u64> {
        match args.get(key) {
            Some(value) => value.as_u64().ok_or_else(|| {
                tera::Error::msg(format!(
                    "`range` takes a whole number for `{key}`, not `{}`",
                    short(value)
                ))
            }),
            None => default.ok_or_else(|| tera::Error::msg("`range` needs an `end`")),
        }
    };
    let start = number("start", Some(0))?;
    let end = number("end", None)?;
    let step = number("step_by", Some(1))?;
    if step == 0 {
        return Err(tera::Error::msg("`range` cannot step by 0"));
    }
    if start > end {
        return Err(tera::Error::msg(format!(
            "`range` was given a `start` ({start}) above its `end` ({end})"
        )));
    }
    let count = (end - start).div_ceil(step);
    if count > MAX_RANGE {
        return Err(tera::Error::msg(format!(
            "`range` makes at most {MAX_RANGE} numbers; this one would make {count}"
        )));
    }
    budget.charge(count * 8)?;
    Ok(Value::Array(
        (0..count).map(|i| Value::from(start + i * step)).collect(),
    ))
}

/// A filter that may not make more than the budget has left: what it could
/// make is estimated before it runs, what it made is charged after.
pub fn bounded(
    budget: &Arc<Budget>,
    name: &'static str,
    filter: impl Fn(&Value, &HashMap<String, Value>) -> tera::Result<Value> + Send + Sync + 'static,
) -> impl Fn(&Value, &HashMap<String, Value>) -> tera::Result<Value> + Send + Sync + 'static {
    let budget = budget.clone();
    move |value, args| {
        guard(name, value, args)?;
        if budget.active {
            let input = measured(value)?;
            let mut sizes = HashMap::new();
            for (key, arg) in args {
                sizes.insert(key.as_str(), measured(arg)?);
            }
            budget.fits(estimate(name, input, &sizes, args))?;
            if matches!(value, Value::Array(_) | Value::Object(_)) {
                budget.charge(input)?;
            }
        }
        let out = filter(value, args)?;
        if budget.active {
            budget.charge(measured(&out)?)?;
        }
        Ok(out)
    }
}

/// Arguments Tera's filters panic on.
fn guard(name: &str, value: &Value, args: &HashMap<String, Value>) -> tera::Result<()> {
    match name {
        "int" => match args.get("base").map(Value::as_u64) {
            Some(Some(base)) if !(2..=36).contains(&base) => Err(tera::Error::msg(format!(
                "`int` takes a `base` from 2 to 36, not {base}"
            ))),
            _ => Ok(()),
        },
        "abs" if value.as_i64() == Some(i64::MIN) => {
            Err(tera::Error::msg("`abs` of the smallest integer overflows"))
        }
        _ => Ok(()),
    }
}

/// The most a filter can make, in units, from the sizes of its input and arguments.
fn estimate(
    name: &str,
    input: u64,
    sizes: &HashMap<&str, u64>,
    args: &HashMap<String, Value>,
) -> u64 {
    let arg = |key: &str| sizes.get(key).copied().unwrap_or(0);
    let n = input.saturating_add(1);
    match name {
        // Every position may become `to` (`from=""` puts it between every character).
        "replace" => n.saturating_mul(arg("to").max(1) + 1),
        "indent" => n.saturating_mul(if sizes.contains_key("prefix") {
            arg("prefix") + 1
        } else {
            5
        }),
        "join" => n.saturating_mul(arg("sep") + 2),
        "concat" => n.saturating_add(arg("with")),
        "truncate" => n.saturating_add(arg("end")),
        "pluralize" => arg("singular") + arg("plural") + 8,
        "json_encode" => n.saturating_mul(8 + 2 * MAX_VALUE_DEPTH as u64),
        "yaml" => {
            let indent = args.get("indent").and_then(Value::as_u64).unwrap_or(0);
            n.saturating_mul(8u64.saturating_add(indent))
        }
        // Escapes and case changes grow text a few times at most.
        _ => n.saturating_mul(8),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_is_bounded_and_never_loops_forever() {
        let budget = Budget::new(true);
        let args = |pairs: &[(&str, u64)]| {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), Value::from(*v)))
                .collect::<HashMap<_, _>>()
        };
        assert_eq!(
            range(&budget, &args(&[("end", 3)])).unwrap(),
            serde_json::json!([0, 1, 2])
        );
        assert_eq!(
            range(&budget, &args(&[("start", 1), ("end", 8), ("step_by", 3)])).unwrap(),
            serde_json::json!([1, 4, 7])
        );
        assert!(range(&budget, &args(&[("end", MAX_RANGE)])).is_ok());
        for bad in [
            args(&[("end", MAX_RANGE + 1)]),
            args(&[("end", 200_000_000)]),
            args(&[("end", 1), ("step_by", 0)]),
            args(&[("start", 2), ("end", 1)]),
            args(&[]),
        ] {
            assert!(range(&budget, &bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_value_too_deep_to_walk_is_refused() {
        let mut value = Value::Null;
        for _ in 0..MAX_VALUE_DEPTH {
            value = Value::Array(vec![value]);
        }
        assert!(size(&value).is_some());
        assert!(size(&Value::Array(vec![value])).is_none());
    }

    #[test]
    fn the_budget_trips_per_render_and_in_total() {
        let budget = Budget::new(true);
        budget.begin();
        assert!(budget.charge(RENDER_LIMIT).is_ok());
        assert!(budget.charge(1).is_err());
        assert_eq!(budget.end().trip, Some(Trip::Render));
        // A fresh render starts from zero, the command's total does not.
        for _ in 0..(TOTAL_BASE / RENDER_LIMIT) - 2 {
            budget.begin();
            assert!(budget.charge(RENDER_LIMIT).is_ok());
            assert_eq!(budget.end().trip, None);
        }
        // More files, more room.
        budget.begin();
        assert!(budget.charge(RENDER_LIMIT - 1).is_ok());
        assert!(budget.charge(1).is_err());
        assert_eq!(budget.end().trip, Some(Trip::Total));
        budget.allow(1);
        budget.begin();
        assert!(budget.charge(TOTAL_PER_FILE - 1).is_ok());
        assert!(budget.charge(2).is_err());
        assert_eq!(budget.end().trip, Some(Trip::Total));
        assert!(budget.exceeded());
        let idle = Budget::new(false);
        idle.begin();
        assert!(idle.charge(u64::MAX).is_ok());
    }
}
