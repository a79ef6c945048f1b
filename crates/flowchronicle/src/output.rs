//! Atomic output: every file the library writes is first written to a
//! temporary file in the destination's folder and renamed over the
//! destination only when writing succeeded, so a failure never leaves a
//! half-written file behind.

use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// An error while writing an output file, with the file's path.
#[derive(Debug, thiserror::Error)]
#[error("failed to write {path}")]
pub struct OutputError {
    pub path: PathBuf,
    #[source]
    pub source: io::Error,
}

/// Writes a file atomically. `write` receives a buffered writer on a
/// temporary file beside `path`. When it returns `Ok`, the data is flushed
/// and the temporary file renamed to `path`. On any error the temporary
/// file is removed and `path` is left as it was.
pub fn write_atomically<T, E, F>(path: &Path, write: F) -> Result<T, E>
where
    F: FnOnce(&mut dyn Write) -> Result<T, E>,
    E: From<OutputError>,
{
    let wrap = |source: io::Error| OutputError {
        path: path.to_path_buf(),
        source,
    };
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = tempfile::Builder::new()
        .prefix(&format!(".{file_name}."))
        .suffix(".tmp")
        .tempfile_in(folder)
        .map_err(wrap)?;
    let (file, temp_path) = temp.into_parts();
    let mut writer = BufWriter::with_capacity(1 << 16, file);
    let value = write(&mut writer)?;
    writer.flush().map_err(wrap)?;
    let file = writer.into_inner().map_err(|e| wrap(e.into_error()))?;
    file.sync_all().map_err(wrap)?;
    temp_path.persist(path).map_err(|e| wrap(e.error))?;
    Ok(value)
}

/// Checks that the folder of `path` exists, so that a command can fail
/// before long work rather than after it.
pub fn check_writable(path: &Path) -> Result<(), OutputError> {
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let problem = |kind: io::ErrorKind, text: String| OutputError {
        path: path.to_path_buf(),
        source: io::Error::new(kind, text),
    };
    if path.is_dir() {
        return Err(problem(
            io::ErrorKind::IsADirectory,
            "it is a folder; give a file name".to_string(),
        ));
    }
    match fs::metadata(folder) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) => Err(problem(
            io::ErrorKind::NotADirectory,
            format!("{} is not a folder", folder.display()),
        )),
        Err(_) => Err(problem(
            io::ErrorKind::NotFound,
            format!(
                "the folder {} does not exist; create it first",
                folder.display()
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_write_leaves_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        let result: Result<(), OutputError> = write_atomically(&path, |w| {
            w.write_all(b"partial").map_err(|source| OutputError {
                path: PathBuf::new(),
                source,
            })?;
            Err(OutputError {
                path: PathBuf::new(),
                source: io::Error::other("stop"),
            })
        });
        assert!(result.is_err());
        assert!(!path.exists());
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn successful_write_replaces_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        fs::write(&path, "old").unwrap();
        write_atomically::<_, OutputError, _>(&path, |w| {
            w.write_all(b"new").map_err(|source| OutputError {
                path: PathBuf::new(),
                source,
            })
        })
        .unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new");
    }
}
