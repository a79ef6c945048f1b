//! Locating the real traffic used by tests and benchmarks.
//!
//! The data folder sits beside the checkout as `../shared/data`. Outside
//! users may not have it: tests then print a notice and skip. Under
//! `CI=true` a missing folder is a failure, so CI cannot pass by skipping.

use std::path::{Path, PathBuf};

/// Returns the path of a file or folder under the shared data folder, or
/// `None` (after printing a notice) when it is absent outside CI.
///
/// # Panics
///
/// Panics when the path is absent and the environment has `CI=true`.
pub fn shared_data(relative: &str) -> Option<PathBuf> {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let path = workspace.join("../shared/data").join(relative);
    if path.exists() {
        return Some(path);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!(
            "test data {} is missing and CI=true; place the data folder at ../shared/data beside the checkout",
            path.display()
        );
    }
    eprintln!(
        "note: skipping, test data {} is absent (place the data folder at ../shared/data beside the checkout)",
        path.display()
    );
    None
}
