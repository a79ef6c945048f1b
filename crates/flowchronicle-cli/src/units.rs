//! Parsing of durations and counts given on the command line.

use std::time::Duration;

/// Parses a duration such as `90s`, `2h`, `7d`, `1.5m` or `250ms`; a bare
/// number is seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("invalid duration {text:?} (expected e.g. 90s, 10m, 2h or 7d)"))?;
    let seconds = match unit.trim() {
        "" | "s" => value,
        "ms" => value / 1000.0,
        "m" | "min" => value * 60.0,
        "h" => value * 3600.0,
        "d" => value * 86400.0,
        "w" => value * 7.0 * 86400.0,
        other => {
            return Err(format!(
                "invalid duration unit {other:?} in {text:?} (expected ms, s, m, h, d or w)"
            ))
        }
    };
    if !seconds.is_finite() || seconds < 0.0 {
        return Err(format!(
            "invalid duration {text:?}: must be a non-negative number"
        ));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// Parses a count that must be at least 1, such as `--threads`.
pub fn parse_positive(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(0) => Err("must be at least 1".to_string()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!(
            "invalid number {text:?} (expected a whole number of at least 1)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positive_counts() {
        assert_eq!(parse_positive("2"), Ok(2));
        assert!(parse_positive("0").is_err());
        assert!(parse_positive("-1").is_err());
        assert!(parse_positive("two").is_err());
    }

    #[test]
    fn duration_units() {
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("2h"), Ok(Duration::from_secs(7200)));
        assert_eq!(parse_duration("7d"), Ok(Duration::from_secs(604_800)));
        assert_eq!(parse_duration("1.5m"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("12"), Ok(Duration::from_secs(12)));
        assert!(parse_duration("2 fortnights").is_err());
        assert!(parse_duration("h").is_err());
    }
}
