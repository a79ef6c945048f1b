//! The bidirectional flow record every part of the library exchanges.
//!
//! A [`Flow`] is one conversation between an initiator (`src`) and a
//! responder (`dst`). Readers produce flows, the miner encodes them into a
//! [`crate::dataset::Dataset`], the generator and the evaluator produce and
//! consume them again. Values are kept in their decoded form (addresses,
//! protocol names, counters) so that any stage can print or check them.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

/// Microseconds since the Unix epoch, UTC.
pub type Micros = i64;

/// Number of microseconds in one second.
pub const MICROS_PER_SECOND: i64 = 1_000_000;

/// A network endpoint address: an IPv4 or IPv6 address, or an opaque host
/// name such as the anonymised CIDDS-001 hosts (`16972_85`, `DNS`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Host {
    V4(Ipv4Addr),
    V6(Ipv6Addr),
    Name(Box<str>),
}

/// The reason a text is not a valid [`Host`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HostError {
    #[error("empty address")]
    Empty,
    #[error("invalid IP address")]
    InvalidIp,
    #[error("invalid host name (expected an IPv4 or IPv6 address, or a name of letters, digits, '_', '-' and '.')")]
    InvalidName,
}

impl Host {
    /// Parses an address. Text made only of digits and dots, or containing a
    /// colon, must be a valid IP address; anything else must be a host name
    /// of ASCII letters, digits, `_`, `-` and `.`.
    pub fn parse(text: &str) -> Result<Host, HostError> {
        if text.is_empty() {
            return Err(HostError::Empty);
        }
        let looks_v4 = text.bytes().all(|b| b.is_ascii_digit() || b == b'.') && text.contains('.');
        if text.contains(':') {
            return Ipv6Addr::from_str(text)
                .map(Host::V6)
                .map_err(|_| HostError::InvalidIp);
        }
        if looks_v4 {
            return Ipv4Addr::from_str(text)
                .map(Host::V4)
                .map_err(|_| HostError::InvalidIp);
        }
        let valid_name = text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
        if valid_name {
            Ok(Host::Name(text.into()))
        } else {
            Err(HostError::InvalidName)
        }
    }
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Host::V4(a) => a.fmt(f),
            Host::V6(a) => a.fmt(f),
            Host::Name(n) => f.write_str(n),
        }
    }
}

impl Serialize for Host {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Host {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Host::parse(&text).map_err(|e| serde::de::Error::custom(format!("{text:?}: {e}")))
    }
}

/// One bidirectional conversation. `fwd` counters are what the initiator
/// sent, `bwd` counters what the responder sent.
#[derive(Debug, Clone, PartialEq)]
pub struct Flow {
    /// Start of the conversation.
    pub ts: Micros,
    /// Protocol name in upper case (`TCP`, `UDP`, `ICMP`, ...).
    pub proto: String,
    pub src_ip: Host,
    pub src_port: u16,
    pub dst_ip: Host,
    /// Responder port, 0 for port-less protocols.
    pub dst_port: u16,
    pub fwd_packets: u64,
    pub bwd_packets: u64,
    pub fwd_bytes: u64,
    pub bwd_bytes: u64,
    /// Seconds from the first to the last packet.
    pub duration: f64,
    /// Union of the TCP flags seen, six positions `UAPRSF` with `.` for an
    /// absent flag (`.AP.SF`); empty when the source has no flags.
    pub flags: String,
    /// Values of the extra columns named in [`FlowTable::extra_columns`],
    /// `None` where the source left the value unset.
    pub extra: Vec<Option<String>>,
}

/// A list of flows sharing one set of extra column names.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FlowTable {
    /// Names of the columns beyond the canonical ones, in output order.
    pub extra_columns: Vec<String>,
    pub flows: Vec<Flow>,
}

impl FlowTable {
    /// Returns the position of an extra column, if the table has it.
    pub fn extra_index(&self, name: &str) -> Option<usize> {
        self.extra_columns.iter().position(|c| c == name)
    }

    /// Sorts the flows by start time, keeping the input order of ties.
    pub fn sort_by_time(&mut self) {
        self.flows.sort_by_key(|f| f.ts);
    }

    /// Returns the first and last start time, or `None` for an empty table.
    pub fn time_span(&self) -> Option<(Micros, Micros)> {
        let first = self.flows.iter().map(|f| f.ts).min()?;
        let last = self.flows.iter().map(|f| f.ts).max()?;
        Some((first, last))
    }
}

/// Flag letters in the position order of nfdump's fixed-width flag string.
pub const FLAG_LETTERS: [u8; 6] = *b"UAPRSF";

/// Returns the position-wise union of two flag strings (`.A..S.` and
/// `...R..` give `.A.RS.`). Positions present in only one string are kept.
pub fn union_flags(a: &str, b: &str) -> String {
    let (long, short) = if a.len() >= b.len() { (a, b) } else { (b, a) };
    long.bytes()
        .enumerate()
        .map(|(i, x)| match short.as_bytes().get(i) {
            Some(&y) if x == b'.' => y as char,
            _ => x as char,
        })
        .collect()
}

/// Formats a timestamp as RFC 3339 UTC with microseconds
/// (`2016-04-11T00:01:43.000000Z`).
pub fn format_timestamp(ts: Micros) -> String {
    match DateTime::<Utc>::from_timestamp_micros(ts) {
        Some(t) => t.to_rfc3339_opts(SecondsFormat::Micros, true),
        None => ts.to_string(),
    }
}

/// Parses RFC 3339 (`2016-04-11T00:01:43Z`), a naive UTC date-time with a
/// space or `T` (`2017-04-07 13:45:13.750`), or Unix seconds with an
/// optional fraction (`1713484795.943239`).
pub fn parse_timestamp(text: &str) -> Option<Micros> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if text
        .bytes()
        .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-')
        && text.matches('-').count() <= 1
    {
        return parse_unix_seconds(text);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc).timestamp_micros());
    }
    for format in ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(text, format) {
            return Some(t.and_utc().timestamp_micros());
        }
    }
    None
}

/// Parses decimal seconds into microseconds without going through a float,
/// so `1713484795.943239` keeps every digit. Digits past the sixth decimal
/// are truncated.
fn parse_unix_seconds(text: &str) -> Option<Micros> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty() && fraction.is_empty() {
        return None;
    }
    if !whole.bytes().all(|b| b.is_ascii_digit()) || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let seconds: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let mut micros: i64 = 0;
    for (i, b) in fraction.bytes().take(6).enumerate() {
        micros += i64::from(b - b'0') * 10_i64.pow(5 - i as u32);
    }
    let total = seconds
        .checked_mul(MICROS_PER_SECOND)?
        .checked_add(micros)?;
    Some(if negative { -total } else { total })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_parse_cases() {
        assert_eq!(
            Host::parse("10.0.0.1"),
            Ok(Host::V4(Ipv4Addr::new(10, 0, 0, 1)))
        );
        assert!(matches!(Host::parse("2001:db8::1"), Ok(Host::V6(_))));
        assert_eq!(Host::parse("16972_85"), Ok(Host::Name("16972_85".into())));
        assert_eq!(Host::parse("DNS"), Ok(Host::Name("DNS".into())));
        assert_eq!(Host::parse("999.1.1.1"), Err(HostError::InvalidIp));
        assert_eq!(Host::parse("10.0.0"), Err(HostError::InvalidIp));
        assert_eq!(Host::parse("fe80::zz"), Err(HostError::InvalidIp));
        assert_eq!(Host::parse("a b"), Err(HostError::InvalidName));
        assert_eq!(Host::parse(""), Err(HostError::Empty));
    }

    #[test]
    fn union_flags_positionwise() {
        assert_eq!(union_flags(".A..S.", "...R.."), ".A.RS.");
        assert_eq!(union_flags(".AP.SF", "......"), ".AP.SF");
        assert_eq!(union_flags("", ".A...."), ".A....");
    }

    #[test]
    fn timestamp_formats() {
        assert_eq!(
            parse_timestamp("1713484795.943239"),
            Some(1_713_484_795_943_239)
        );
        assert_eq!(parse_timestamp("0.5"), Some(500_000));
        assert_eq!(
            parse_timestamp("2016-04-11 00:01:43"),
            Some(1_460_332_903_000_000)
        );
        assert_eq!(
            parse_timestamp("2017-04-07 13:45:13.750"),
            Some(1_491_572_713_750_000)
        );
        assert_eq!(
            parse_timestamp("2016-04-11T00:01:43.000000Z"),
            Some(1_460_332_903_000_000)
        );
        assert_eq!(
            parse_timestamp("2016-04-11T02:01:43+02:00"),
            Some(1_460_332_903_000_000)
        );
        assert_eq!(parse_timestamp("yesterday"), None);
        assert_eq!(
            format_timestamp(1_460_332_903_000_001),
            "2016-04-11T00:01:43.000001Z"
        );
    }
}
