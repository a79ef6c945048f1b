//! NetFlow CSV exports with one record per direction: CIDDS-001 and
//! nfdump's `-o csv` form as in UGR'16. Columns are found by name, so their
//! order and any further columns do not matter.

use std::path::Path;

use csv::ByteRecord;

use super::fields::{self, FieldError};
use super::source::Input;
use super::{Format, Location, ReadError, ReadState};
use crate::bidir::UniRecord;
use crate::flow::Host;

/// Column names of one NetFlow CSV dialect.
pub(crate) struct Layout {
    format: Format,
    /// Start time column names, tried in order.
    start: &'static [&'static str],
    /// End time column names, used when no start column exists.
    end: &'static [&'static str],
    duration: &'static [&'static str],
    proto: &'static [&'static str],
    src_ip: &'static [&'static str],
    src_port: &'static [&'static str],
    dst_ip: &'static [&'static str],
    dst_port: &'static [&'static str],
    packets: &'static [&'static str],
    bytes: &'static [&'static str],
    flags: &'static [&'static str],
    label: &'static [&'static str],
    /// The label of benign traffic, kept by default.
    benign_label: &'static str,
}

/// CIDDS-001: `Date first seen` is the start; the label is `class`.
pub(crate) const CIDDS: Layout = Layout {
    format: Format::Cidds,
    start: &["date first seen"],
    end: &[],
    duration: &["duration"],
    proto: &["proto"],
    src_ip: &["src ip addr"],
    src_port: &["src pt"],
    dst_ip: &["dst ip addr"],
    dst_port: &["dst pt"],
    packets: &["packets"],
    bytes: &["bytes"],
    flags: &["flags"],
    label: &["class"],
    benign_label: "normal",
};

/// nfdump CSV: `ts` is the start when present, otherwise the start is
/// `te - td` (UGR'16 has only the end time `te`). UGR'16 spells its label
/// column `lable`.
pub(crate) const NFDUMP: Layout = Layout {
    format: Format::Nfdump,
    start: &["ts"],
    end: &["te"],
    duration: &["td"],
    proto: &["pr"],
    src_ip: &["sa"],
    src_port: &["sp"],
    dst_ip: &["da"],
    dst_port: &["dp"],
    packets: &["pkt", "ipkt"],
    bytes: &["byt", "ibyt"],
    flags: &["flg"],
    label: &["lable", "label"],
    benign_label: "background",
};

/// Whether the time column contains the start or the end of the record.
#[derive(Clone, Copy)]
enum TimeColumn {
    Start(usize),
    End(usize),
}

/// Column positions found in one file's header.
struct Columns {
    time: TimeColumn,
    duration: usize,
    proto: usize,
    src_ip: usize,
    src_port: usize,
    dst_ip: usize,
    dst_port: usize,
    packets: usize,
    bytes: usize,
    flags: Option<usize>,
    label: Option<usize>,
    names: Vec<String>,
}

impl Columns {
    fn find(path: &Path, layout: &Layout, header: &ByteRecord) -> Result<Columns, ReadError> {
        let names: Vec<String> = header
            .iter()
            .map(|name| String::from_utf8_lossy(name).trim().to_string())
            .collect();
        let position = |candidates: &[&str]| {
            candidates
                .iter()
                .find_map(|c| names.iter().position(|n| n.eq_ignore_ascii_case(c)))
        };
        let missing = |column: &str| ReadError::MissingColumn {
            path: path.to_path_buf(),
            column: column.to_string(),
            format: layout.format,
            header: names.join(","),
        };
        let required = |candidates: &[&str]| {
            position(candidates)
                .ok_or_else(|| missing(candidates.first().copied().unwrap_or_default()))
        };
        let time = match (position(layout.start), position(layout.end)) {
            (Some(start), _) => TimeColumn::Start(start),
            (None, Some(end)) => TimeColumn::End(end),
            (None, None) => {
                let expected = layout.end.first().or(layout.start.first());
                return Err(missing(expected.copied().unwrap_or("time")));
            }
        };
        Ok(Columns {
            time,
            duration: required(layout.duration)?,
            proto: required(layout.proto)?,
            src_ip: required(layout.src_ip)?,
            src_port: required(layout.src_port)?,
            dst_ip: required(layout.dst_ip)?,
            dst_port: required(layout.dst_port)?,
            packets: required(layout.packets)?,
            bytes: required(layout.bytes)?,
            flags: position(layout.flags),
            label: position(layout.label),
            names,
        })
    }
}

/// Reads one NetFlow CSV file into the state's unidirectional records.
pub(crate) fn read(
    path: &Path,
    input: Input,
    layout: &Layout,
    state: &mut ReadState,
) -> Result<(), ReadError> {
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
    let columns = Columns::find(path, layout, &header)?;
    state.unidirectional.has_flags |= columns.flags.is_some();

    let mut record = ByteRecord::new();
    let mut line = 1;
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(error) => return Err(csv_error(path, line, error)),
        }
        line = record.position().map_or(line + 1, |p| p.line());
        if is_summary(&record) {
            // nfdump appends "Summary", a header and a totals line.
            break;
        }
        state.summary.records_read += 1;
        let location = Location { path, line };
        match parse_record(&record, &columns, layout, location, state) {
            Ok(Some(parsed)) => state.unidirectional.records.push(parsed),
            Ok(None) => {}
            Err(error) => state.skip_or_fail(error)?,
        }
    }
    Ok(())
}

fn is_summary(record: &ByteRecord) -> bool {
    record
        .get(0)
        .is_some_and(|first| first.trim_ascii_start().starts_with(b"Summary"))
}

/// Turns a csv crate error into a located read error.
pub(crate) fn csv_error(path: &Path, line: u64, error: csv::Error) -> ReadError {
    let line = error.position().map_or(line, |p| p.line());
    match error.into_kind() {
        csv::ErrorKind::Io(source) => ReadError::Io {
            path: path.to_path_buf(),
            line,
            error: source,
        },
        csv::ErrorKind::Utf8 { err, .. } => ReadError::InvalidUtf8 {
            path: path.to_path_buf(),
            line,
            column: format!("#{}", err.field() + 1),
        },
        other => ReadError::InvalidHeader {
            path: path.to_path_buf(),
            line,
            message: format!("{other:?}"),
        },
    }
}

/// Returns a field as text, trimmed of the padding nfdump adds.
pub(crate) fn text<'r>(
    record: &'r ByteRecord,
    index: usize,
    names: &[String],
    location: Location,
) -> Result<&'r str, ReadError> {
    let bytes = record.get(index).unwrap_or_default();
    std::str::from_utf8(bytes)
        .map(str::trim)
        .map_err(|_| ReadError::InvalidUtf8 {
            path: location.path.to_path_buf(),
            line: location.line,
            column: names[index].clone(),
        })
}

/// Parses one record; `Ok(None)` means the label filter dropped it.
fn parse_record(
    record: &ByteRecord,
    columns: &Columns,
    layout: &Layout,
    location: Location,
    state: &mut ReadState,
) -> Result<Option<UniRecord>, ReadError> {
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
    let check = |index: usize, value: &str, error: FieldError| {
        location.invalid(&names[index], value, error)
    };

    if let Some(index) = columns.label {
        let label = field(index)?;
        if !state.keep_label(label, Some(layout.benign_label)) {
            return Ok(None);
        }
    }

    let (time_index, is_start) = match columns.time {
        TimeColumn::Start(i) => (i, true),
        TimeColumn::End(i) => (i, false),
    };
    let time_text = field(time_index)?;
    let time = fields::parse_time(time_text).map_err(|e| check(time_index, time_text, e))?;
    let duration_text = field(columns.duration)?;
    let duration = fields::parse_seconds(duration_text)
        .map_err(|e| check(columns.duration, duration_text, e))?;
    let (start, end) = if is_start {
        (time, time.saturating_add(duration))
    } else {
        (time.saturating_sub(duration), time)
    };

    let proto_text = field(columns.proto)?;
    let proto =
        fields::parse_protocol(proto_text).map_err(|e| check(columns.proto, proto_text, e))?;
    let icmp = fields::is_icmp(&proto);

    let mut endpoint = |ip_index: usize, port_index: usize| -> Result<(u32, u16), ReadError> {
        let ip_text = field(ip_index)?;
        let host = Host::parse(ip_text)
            .map_err(|e| location.invalid_host(&names[ip_index], ip_text, e))?;
        let port_text = field(port_index)?;
        let port =
            fields::parse_port(port_text, icmp).map_err(|e| check(port_index, port_text, e))?;
        let id = state
            .unidirectional
            .host_id(host)
            .map_err(|e| location.invalid(&names[ip_index], ip_text, too_many(e)))?;
        Ok((id, port))
    };
    let (src, src_port) = endpoint(columns.src_ip, columns.src_port)?;
    let (dst, dst_port) = endpoint(columns.dst_ip, columns.dst_port)?;

    let packets_text = field(columns.packets)?;
    let packets = fields::parse_scaled_count(packets_text)
        .map_err(|e| check(columns.packets, packets_text, e))?;
    let bytes_text = field(columns.bytes)?;
    let bytes =
        fields::parse_scaled_count(bytes_text).map_err(|e| check(columns.bytes, bytes_text, e))?;
    let flags = match columns.flags {
        Some(index) => {
            let flags_text = field(index)?;
            fields::parse_flags(flags_text).map_err(|e| check(index, flags_text, e))?
        }
        None => 0,
    };
    let proto = state
        .unidirectional
        .protocol_id(&proto)
        .map_err(|e| location.invalid(&names[columns.proto], proto_text, too_many(e)))?;

    Ok(Some(UniRecord {
        start,
        end,
        src,
        src_port,
        dst,
        dst_port,
        proto,
        flags,
        packets,
        bytes,
    }))
}

fn too_many(_: crate::bidir::TooManyDistinct) -> FieldError {
    FieldError {
        problem: "too many distinct values at",
        expected: "fewer than 4,294,967,296 addresses and 65,536 protocols in one read",
    }
}
