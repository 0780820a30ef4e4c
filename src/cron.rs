//! Cron schedules as the Kubernetes CronJob controller reads them: five
//! fields, or one of the `@` macros.

const FIELDS: &[(&str, u32, u32, &[&str])] = &[
    ("minute", 0, 59, &[]),
    ("hour", 0, 23, &[]),
    ("day of month", 1, 31, &[]),
    (
        "month",
        1,
        12,
        &[
            "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
        ],
    ),
    (
        "day of week",
        0,
        7,
        &["sun", "mon", "tue", "wed", "thu", "fri", "sat"],
    ),
];

const MACROS: &[&str] = &[
    "@yearly",
    "@annually",
    "@monthly",
    "@weekly",
    "@daily",
    "@midnight",
    "@hourly",
];

/// Checks `schedule`; the error says which field is wrong.
pub fn check(schedule: &str) -> Result<(), String> {
    let schedule = schedule.trim();
    if schedule.starts_with('@') {
        return if MACROS.contains(&schedule) {
            Ok(())
        } else {
            Err(format!("unknown macro `{schedule}`"))
        };
    }
    if schedule.starts_with("TZ=") || schedule.starts_with("CRON_TZ=") {
        return Err("time zones go in the CronJob's `timeZone`, not the schedule".to_string());
    }
    let fields: Vec<&str> = schedule.split_whitespace().collect();
    if fields.len() != FIELDS.len() {
        return Err(format!("it has {} fields, not 5", fields.len()));
    }
    for (field, (name, min, max, names)) in fields.iter().zip(FIELDS) {
        check_field(field, *min, *max, names)
            .map_err(|why| format!("the {name} field `{field}` {why}"))?;
    }
    Ok(())
}

fn check_field(field: &str, min: u32, max: u32, names: &[&str]) -> Result<(), String> {
    for part in field.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((range, step)) => (range, Some(step)),
            None => (part, None),
        };
        if let Some(step) = step {
            match step.parse::<u32>() {
                Ok(n) if n >= 1 && n <= max => {}
                _ => return Err(format!("has a bad step `{step}`")),
            }
        }
        if range == "*" || range == "?" {
            continue;
        }
        let (low, high) = range.split_once('-').unwrap_or((range, range));
        let low = value(low, min, max, names)?;
        let high = value(high, min, max, names)?;
        if low > high {
            return Err(format!("has a range `{range}` that runs backwards"));
        }
    }
    Ok(())
}

fn value(text: &str, min: u32, max: u32, names: &[&str]) -> Result<u32, String> {
    let lower = text.to_ascii_lowercase();
    if let Some(i) = names.iter().position(|n| *n == lower) {
        // Month names count from 1, weekday names from 0.
        return Ok(i as u32 + min);
    }
    match text.parse::<u32>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(format!("has `{text}`, outside {min}-{max}")),
    }
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
            "@daily",
            "0 0 1,15 jan *",
            "0 0 * * 7",
        ] {
            assert_eq!(check(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn rejects_with_the_field_named() {
        assert_eq!(
            check("0 25 * * *").unwrap_err(),
            "the hour field `25` has `25`, outside 0-23"
        );
        assert!(check("every day").is_err());
        assert!(check("* * * *").is_err());
        assert!(check("@sometimes").is_err());
        assert!(check("*/0 * * * *").is_err());
    }
}
