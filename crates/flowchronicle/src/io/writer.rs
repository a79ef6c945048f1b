//! Streaming flow writers: the canonical CSV and a Zeek conn.log.
//!
//! Writers format each flow into an internal buffer with hand-written
//! number and timestamp formatting and hand the buffer to the output in
//! 64 KiB blocks, so writing allocates nothing per flow. The canonical CSV
//! is byte-deterministic: `ts` is RFC 3339 UTC with six decimals
//! (`2016-04-11T00:01:43.000000Z`) and `duration` is rounded to the
//! microsecond and printed with up to six decimals, trailing zeros removed
//! (`0.168`, `2`).

use std::fmt;
use std::io::Write;
use std::path::Path;
use std::str::FromStr;

use super::canonical::COLUMNS;
use super::fields::{
    push_micros_as_fixed_seconds, push_micros_as_seconds, push_timestamp, push_u64,
    seconds_to_micros,
};
use super::WriteError;
use crate::flow::{Flow, FlowTable, Host};
use crate::output::write_atomically;

/// Buffered bytes that trigger a write to the output.
const FLUSH_BYTES: usize = 1 << 16;

/// A sink for flows, one at a time. Call [`FlowWriter::finish`] at the end:
/// dropping a writer without it may lose the last flows.
pub trait FlowWriter {
    /// Writes one flow. Extra values beyond the writer's extra columns are
    /// ignored; missing ones are written as unset.
    fn write_flow(&mut self, flow: &Flow) -> Result<(), WriteError>;

    /// Writes what is buffered and flushes the output.
    fn finish(self: Box<Self>) -> Result<(), WriteError>;
}

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutputFormat {
    /// The canonical bidirectional CSV.
    Csv,
    /// A Zeek conn.log (tab-separated, with `#fields` header). The flags go
    /// into an extra `flags` column because Zeek's `history` cannot be
    /// rebuilt from them.
    Zeek,
}

impl fmt::Display for OutputFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            OutputFormat::Csv => "csv",
            OutputFormat::Zeek => "zeek",
        })
    }
}

impl FromStr for OutputFormat {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.to_ascii_lowercase().as_str() {
            "csv" => Ok(OutputFormat::Csv),
            "zeek" => Ok(OutputFormat::Zeek),
            _ => Err(format!(
                "unknown output format {text:?} (expected csv or zeek)"
            )),
        }
    }
}

/// Returns a streaming writer. The header is written with the first flow,
/// or by `finish` when there is none.
pub fn flow_writer<'a>(
    format: OutputFormat,
    extra_columns: &[String],
    out: &'a mut dyn Write,
) -> Box<dyn FlowWriter + 'a> {
    match format {
        OutputFormat::Csv => Box::new(CsvWriter::new(extra_columns, out)),
        OutputFormat::Zeek => Box::new(ZeekWriter::new(extra_columns, out)),
    }
}

/// Writes a table to a file atomically: the file appears only complete.
pub fn write_flows(path: &Path, format: OutputFormat, table: &FlowTable) -> Result<(), WriteError> {
    write_atomically(path, |out| {
        let mut writer = flow_writer(format, &table.extra_columns, out);
        for flow in &table.flows {
            writer.write_flow(flow)?;
        }
        writer.finish()
    })
}

/// The buffer and output every writer shares.
struct Sink<'a> {
    out: &'a mut dyn Write,
    buffer: Vec<u8>,
}

impl<'a> Sink<'a> {
    fn new(out: &'a mut dyn Write, header: Vec<u8>) -> Self {
        let mut buffer = header;
        buffer.reserve(FLUSH_BYTES + 1024);
        Sink { out, buffer }
    }

    fn maybe_flush(&mut self) -> Result<(), WriteError> {
        if self.buffer.len() >= FLUSH_BYTES {
            self.out.write_all(&self.buffer)?;
            self.buffer.clear();
        }
        Ok(())
    }

    fn finish(mut self) -> Result<(), WriteError> {
        self.out.write_all(&self.buffer)?;
        self.buffer.clear();
        self.out.flush()?;
        Ok(())
    }
}

fn push_host(out: &mut Vec<u8>, host: &Host) {
    match host {
        Host::V4(address) => {
            for (i, octet) in address.octets().iter().enumerate() {
                if i > 0 {
                    out.push(b'.');
                }
                push_u64(out, u64::from(*octet));
            }
        }
        // Writing to a Vec cannot fail.
        Host::V6(address) => {
            let _ = write!(out, "{address}");
        }
        Host::Name(name) => out.extend_from_slice(name.as_bytes()),
    }
}

/// Appends a CSV field, quoted when it contains a comma, quote or line break.
fn push_csv_field(out: &mut Vec<u8>, text: &str) {
    let needs_quotes = text
        .bytes()
        .any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r'));
    if !needs_quotes {
        out.extend_from_slice(text.as_bytes());
        return;
    }
    out.push(b'"');
    for b in text.bytes() {
        if b == b'"' {
            out.push(b'"');
        }
        out.push(b);
    }
    out.push(b'"');
}

/// Writes the canonical CSV.
struct CsvWriter<'a> {
    sink: Sink<'a>,
    extra_count: usize,
}

impl<'a> CsvWriter<'a> {
    fn new(extra_columns: &[String], out: &'a mut dyn Write) -> Self {
        let mut header = Vec::new();
        header.extend_from_slice(COLUMNS.join(",").as_bytes());
        for name in extra_columns {
            header.push(b',');
            push_csv_field(&mut header, name);
        }
        header.push(b'\n');
        CsvWriter {
            sink: Sink::new(out, header),
            extra_count: extra_columns.len(),
        }
    }
}

impl FlowWriter for CsvWriter<'_> {
    fn write_flow(&mut self, flow: &Flow) -> Result<(), WriteError> {
        let out = &mut self.sink.buffer;
        push_timestamp(out, flow.ts);
        out.push(b',');
        push_csv_field(out, &flow.proto);
        out.push(b',');
        push_host(out, &flow.src_ip);
        out.push(b',');
        push_u64(out, u64::from(flow.src_port));
        out.push(b',');
        push_host(out, &flow.dst_ip);
        out.push(b',');
        push_u64(out, u64::from(flow.dst_port));
        for counter in [
            flow.fwd_packets,
            flow.bwd_packets,
            flow.fwd_bytes,
            flow.bwd_bytes,
        ] {
            out.push(b',');
            push_u64(out, counter);
        }
        out.push(b',');
        push_micros_as_seconds(out, seconds_to_micros(flow.duration));
        out.push(b',');
        push_csv_field(out, &flow.flags);
        for i in 0..self.extra_count {
            out.push(b',');
            if let Some(Some(value)) = flow.extra.get(i) {
                push_csv_field(out, value);
            }
        }
        out.push(b'\n');
        self.sink.maybe_flush()
    }

    fn finish(self: Box<Self>) -> Result<(), WriteError> {
        self.sink.finish()
    }
}

/// Writes a Zeek conn.log in its tab-separated form.
struct ZeekWriter<'a> {
    sink: Sink<'a>,
    extra_count: usize,
}

/// Appends a Zeek field: unset as `-`, empty as `(empty)`, with tabs and
/// line breaks escaped as `\xNN`.
fn push_zeek_field(out: &mut Vec<u8>, value: Option<&str>) {
    match value {
        None => out.push(b'-'),
        Some("") => out.extend_from_slice(b"(empty)"),
        Some(text) => {
            for b in text.bytes() {
                match b {
                    b'\t' => out.extend_from_slice(b"\\x09"),
                    b'\n' => out.extend_from_slice(b"\\x0a"),
                    b'\r' => out.extend_from_slice(b"\\x0d"),
                    _ => out.push(b),
                }
            }
        }
    }
}

impl<'a> ZeekWriter<'a> {
    fn new(extra_columns: &[String], out: &'a mut dyn Write) -> Self {
        let mut fields = vec![
            "ts",
            "id.orig_h",
            "id.orig_p",
            "id.resp_h",
            "id.resp_p",
            "proto",
            "duration",
            "orig_pkts",
            "resp_pkts",
            "orig_ip_bytes",
            "resp_ip_bytes",
            "flags",
        ];
        let mut types = vec![
            "time", "addr", "port", "addr", "port", "enum", "interval", "count", "count", "count",
            "count", "string",
        ];
        fields.extend(extra_columns.iter().map(String::as_str));
        types.extend(extra_columns.iter().map(|_| "string"));
        let header = format!(
            "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n#fields\t{}\n#types\t{}\n",
            fields.join("\t"),
            types.join("\t")
        );
        ZeekWriter {
            sink: Sink::new(out, header.into_bytes()),
            extra_count: extra_columns.len(),
        }
    }
}

impl FlowWriter for ZeekWriter<'_> {
    fn write_flow(&mut self, flow: &Flow) -> Result<(), WriteError> {
        let out = &mut self.sink.buffer;
        push_micros_as_fixed_seconds(out, flow.ts);
        out.push(b'\t');
        push_host(out, &flow.src_ip);
        out.push(b'\t');
        push_u64(out, u64::from(flow.src_port));
        out.push(b'\t');
        push_host(out, &flow.dst_ip);
        out.push(b'\t');
        push_u64(out, u64::from(flow.dst_port));
        out.push(b'\t');
        for b in flow.proto.bytes() {
            out.push(b.to_ascii_lowercase());
        }
        out.push(b'\t');
        push_micros_as_fixed_seconds(out, seconds_to_micros(flow.duration));
        for counter in [
            flow.fwd_packets,
            flow.bwd_packets,
            flow.fwd_bytes,
            flow.bwd_bytes,
        ] {
            out.push(b'\t');
            push_u64(out, counter);
        }
        out.push(b'\t');
        push_zeek_field(out, (!flow.flags.is_empty()).then_some(flow.flags.as_str()));
        for i in 0..self.extra_count {
            out.push(b'\t');
            let value = flow.extra.get(i).and_then(|v| v.as_deref());
            push_zeek_field(out, value);
        }
        out.push(b'\n');
        self.sink.maybe_flush()
    }

    fn finish(self: Box<Self>) -> Result<(), WriteError> {
        self.sink.finish()
    }
}
