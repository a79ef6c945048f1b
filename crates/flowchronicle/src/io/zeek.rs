//! Zeek conn.log in its tab-separated form, and the mapping from Zeek's
//! connection fields to a [`Flow`] that the JSON reader shares.
//!
//! Mapping: `id.orig_h`/`id.orig_p` give the source, `id.resp_h`/`id.resp_p`
//! the destination, `orig_pkts`/`resp_pkts` the packet counters and
//! `orig_ip_bytes`/`resp_ip_bytes` the byte counters. IP-level bytes are
//! used because NetFlow byte counts include headers; the payload counts
//! `orig_bytes`/`resp_bytes` are used only when the IP-level columns are
//! absent. An unset duration or counter reads as 0. `flags` is built from
//! `history` (see [`history_flags`]), or taken from a `flags` column when
//! the log has one, as the Zeek logs this crate writes do. Every other
//! column except `uid` is kept as an extra column.

use std::borrow::Cow;
use std::io::BufRead;
use std::path::Path;

use super::fields::{self, FieldError, MISSING_VALUE};
use super::source::Input;
use super::{Location, ReadError, ReadState};
use crate::flow::{Flow, Host, MICROS_PER_SECOND};

/// Columns that map to canonical fields or are dropped, never extras.
const CONSUMED: [&str; 12] = [
    "ts",
    "uid",
    "id.orig_h",
    "id.orig_p",
    "id.resp_h",
    "id.resp_p",
    "proto",
    "duration",
    "orig_pkts",
    "resp_pkts",
    "history",
    "flags",
];

/// Zeek's connection fields of one record, as text; `None` is unset.
#[derive(Default)]
pub(crate) struct ZeekValues<'a> {
    pub ts: Option<Cow<'a, str>>,
    pub orig_h: Option<Cow<'a, str>>,
    pub orig_p: Option<Cow<'a, str>>,
    pub resp_h: Option<Cow<'a, str>>,
    pub resp_p: Option<Cow<'a, str>>,
    pub proto: Option<Cow<'a, str>>,
    pub duration: Option<Cow<'a, str>>,
    pub orig_pkts: Option<Cow<'a, str>>,
    pub resp_pkts: Option<Cow<'a, str>>,
    pub orig_bytes: Option<Cow<'a, str>>,
    pub resp_bytes: Option<Cow<'a, str>>,
    /// `Some(None)` when the column exists but is unset.
    pub history: Option<Option<Cow<'a, str>>>,
    /// Like `history`.
    pub flags: Option<Option<Cow<'a, str>>>,
}

/// Names of the byte counter columns a log uses.
pub(crate) fn byte_columns(has_ip_bytes: bool) -> (&'static str, &'static str) {
    if has_ip_bytes {
        ("orig_ip_bytes", "resp_ip_bytes")
    } else {
        ("orig_bytes", "resp_bytes")
    }
}

/// Builds a flow, without extra values, from Zeek's connection fields.
pub(crate) fn build_flow(
    values: &ZeekValues,
    byte_names: (&str, &str),
    location: Location,
) -> Result<Flow, ReadError> {
    let required = |value: &Option<Cow<str>>, column: &str| -> Result<String, ReadError> {
        match value {
            Some(text) => Ok(text.trim().to_string()),
            None => Err(location.invalid(column, "-", MISSING_VALUE)),
        }
    };
    let parse = |value: &Option<Cow<str>>,
                 column: &str,
                 parser: fn(&str) -> Result<u64, FieldError>|
     -> Result<u64, ReadError> {
        match value {
            Some(text) => parser(text).map_err(|e| location.invalid(column, text, e)),
            None => Ok(0),
        }
    };
    let host = |value: &Option<Cow<str>>, column: &str| -> Result<Host, ReadError> {
        let text = required(value, column)?;
        Host::parse(&text).map_err(|e| location.invalid_host(column, &text, e))
    };
    let port = |value: &Option<Cow<str>>, column: &str| -> Result<u16, ReadError> {
        match value {
            Some(text) => {
                fields::parse_port(text, false).map_err(|e| location.invalid(column, text, e))
            }
            None => Ok(0),
        }
    };

    let ts_text = required(&values.ts, "ts")?;
    let ts = fields::parse_time(&ts_text).map_err(|e| location.invalid("ts", &ts_text, e))?;
    let proto_text = required(&values.proto, "proto")?;
    let proto = fields::parse_protocol(&proto_text)
        .map_err(|e| location.invalid("proto", &proto_text, e))?;
    let duration = match &values.duration {
        Some(text) => {
            fields::parse_seconds(text).map_err(|e| location.invalid("duration", text, e))?
        }
        None => 0,
    };
    let flags = match (&values.flags, &values.history) {
        (Some(Some(text)), _) => fields::parse_flags(text)
            .map(fields::format_flags)
            .map_err(|e| location.invalid("flags", text, e))?,
        (Some(None), _) => String::new(),
        (None, Some(history)) if proto == "TCP" => {
            fields::format_flags(history_flags(history.as_deref().unwrap_or("")))
        }
        (None, Some(_)) => fields::format_flags(0),
        (None, None) => String::new(),
    };

    Ok(Flow {
        ts,
        src_ip: host(&values.orig_h, "id.orig_h")?,
        src_port: port(&values.orig_p, "id.orig_p")?,
        dst_ip: host(&values.resp_h, "id.resp_h")?,
        dst_port: port(&values.resp_p, "id.resp_p")?,
        proto,
        fwd_packets: parse(&values.orig_pkts, "orig_pkts", fields::parse_count)?,
        bwd_packets: parse(&values.resp_pkts, "resp_pkts", fields::parse_count)?,
        fwd_bytes: parse(&values.orig_bytes, byte_names.0, fields::parse_count)?,
        bwd_bytes: parse(&values.resp_bytes, byte_names.1, fields::parse_count)?,
        duration: duration as f64 / MICROS_PER_SECOND as f64,
        flags,
        extra: Vec::new(),
    })
}

/// Maps a Zeek `history` string to TCP flag bits (see
/// [`fields::parse_flags`]). Upper case letters are the originator's and
/// lower case the responder's, and both count. `S` (SYN) gives SYN, `H`
/// (SYN-ACK) gives SYN and ACK, `A` gives ACK, `F` gives FIN and `R` gives
/// RST. `D` (payload) gives PSH as an approximation, because Zeek does not
/// record PSH. Other letters (`C`, `G`, `T`, `W`, `I`, `Q`, `^`) carry no
/// flag. URG is never set.
pub(crate) fn history_flags(history: &str) -> u8 {
    const FIN: u8 = 1;
    const SYN: u8 = 2;
    const RST: u8 = 4;
    const PSH: u8 = 8;
    const ACK: u8 = 16;
    history
        .bytes()
        .map(|b| match b.to_ascii_uppercase() {
            b'S' => SYN,
            b'H' => SYN | ACK,
            b'A' => ACK,
            b'D' => PSH,
            b'F' => FIN,
            b'R' => RST,
            _ => 0,
        })
        .fold(0, |mask, bit| mask | bit)
}

/// The `#` directives of a Zeek TSV log in force.
struct Header {
    separator: u8,
    empty_field: String,
    unset_field: String,
    columns: Option<Columns>,
}

/// Column positions of the current `#fields` line.
struct Columns {
    names: Vec<String>,
    ts: usize,
    orig_h: usize,
    orig_p: usize,
    resp_h: usize,
    resp_p: usize,
    proto: usize,
    duration: usize,
    orig_pkts: usize,
    resp_pkts: usize,
    orig_bytes: usize,
    resp_bytes: usize,
    byte_names: (&'static str, &'static str),
    history: Option<usize>,
    flags: Option<usize>,
    label: Option<usize>,
    /// (column, slot in the output's extra columns)
    extras: Vec<(usize, usize)>,
}

impl Columns {
    fn from_names(
        names: Vec<String>,
        path: &Path,
        state: &mut ReadState,
    ) -> Result<Columns, ReadError> {
        let position = |name: &str| names.iter().position(|n| n == name);
        let missing = |column: &str| ReadError::MissingColumn {
            path: path.to_path_buf(),
            column: column.to_string(),
            format: super::Format::ZeekTsv,
            header: names.join(","),
        };
        let required = |name: &str| position(name).ok_or_else(|| missing(name));
        let has_ip_bytes =
            position("orig_ip_bytes").is_some() && position("resp_ip_bytes").is_some();
        let byte_names = byte_columns(has_ip_bytes);
        let extras = names
            .iter()
            .enumerate()
            .filter(|(_, name)| {
                !CONSUMED.contains(&name.as_str()) && *name != byte_names.0 && *name != byte_names.1
            })
            .map(|(i, name)| (i, state.extra_slot(name)))
            .collect();
        Ok(Columns {
            ts: required("ts")?,
            orig_h: required("id.orig_h")?,
            orig_p: required("id.orig_p")?,
            resp_h: required("id.resp_h")?,
            resp_p: required("id.resp_p")?,
            proto: required("proto")?,
            duration: required("duration")?,
            orig_pkts: required("orig_pkts")?,
            resp_pkts: required("resp_pkts")?,
            orig_bytes: required(byte_names.0)?,
            resp_bytes: required(byte_names.1)?,
            byte_names,
            history: position("history"),
            flags: position("flags"),
            label: position("label"),
            extras,
            names,
        })
    }
}

/// Decodes the `\xNN` escapes Zeek uses in header values.
fn unescape(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' && bytes.get(i + 1) == Some(&b'x') && i + 4 <= bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 2..i + 4]).ok();
            if let Some(value) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(value);
                i += 4;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

/// Reads one Zeek TSV log. `#fields` may appear again part way, as in
/// concatenated logs, and then replaces the column layout.
pub(crate) fn read(path: &Path, mut input: Input, state: &mut ReadState) -> Result<(), ReadError> {
    let mut header = Header {
        separator: b'\t',
        empty_field: "(empty)".to_string(),
        unset_field: "-".to_string(),
        columns: None,
    };
    let mut buffer = Vec::with_capacity(1024);
    let mut line: u64 = 0;
    let mut saw_content = false;
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    loop {
        buffer.clear();
        let location = Location {
            path,
            line: line + 1,
        };
        let read = input
            .read_until(b'\n', &mut buffer)
            .map_err(|e| location.io(e))?;
        if read == 0 {
            break;
        }
        line += 1;
        let location = Location { path, line };
        let mut content: &[u8] = &buffer;
        if let Some(rest) = content.strip_suffix(b"\n") {
            content = rest;
        }
        if let Some(rest) = content.strip_suffix(b"\r") {
            content = rest;
        }
        if content.iter().all(|b| b.is_ascii_whitespace()) {
            continue;
        }
        saw_content = true;
        if content.first() == Some(&b'#') {
            read_directive(content, &mut header, location, state)?;
            continue;
        }
        state.summary.records_read += 1;
        let Some(columns) = &header.columns else {
            return Err(ReadError::InvalidHeader {
                path: path.to_path_buf(),
                line,
                message: "a data line comes before the #fields line".to_string(),
            });
        };
        ranges.clear();
        let mut start = 0;
        for (i, &b) in content.iter().enumerate() {
            if b == header.separator {
                ranges.push((start, i));
                start = i + 1;
            }
        }
        ranges.push((start, content.len()));
        match parse_record(content, &ranges, columns, &header, location, state) {
            Ok(Some(flow)) => state.flows.push(flow),
            Ok(None) => {}
            Err(error) => state.skip_or_fail(error)?,
        }
    }
    if !saw_content {
        return Err(ReadError::Empty {
            path: path.to_path_buf(),
        });
    }
    Ok(())
}

fn read_directive(
    content: &[u8],
    header: &mut Header,
    location: Location,
    state: &mut ReadState,
) -> Result<(), ReadError> {
    let invalid = |message: String| ReadError::InvalidHeader {
        path: location.path.to_path_buf(),
        line: location.line,
        message,
    };
    let text = std::str::from_utf8(content)
        .map_err(|_| invalid("the header line is not valid UTF-8".to_string()))?;
    if let Some(value) = text.strip_prefix("#separator") {
        let separator = unescape(value.trim());
        return match separator.as_slice() {
            [byte] => {
                header.separator = *byte;
                Ok(())
            }
            _ => Err(invalid(format!(
                "unsupported separator {:?} (expected a single byte such as \\x09)",
                value.trim()
            ))),
        };
    }
    let mut parts = text.split(header.separator as char);
    let directive = parts.next().unwrap_or_default();
    let values: Vec<String> = parts.map(str::to_string).collect();
    match directive {
        "#empty_field" => header.empty_field = values.join(""),
        "#unset_field" => header.unset_field = values.join(""),
        "#fields" => {
            header.columns = Some(Columns::from_names(values, location.path, state)?);
        }
        _ => {}
    }
    Ok(())
}

/// Parses one data line; `Ok(None)` means the label filter dropped it.
fn parse_record(
    content: &[u8],
    ranges: &[(usize, usize)],
    columns: &Columns,
    header: &Header,
    location: Location,
    state: &mut ReadState,
) -> Result<Option<Flow>, ReadError> {
    if ranges.len() != columns.names.len() {
        return Err(ReadError::FieldCount {
            path: location.path.to_path_buf(),
            line: location.line,
            expected: columns.names.len(),
            found: ranges.len(),
        });
    }
    // A field's text, `None` when unset or empty.
    let field = |index: usize| -> Result<Option<&str>, ReadError> {
        let (start, end) = ranges[index];
        let text =
            std::str::from_utf8(&content[start..end]).map_err(|_| ReadError::InvalidUtf8 {
                path: location.path.to_path_buf(),
                line: location.line,
                column: columns.names[index].clone(),
            })?;
        if text == header.unset_field || text == header.empty_field {
            Ok(None)
        } else {
            Ok(Some(text))
        }
    };
    let value = |index: usize| -> Result<Option<Cow<str>>, ReadError> {
        Ok(field(index)?.map(Cow::Borrowed))
    };
    let optional = |index: Option<usize>| -> Result<Option<Option<Cow<str>>>, ReadError> {
        index.map(value).transpose()
    };

    if let (Some(index), true) = (columns.label, state.filters_labels()) {
        let label = field(index)?.unwrap_or("(unset)");
        if !state.keep_label(label, None) {
            return Ok(None);
        }
    }

    let values = ZeekValues {
        ts: value(columns.ts)?,
        orig_h: value(columns.orig_h)?,
        orig_p: value(columns.orig_p)?,
        resp_h: value(columns.resp_h)?,
        resp_p: value(columns.resp_p)?,
        proto: value(columns.proto)?,
        duration: value(columns.duration)?,
        orig_pkts: value(columns.orig_pkts)?,
        resp_pkts: value(columns.resp_pkts)?,
        orig_bytes: value(columns.orig_bytes)?,
        resp_bytes: value(columns.resp_bytes)?,
        history: optional(columns.history)?,
        flags: optional(columns.flags)?,
    };
    let mut flow = build_flow(&values, columns.byte_names, location)?;

    flow.extra = vec![None; state.extra_columns.len()];
    for &(index, slot) in &columns.extras {
        let (start, end) = ranges[index];
        let text =
            std::str::from_utf8(&content[start..end]).map_err(|_| ReadError::InvalidUtf8 {
                path: location.path.to_path_buf(),
                line: location.line,
                column: columns.names[index].clone(),
            })?;
        flow.extra[slot] = if text == header.unset_field {
            None
        } else if text == header.empty_field {
            Some(String::new())
        } else {
            Some(text.to_string())
        };
    }
    Ok(Some(flow))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_flag_mapping() {
        assert_eq!(fields::format_flags(history_flags("ShADadFf")), ".AP.SF");
        assert_eq!(fields::format_flags(history_flags("Sr")), "...RS.");
        assert_eq!(fields::format_flags(history_flags("S")), "....S.");
        assert_eq!(fields::format_flags(history_flags("h")), ".A..S.");
        assert_eq!(fields::format_flags(history_flags("^cgtwiq")), "......");
    }

    #[test]
    fn unescape_hex() {
        assert_eq!(unescape("\\x09"), b"\t");
        assert_eq!(unescape("\\x2c"), b",");
        assert_eq!(unescape("\\xZZ"), b"\\xZZ");
        assert_eq!(unescape("\\x"), b"\\x");
    }
}
