//! Input files: expanding folders, transparent gzip decompression and
//! format detection from the first line.

use std::fs::{self, File};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use flate2::read::MultiGzDecoder;

use super::{Format, ReadError};

/// Size of the read buffers, in bytes.
const BUFFER_BYTES: usize = 1 << 16;

/// A decompressed, buffered input stream.
pub(crate) type Input = Box<dyn BufRead>;

/// Expands folders into their files, in name order, leaving out hidden
/// files (names starting with `.`) and subfolders.
pub(crate) fn expand_inputs(inputs: &[PathBuf]) -> Result<Vec<PathBuf>, ReadError> {
    let mut files = Vec::new();
    for input in inputs {
        let metadata = fs::metadata(input).map_err(|source| ReadError::Open {
            path: input.clone(),
            error: source,
        })?;
        if !metadata.is_dir() {
            files.push(input.clone());
            continue;
        }
        let entries = fs::read_dir(input).map_err(|source| ReadError::Open {
            path: input.clone(),
            error: source,
        })?;
        let mut in_folder = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|source| ReadError::Open {
                path: input.clone(),
                error: source,
            })?;
            let hidden = entry.file_name().to_string_lossy().starts_with('.');
            let path = entry.path();
            if !hidden && path.is_file() {
                in_folder.push(path);
            }
        }
        in_folder.sort();
        files.extend(in_folder);
    }
    if files.is_empty() {
        return Err(ReadError::NoInput {
            paths: inputs.to_vec(),
        });
    }
    Ok(files)
}

/// Opens a file, decompressing it when it starts with the gzip magic bytes
/// (several concatenated gzip members are read as one stream).
pub(crate) fn open(path: &Path) -> Result<Input, ReadError> {
    let open_error = |source| ReadError::Open {
        path: path.to_path_buf(),
        error: source,
    };
    let file = File::open(path).map_err(open_error)?;
    let mut raw = BufReader::with_capacity(BUFFER_BYTES, file);
    let is_gzip = raw
        .fill_buf()
        .map_err(open_error)?
        .starts_with(&[0x1f, 0x8b]);
    if is_gzip {
        let decoder: Box<dyn Read> = Box::new(MultiGzDecoder::new(raw));
        Ok(Box::new(BufReader::with_capacity(BUFFER_BYTES, decoder)))
    } else {
        Ok(Box::new(raw))
    }
}

/// Returns whether the bytes start like a pcap file (either byte order,
/// microsecond or nanosecond timestamps) or a pcapng file.
fn is_packet_capture(head: &[u8]) -> bool {
    const MAGICS: [[u8; 4]; 5] = [
        [0xd4, 0xc3, 0xb2, 0xa1],
        [0xa1, 0xb2, 0xc3, 0xd4],
        [0x4d, 0x3c, 0xb2, 0xa1],
        [0xa1, 0xb2, 0x3c, 0x4d],
        [0x0a, 0x0d, 0x0d, 0x0a],
    ];
    MAGICS.iter().any(|magic| head.starts_with(magic))
}

/// Detects the format from the first non-blank line, without consuming
/// input.
pub(crate) fn detect(path: &Path, input: &mut Input) -> Result<Format, ReadError> {
    let head = input.fill_buf().map_err(|source| ReadError::Io {
        path: path.to_path_buf(),
        line: 1,
        error: source,
    })?;
    if is_packet_capture(head) {
        return Err(ReadError::PacketCapture {
            path: path.to_path_buf(),
        });
    }
    let text = String::from_utf8_lossy(head);
    let text = text.trim_start_matches('\u{feff}');
    let first_line = match text.lines().find(|l| !l.trim().is_empty()) {
        Some(line) => line.trim(),
        None => {
            return Err(ReadError::Empty {
                path: path.to_path_buf(),
            })
        }
    };
    detect_line(first_line).ok_or_else(|| ReadError::UnknownFormat {
        path: path.to_path_buf(),
        first_line: first_line.to_string(),
    })
}

fn detect_line(line: &str) -> Option<Format> {
    if line.starts_with('#') {
        return Some(Format::ZeekTsv);
    }
    if line.starts_with('{') {
        return Some(Format::ZeekJson);
    }
    let names: Vec<String> = line
        .split(',')
        .map(|name| name.trim().trim_matches('"').to_ascii_lowercase())
        .collect();
    let has = |name: &str| names.iter().any(|n| n == name);
    if has("date first seen") {
        Some(Format::Cidds)
    } else if has("sa") && has("da") && (has("te") || has("ts")) {
        Some(Format::Nfdump)
    } else if has("ts") && has("src_ip") && has("dst_ip") {
        Some(Format::Canonical)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packet_captures_are_recognised() {
        assert!(is_packet_capture(&[0xd4, 0xc3, 0xb2, 0xa1, 2, 0]));
        assert!(is_packet_capture(&[0x0a, 0x0d, 0x0d, 0x0a, 0x1c]));
        assert!(!is_packet_capture(b"ts,proto,src_ip"));
        assert!(!is_packet_capture(&[0xd4, 0xc3]));
    }

    #[test]
    fn detect_line_cases() {
        let cases = [
            ("#separator \\x09", Some(Format::ZeekTsv)),
            ("{\"ts\":1.5}", Some(Format::ZeekJson)),
            (
                "Date first seen,Duration,Proto,Src IP Addr,Src Pt,Dst IP Addr,Dst Pt,Packets,Bytes,Flows,Flags",
                Some(Format::Cidds),
            ),
            ("te,td,sa,da,sp,dp,pr,flg,fwd,stos,pkt,byt,lable", Some(Format::Nfdump)),
            ("ts,te,td,sa,da,sp,dp,pr,flg,ipkt,ibyt", Some(Format::Nfdump)),
            ("ts,proto,src_ip,src_port,dst_ip,dst_port", Some(Format::Canonical)),
            ("a,b,c", None),
        ];
        for (line, expected) in cases {
            assert_eq!(detect_line(line), expected, "{line}");
        }
    }
}
