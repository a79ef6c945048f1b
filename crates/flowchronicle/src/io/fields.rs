//! Parsers and formatters for single field values, shared by the readers
//! and writers. Parsers return a [`FieldError`] that the caller turns into
//! a located [`super::ReadError`].

use crate::flow::{parse_timestamp, Micros, FLAG_LETTERS, MICROS_PER_SECOND};

/// The problem with a field and the value expected instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldError {
    pub problem: &'static str,
    pub expected: &'static str,
}

const fn field_error(problem: &'static str, expected: &'static str) -> FieldError {
    FieldError { problem, expected }
}

pub const INVALID_COUNT: FieldError =
    field_error("invalid number", "a non-negative integer, e.g. 12");
pub const INVALID_SCALED_COUNT: FieldError = field_error(
    "invalid number",
    "a non-negative integer, optionally with a k, M or G suffix, e.g. 1.2 M",
);
pub const INVALID_SECONDS: FieldError =
    field_error("invalid number", "non-negative seconds, e.g. 0.168");
pub const INVALID_PORT: FieldError = field_error("invalid port", "an integer from 0 to 65535");
pub const INVALID_ICMP_PORT: FieldError = field_error(
    "invalid port",
    "an integer from 0 to 65535, or an ICMP type.code such as 3.3",
);
pub const INVALID_FLAGS: FieldError = field_error(
    "invalid TCP flags",
    "letters of UAPRSF with '.' for absent flags (e.g. .AP.SF), or the flag byte as a number",
);
pub const INVALID_TIMESTAMP: FieldError = field_error(
    "invalid timestamp",
    "RFC 3339, 'YYYY-MM-DD HH:MM:SS[.fff]' or Unix seconds, e.g. 2016-04-11 00:01:43",
);
pub const INVALID_PROTOCOL: FieldError = field_error(
    "invalid protocol",
    "a protocol name of letters, digits, '-' and '_', e.g. TCP",
);
pub const MISSING_VALUE: FieldError = field_error("missing value", "a value in this column");

/// Parses a non-negative integer. A zero fraction (`12.0`) is accepted
/// because some generators write integer columns as floats.
pub fn parse_count(text: &str) -> Result<u64, FieldError> {
    let text = text.trim();
    let whole = match text.split_once('.') {
        Some((whole, fraction)) if fraction.bytes().all(|b| b == b'0') => whole,
        Some(_) => return Err(INVALID_COUNT),
        None => text,
    };
    parse_digits(whole).ok_or(INVALID_COUNT)
}

/// Parses a count as nfdump prints large values: an integer, or a decimal
/// number followed by `k`, `M` or `G` (optionally after a space) that
/// stands for ×1,000, ×1,000,000 or ×1,000,000,000, so `1.2 M` is
/// 1,200,000. The result is rounded to the nearest integer.
pub fn parse_scaled_count(text: &str) -> Result<u64, FieldError> {
    let text = text.trim();
    let (number, multiplier) = match text.as_bytes().last() {
        Some(b'k' | b'K') => (&text[..text.len() - 1], 1_000u64),
        Some(b'M') => (&text[..text.len() - 1], 1_000_000),
        Some(b'G') => (&text[..text.len() - 1], 1_000_000_000),
        _ => return parse_count(text).map_err(|_| INVALID_SCALED_COUNT),
    };
    let number = number.trim_end();
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    let whole = parse_digits(whole).ok_or(INVALID_SCALED_COUNT)?;
    if !fraction.bytes().all(|b| b.is_ascii_digit()) || fraction.len() > 9 {
        return Err(INVALID_SCALED_COUNT);
    }
    // Integer arithmetic keeps 1.2 M at exactly 1,200,000.
    let scale = 10u64.pow(fraction.len() as u32);
    let fraction_value: u64 = if fraction.is_empty() {
        0
    } else {
        fraction.parse().map_err(|_| INVALID_SCALED_COUNT)?
    };
    let scaled_fraction = (u128::from(fraction_value) * u128::from(multiplier)
        + u128::from(scale / 2))
        / u128::from(scale);
    whole
        .checked_mul(multiplier)
        .and_then(|w| w.checked_add(scaled_fraction as u64))
        .ok_or(INVALID_SCALED_COUNT)
}

fn parse_digits(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// Parses non-negative decimal seconds into microseconds, rounding to the
/// nearest microsecond (`0.6759999999999999` gives 676,000).
pub fn parse_seconds(text: &str) -> Result<Micros, FieldError> {
    let text = text.trim();
    let valid = !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && text.bytes().filter(|&b| b == b'.').count() <= 1
        && text != ".";
    if !valid {
        return Err(INVALID_SECONDS);
    }
    let seconds: f64 = text.parse().map_err(|_| INVALID_SECONDS)?;
    let micros = (seconds * MICROS_PER_SECOND as f64).round();
    // About 292,000 years: anything longer is not a flow duration.
    if !(0.0..9.2e18).contains(&micros) {
        return Err(INVALID_SECONDS);
    }
    Ok(micros as Micros)
}

/// Parses a port. For ICMP, nfdump-based exports such as CIDDS-001 may
/// write the destination port as `type.code`. It becomes
/// `type * 256 + code`, the value nfdump itself stores, so UGR'16 writes
/// 771 for type 3, code 3. Other protocols accept a zero fraction (`80.0`).
pub fn parse_port(text: &str, icmp: bool) -> Result<u16, FieldError> {
    let text = text.trim();
    let error = if icmp {
        INVALID_ICMP_PORT
    } else {
        INVALID_PORT
    };
    if let (true, Some((kind, code))) = (icmp, text.split_once('.')) {
        let kind = parse_digits(kind).filter(|&v| v <= 255).ok_or(error)?;
        let code = parse_digits(code).filter(|&v| v <= 255).ok_or(error)?;
        return Ok((kind * 256 + code) as u16);
    }
    let value = parse_count(text).map_err(|_| error)?;
    u16::try_from(value).map_err(|_| error)
}

/// Returns whether a protocol name is ICMP or ICMPv6.
pub fn is_icmp(proto: &str) -> bool {
    proto.eq_ignore_ascii_case("ICMP")
        || proto.eq_ignore_ascii_case("ICMP6")
        || proto.eq_ignore_ascii_case("IPV6-ICMP")
}

/// Checks a protocol name and returns it trimmed and in upper case.
pub fn parse_protocol(text: &str) -> Result<String, FieldError> {
    let text = text.trim();
    let valid = !text.is_empty()
        && text.len() <= 32
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !valid {
        return Err(INVALID_PROTOCOL);
    }
    Ok(text.to_ascii_uppercase())
}

/// Parses TCP flags into a bit mask with the bit values of the TCP header
/// (FIN 1, SYN 2, RST 4, PSH 8, ACK 16, URG 32). Accepted forms: nfdump's
/// fixed-width string (`.AP.SF`, also the 8-wide `CEUAPRSF` form, where the
/// `C` and `E` letters are dropped), an empty field (no flags), or the flag
/// byte as a decimal or `0x` hexadecimal number.
pub fn parse_flags(text: &str) -> Result<u8, FieldError> {
    let text = text.trim();
    if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        return u8::from_str_radix(hex, 16)
            .map(|v| v & 0x3f)
            .map_err(|_| INVALID_FLAGS);
    }
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return text
            .parse::<u8>()
            .map(|v| v & 0x3f)
            .map_err(|_| INVALID_FLAGS);
    }
    if text.len() > 8 {
        return Err(INVALID_FLAGS);
    }
    let mut mask = 0u8;
    for b in text.bytes() {
        match b {
            b'.' | b'C' | b'E' => {}
            _ => match FLAG_LETTERS.iter().position(|&l| l == b) {
                Some(i) => mask |= 1 << (5 - i),
                None => return Err(INVALID_FLAGS),
            },
        }
    }
    Ok(mask)
}

/// Formats a flag mask from [`parse_flags`] as the six positions `UAPRSF`.
pub fn format_flags(mask: u8) -> String {
    FLAG_LETTERS
        .iter()
        .enumerate()
        .map(|(i, &letter)| {
            if mask & (1 << (5 - i)) != 0 {
                letter as char
            } else {
                '.'
            }
        })
        .collect()
}

/// Parses a start or end time. `YYYY-MM-DD HH:MM:SS[.fff]`, the form of
/// nfdump exports, is parsed without allocation; everything else goes to
/// [`parse_timestamp`].
pub fn parse_time(text: &str) -> Result<Micros, FieldError> {
    let text = text.trim();
    if let Some(ts) = parse_datetime_fast(text.as_bytes()) {
        return Ok(ts);
    }
    parse_timestamp(text).ok_or(INVALID_TIMESTAMP)
}

fn parse_datetime_fast(b: &[u8]) -> Option<Micros> {
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    if b[10] != b' ' && b[10] != b'T' {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<i64> {
        b[range].iter().try_fold(0i64, |acc, &d| {
            d.is_ascii_digit().then(|| acc * 10 + i64::from(d - b'0'))
        })
    };
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        _ => return None,
    };
    if day < 1 || day > days_in_month || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let mut micros = 0i64;
    match &b[19..] {
        [] => {}
        [b'.', fraction @ ..] if !fraction.is_empty() && fraction.len() <= 9 => {
            for (i, &d) in fraction.iter().enumerate() {
                if !d.is_ascii_digit() {
                    return None;
                }
                if i < 6 {
                    micros += i64::from(d - b'0') * 10i64.pow(5 - i as u32);
                }
            }
        }
        _ => return None,
    }
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second;
    Some(seconds * MICROS_PER_SECOND + micros)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// Converts days since 1970-01-01 to (year, month, day) of the proleptic
/// Gregorian calendar (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_index + 2) / 5 + 1) as u32;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Appends a timestamp as RFC 3339 UTC with microseconds
/// (`2016-04-11T00:01:43.000000Z`), the same text as
/// [`crate::flow::format_timestamp`] for years 0 to 9999, without
/// allocating. Other years fall back to that function.
pub fn push_timestamp(out: &mut Vec<u8>, ts: Micros) {
    let seconds = ts.div_euclid(MICROS_PER_SECOND);
    let micros = ts.rem_euclid(MICROS_PER_SECOND) as u64;
    let days = seconds.div_euclid(86_400);
    let second_of_day = seconds.rem_euclid(86_400) as u64;
    let (year, month, day) = civil_from_days(days);
    if !(0..=9999).contains(&year) {
        out.extend_from_slice(crate::flow::format_timestamp(ts).as_bytes());
        return;
    }
    push_padded(out, year as u64, 4);
    out.push(b'-');
    push_padded(out, u64::from(month), 2);
    out.push(b'-');
    push_padded(out, u64::from(day), 2);
    out.push(b'T');
    push_padded(out, second_of_day / 3_600, 2);
    out.push(b':');
    push_padded(out, second_of_day / 60 % 60, 2);
    out.push(b':');
    push_padded(out, second_of_day % 60, 2);
    out.push(b'.');
    push_padded(out, micros, 6);
    out.push(b'Z');
}

/// Appends an unsigned integer in decimal.
pub fn push_u64(out: &mut Vec<u8>, value: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    let mut rest = value;
    loop {
        i -= 1;
        digits[i] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}

fn push_padded(out: &mut Vec<u8>, value: u64, width: usize) {
    let mut digits = 1;
    let mut rest = value / 10;
    while rest > 0 {
        digits += 1;
        rest /= 10;
    }
    for _ in digits..width {
        out.push(b'0');
    }
    push_u64(out, value);
}

/// Appends seconds given in microseconds with up to six decimals and no
/// trailing zeros (`0.5`, `12`, `0.000064`).
pub fn push_micros_as_seconds(out: &mut Vec<u8>, micros: i64) {
    if micros < 0 {
        out.push(b'-');
    }
    let magnitude = micros.unsigned_abs();
    push_u64(out, magnitude / 1_000_000);
    let mut fraction = magnitude % 1_000_000;
    if fraction == 0 {
        return;
    }
    let mut width = 6;
    while fraction % 10 == 0 {
        fraction /= 10;
        width -= 1;
    }
    out.push(b'.');
    push_padded(out, fraction, width);
}

/// Appends seconds with exactly six decimals, the form Zeek writes.
pub fn push_micros_as_fixed_seconds(out: &mut Vec<u8>, micros: i64) {
    if micros < 0 {
        out.push(b'-');
    }
    let magnitude = micros.unsigned_abs();
    push_u64(out, magnitude / 1_000_000);
    out.push(b'.');
    push_padded(out, magnitude % 1_000_000, 6);
}

/// Converts a duration in seconds to whole microseconds: rounded, with NaN
/// read as 0 and out-of-range values saturated.
pub fn seconds_to_micros(seconds: f64) -> i64 {
    (seconds * MICROS_PER_SECOND as f64).round() as i64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::format_timestamp;

    #[test]
    fn counts_accept_zero_fraction() {
        assert_eq!(parse_count("12"), Ok(12));
        assert_eq!(parse_count(" 12.0 "), Ok(12));
        assert_eq!(parse_count("12.00"), Ok(12));
        assert_eq!(parse_count("12.5"), Err(INVALID_COUNT));
        assert_eq!(parse_count("-1"), Err(INVALID_COUNT));
        assert_eq!(parse_count(""), Err(INVALID_COUNT));
        assert_eq!(parse_count("1e3"), Err(INVALID_COUNT));
        assert_eq!(parse_count("99999999999999999999999"), Err(INVALID_COUNT));
    }

    #[test]
    fn scaled_counts_use_powers_of_1000() {
        assert_eq!(parse_scaled_count("1.2 M"), Ok(1_200_000));
        assert_eq!(parse_scaled_count("1.2M"), Ok(1_200_000));
        assert_eq!(parse_scaled_count("51.8 M"), Ok(51_800_000));
        assert_eq!(parse_scaled_count("3 k"), Ok(3_000));
        assert_eq!(parse_scaled_count("2.05 G"), Ok(2_050_000_000));
        assert_eq!(parse_scaled_count("6664"), Ok(6_664));
        assert_eq!(parse_scaled_count(" M"), Err(INVALID_SCALED_COUNT));
        assert_eq!(parse_scaled_count("1.x M"), Err(INVALID_SCALED_COUNT));
        assert_eq!(parse_scaled_count("1.2 T"), Err(INVALID_SCALED_COUNT));
    }

    #[test]
    fn seconds_round_to_micros() {
        assert_eq!(parse_seconds("0.168"), Ok(168_000));
        assert_eq!(parse_seconds("0.6759999999999999"), Ok(676_000));
        assert_eq!(parse_seconds("0"), Ok(0));
        assert_eq!(parse_seconds("0.x"), Err(INVALID_SECONDS));
        assert_eq!(parse_seconds("-1"), Err(INVALID_SECONDS));
        assert_eq!(parse_seconds("inf"), Err(INVALID_SECONDS));
        assert_eq!(parse_seconds("."), Err(INVALID_SECONDS));
    }

    #[test]
    fn ports_and_icmp_type_code() {
        assert_eq!(parse_port("80", false), Ok(80));
        assert_eq!(parse_port(" 80.0 ", false), Ok(80));
        assert_eq!(parse_port("3.3", true), Ok(771));
        assert_eq!(parse_port("8.0", true), Ok(2048));
        assert_eq!(parse_port("3", true), Ok(3));
        assert_eq!(parse_port("3.3", false), Err(INVALID_PORT));
        assert_eq!(parse_port("65536", false), Err(INVALID_PORT));
        assert_eq!(parse_port("256.0", true), Err(INVALID_ICMP_PORT));
    }

    #[test]
    fn flags_forms() {
        assert_eq!(parse_flags(".AP.SF"), Ok(0b011011));
        assert_eq!(parse_flags("UAPRSF"), Ok(0b111111));
        assert_eq!(parse_flags("......"), Ok(0));
        assert_eq!(parse_flags(""), Ok(0));
        assert_eq!(parse_flags("CE.A..S."), Ok(0b010010));
        assert_eq!(parse_flags("0x12"), Ok(0b010010));
        assert_eq!(parse_flags("18"), Ok(0b010010));
        assert_eq!(parse_flags(".AX..."), Err(INVALID_FLAGS));
        assert_eq!(format_flags(0b011011), ".AP.SF");
        assert_eq!(format_flags(0), "......");
    }

    #[test]
    fn fast_datetime_matches_chrono() {
        for text in [
            "2016-04-11 00:01:43",
            "2017-04-07 13:45:13.750",
            "2000-02-29T23:59:59.123456789",
            "1969-12-31 23:59:59.5",
        ] {
            assert_eq!(parse_time(text).ok(), parse_timestamp(text), "{text}");
        }
        assert_eq!(parse_time("2016-02-30 00:00:00"), Err(INVALID_TIMESTAMP));
        assert_eq!(parse_time("2016-04-11 24:00:00"), Err(INVALID_TIMESTAMP));
        assert_eq!(parse_time("1713484795.943239"), Ok(1_713_484_795_943_239));
    }

    #[test]
    fn timestamp_text_matches_format_timestamp() {
        let samples = [
            0i64,
            1,
            -1,
            1_460_332_903_000_001,
            951_868_799_999_999,
            -62_135_596_800_000_000,
            253_402_300_799_999_999,
        ];
        for ts in samples {
            let mut out = Vec::new();
            push_timestamp(&mut out, ts);
            assert_eq!(
                String::from_utf8(out).unwrap(),
                format_timestamp(ts),
                "{ts}"
            );
        }
        let mut ts = -5_000_000_000_000_000i64;
        while ts < 5_000_000_000_000_000 {
            let mut out = Vec::new();
            push_timestamp(&mut out, ts);
            assert_eq!(
                String::from_utf8(out).unwrap(),
                format_timestamp(ts),
                "{ts}"
            );
            ts += 7_777_777_777_777;
        }
    }

    #[test]
    fn seconds_text_trims_zeros() {
        let cases = [
            (0, "0"),
            (500_000, "0.5"),
            (12_000_000, "12"),
            (64, "0.000064"),
            (1_234_567, "1.234567"),
            (-1_500_000, "-1.5"),
        ];
        for (micros, text) in cases {
            let mut out = Vec::new();
            push_micros_as_seconds(&mut out, micros);
            assert_eq!(String::from_utf8(out).unwrap(), text);
        }
        let mut out = Vec::new();
        push_micros_as_fixed_seconds(&mut out, 64);
        assert_eq!(out, b"0.000064");
    }
}
