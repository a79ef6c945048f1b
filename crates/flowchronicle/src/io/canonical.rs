//! The canonical bidirectional CSV: `ts,proto,src_ip,src_port,dst_ip,
//! dst_port,fwd_packets,bwd_packets,fwd_bytes,bwd_bytes,duration,flags`
//! followed by extra columns. Columns are found by name. `src_port` and
//! `flags` may be absent (read as 0 and empty). `ts` is RFC 3339 or Unix
//! seconds. Integer columns also accept a zero fraction (`12.0`), as
//! written by some generators. An empty extra value reads as unset.

use std::path::Path;

use csv::ByteRecord;

use super::fields;
use super::netflow::{csv_error, text};
use super::source::Input;
use super::{Format, Location, ReadError, ReadState};
use crate::flow::{Flow, Host, MICROS_PER_SECOND};

/// Names of the canonical columns, in output order.
pub(crate) const COLUMNS: [&str; 12] = [
    "ts",
    "proto",
    "src_ip",
    "src_port",
    "dst_ip",
    "dst_port",
    "fwd_packets",
    "bwd_packets",
    "fwd_bytes",
    "bwd_bytes",
    "duration",
    "flags",
];

struct Columns {
    names: Vec<String>,
    ts: usize,
    proto: usize,
    src_ip: usize,
    src_port: Option<usize>,
    dst_ip: usize,
    dst_port: usize,
    fwd_packets: usize,
    bwd_packets: usize,
    fwd_bytes: usize,
    bwd_bytes: usize,
    duration: usize,
    flags: Option<usize>,
    label: Option<usize>,
    /// (column, slot in the output's extra columns)
    extras: Vec<(usize, usize)>,
}

impl Columns {
    fn find(path: &Path, header: &ByteRecord, state: &mut ReadState) -> Result<Columns, ReadError> {
        let names: Vec<String> = header
            .iter()
            .map(|name| String::from_utf8_lossy(name).trim().to_string())
            .collect();
        let position = |name: &str| names.iter().position(|n| n == name);
        let required = |name: &str| {
            position(name).ok_or_else(|| ReadError::MissingColumn {
                path: path.to_path_buf(),
                column: name.to_string(),
                format: Format::Canonical,
                header: names.join(","),
            })
        };
        let extras = names
            .iter()
            .enumerate()
            .filter(|(_, name)| !COLUMNS.contains(&name.as_str()))
            .map(|(i, name)| (i, state.extra_slot(name)))
            .collect();
        Ok(Columns {
            ts: required("ts")?,
            proto: required("proto")?,
            src_ip: required("src_ip")?,
            src_port: position("src_port"),
            dst_ip: required("dst_ip")?,
            dst_port: required("dst_port")?,
            fwd_packets: required("fwd_packets")?,
            bwd_packets: required("bwd_packets")?,
            fwd_bytes: required("fwd_bytes")?,
            bwd_bytes: required("bwd_bytes")?,
            duration: required("duration")?,
            flags: position("flags"),
            label: position("label"),
            extras,
            names,
        })
    }
}

/// Reads one canonical CSV file.
pub(crate) fn read(path: &Path, input: Input, state: &mut ReadState) -> Result<(), ReadError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .buffer_capacity(1 << 16)
        .from_reader(input);
    let header = reader
        .byte_headers()
        .map_err(|e| csv_error(path, 1, e))?
        .clone();
    if header.is_empty() || (header.len() == 1 && header[0].is_empty()) {
        return Err(ReadError::Empty {
            path: path.to_path_buf(),
        });
    }
    let columns = Columns::find(path, &header, state)?;

    let mut record = ByteRecord::new();
    let mut line = 1;
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(error) => return Err(csv_error(path, line, error)),
        }
        line = record.position().map_or(line + 1, |p| p.line());
        state.summary.records_read += 1;
        let location = Location { path, line };
        match parse_record(&record, &columns, location, state) {
            Ok(Some(flow)) => state.flows.push(flow),
            Ok(None) => {}
            Err(error) => state.skip_or_fail(error)?,
        }
    }
    Ok(())
}

fn parse_record(
    record: &ByteRecord,
    columns: &Columns,
    location: Location,
    state: &mut ReadState,
) -> Result<Option<Flow>, ReadError> {
    let names = &columns.names;
    if record.len() != names.len() {
        return Err(ReadError::FieldCount {
            path: location.path.to_path_buf(),
            line: location.line,
            expected: names.len(),
            found: record.len(),
        });
    }
    let field = |index: usize| text(record, index, names, location);
    let parse_with = |index: usize, parser: fn(&str) -> Result<u64, fields::FieldError>| {
        let value = field(index)?;
        parser(value).map_err(|e| location.invalid(&names[index], value, e))
    };
    let port = |index: usize| -> Result<u16, ReadError> {
        let value = field(index)?;
        fields::parse_port(value, false).map_err(|e| location.invalid(&names[index], value, e))
    };
    let host = |index: usize| -> Result<Host, ReadError> {
        let value = field(index)?;
        Host::parse(value).map_err(|e| location.invalid_host(&names[index], value, e))
    };

    if let (Some(index), true) = (columns.label, state.filters_labels()) {
        let label = field(index)?;
        if !state.keep_label(label, None) {
            return Ok(None);
        }
    }

    let ts_text = field(columns.ts)?;
    let ts = fields::parse_time(ts_text).map_err(|e| location.invalid("ts", ts_text, e))?;
    let proto_text = field(columns.proto)?;
    let proto =
        fields::parse_protocol(proto_text).map_err(|e| location.invalid("proto", proto_text, e))?;
    let duration_text = field(columns.duration)?;
    let duration = fields::parse_seconds(duration_text)
        .map_err(|e| location.invalid("duration", duration_text, e))?;
    let flags = match columns.flags {
        Some(index) => {
            let value = field(index)?;
            if value.is_empty() {
                String::new()
            } else {
                fields::parse_flags(value)
                    .map(fields::format_flags)
                    .map_err(|e| location.invalid("flags", value, e))?
            }
        }
        None => String::new(),
    };

    let mut flow = Flow {
        ts,
        proto,
        src_ip: host(columns.src_ip)?,
        src_port: columns.src_port.map(port).transpose()?.unwrap_or(0),
        dst_ip: host(columns.dst_ip)?,
        dst_port: port(columns.dst_port)?,
        fwd_packets: parse_with(columns.fwd_packets, fields::parse_count)?,
        bwd_packets: parse_with(columns.bwd_packets, fields::parse_count)?,
        fwd_bytes: parse_with(columns.fwd_bytes, fields::parse_count)?,
        bwd_bytes: parse_with(columns.bwd_bytes, fields::parse_count)?,
        duration: duration as f64 / MICROS_PER_SECOND as f64,
        flags,
        extra: vec![None; state.extra_columns.len()],
    };
    for &(index, slot) in &columns.extras {
        let value = std::str::from_utf8(record.get(index).unwrap_or_default()).map_err(|_| {
            ReadError::InvalidUtf8 {
                path: location.path.to_path_buf(),
                line: location.line,
                column: names[index].clone(),
            }
        })?;
        flow.extra[slot] = (!value.is_empty()).then(|| value.to_string());
    }
    Ok(Some(flow))
}
