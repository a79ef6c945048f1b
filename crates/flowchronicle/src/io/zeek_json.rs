//! Zeek conn.log written as JSON, one object per line. Zeek leaves unset
//! fields out of the object, so a missing key reads as unset. Values other
//! than strings are turned into the text the TSV form would hold: numbers
//! as written, booleans as `T`/`F`, arrays joined with `,`.

use std::borrow::Cow;
use std::io::BufRead;
use std::path::Path;

use serde_json::{Map, Value};

use super::source::Input;
use super::zeek::{build_flow, byte_columns, ZeekValues};
use super::{Location, ReadError, ReadState};
use crate::flow::Flow;

/// Keys that map to canonical fields or are dropped, never extras; the byte
/// counters are handled separately.
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

/// Reads one JSON log.
pub(crate) fn read(path: &Path, mut input: Input, state: &mut ReadState) -> Result<(), ReadError> {
    let mut buffer = Vec::with_capacity(1024);
    let mut line: u64 = 0;
    let mut saw_content = false;
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
        if buffer.iter().all(|b| b.is_ascii_whitespace()) {
            continue;
        }
        saw_content = true;
        state.summary.records_read += 1;
        match parse_line(&buffer, location, state) {
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

/// Returns a JSON value as Zeek TSV text; `None` for null.
fn value_text(value: &Value) -> Option<Cow<'_, str>> {
    match value {
        Value::Null => None,
        Value::String(text) => Some(Cow::Borrowed(text.as_str())),
        Value::Bool(true) => Some(Cow::Borrowed("T")),
        Value::Bool(false) => Some(Cow::Borrowed("F")),
        Value::Number(number) => Some(Cow::Owned(number.to_string())),
        Value::Array(items) => {
            let parts: Vec<Cow<str>> = items
                .iter()
                .map(|item| value_text(item).unwrap_or(Cow::Borrowed("-")))
                .collect();
            Some(Cow::Owned(parts.join(",")))
        }
        Value::Object(_) => Some(Cow::Owned(value.to_string())),
    }
}

fn parse_line(
    content: &[u8],
    location: Location,
    state: &mut ReadState,
) -> Result<Option<Flow>, ReadError> {
    let object: Map<String, Value> =
        serde_json::from_slice(content).map_err(|e| ReadError::InvalidJson {
            path: location.path.to_path_buf(),
            line: location.line,
            message: e.to_string(),
        })?;
    let get = |key: &str| object.get(key).and_then(value_text);

    if state.filters_labels() {
        if let Some(label) = object.get("label") {
            let label = value_text(label).unwrap_or(Cow::Borrowed("(unset)"));
            if !state.keep_label(&label, None) {
                return Ok(None);
            }
        }
    }

    let has_ip_bytes = object.contains_key("orig_ip_bytes") || object.contains_key("resp_ip_bytes");
    let byte_names = byte_columns(has_ip_bytes);
    let values = ZeekValues {
        ts: get("ts"),
        orig_h: get("id.orig_h"),
        orig_p: get("id.orig_p"),
        resp_h: get("id.resp_h"),
        resp_p: get("id.resp_p"),
        proto: get("proto"),
        duration: get("duration"),
        orig_pkts: get("orig_pkts"),
        resp_pkts: get("resp_pkts"),
        orig_bytes: get(byte_names.0),
        resp_bytes: get(byte_names.1),
        history: object.contains_key("history").then(|| get("history")),
        flags: object.contains_key("flags").then(|| get("flags")),
    };
    let mut flow = build_flow(&values, byte_names, location)?;

    let mut extra = vec![None; state.extra_columns.len()];
    for (key, value) in &object {
        let consumed =
            CONSUMED.contains(&key.as_str()) || key == byte_names.0 || key == byte_names.1;
        if consumed {
            continue;
        }
        let slot = state.extra_slot(key);
        if slot >= extra.len() {
            extra.resize(slot + 1, None);
        }
        extra[slot] = value_text(value).map(Cow::into_owned);
    }
    flow.extra = extra;
    Ok(Some(flow))
}
