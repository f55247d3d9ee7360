//! Finding and reading a snapshot's files without trusting the directory: symbolic links are
//! followed only within the snapshot and each directory is walked once (no loops, no walking
//! the host through a link to `/`), only regular files are opened — never a FIFO or a device,
//! which would hang the read — and a file larger than [`MAX_FILE_BYTES`] is refused.

use std::collections::HashSet;
use std::fs::{self, File};
use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use super::error::FileError;
use crate::sources::SourceError;

/// The largest snapshot file read; a `kubectl get pods -A -o json` of 100 000 typical pods
/// is under 1 GiB.
pub(crate) const MAX_FILE_BYTES: u64 = 1 << 30;

/// Every `.json`, `.yaml` and `.yml` file under `root` (hidden entries skipped), with the
/// entries that were not followed or not read as problems.
pub(crate) fn find(root: &Path) -> (Vec<PathBuf>, Vec<SourceError>) {
    let mut walk = Walk { root: root.canonicalize().unwrap_or_else(|_| root.to_path_buf()), ..Walk::default() };
    walk.visited.insert(walk.root.clone());
    walk.dir(root);
    walk.files.sort();
    (walk.files, walk.problems)
}

#[derive(Default)]
struct Walk {
    root: PathBuf,
    visited: HashSet<PathBuf>,
    files: Vec<PathBuf>,
    problems: Vec<SourceError>,
}

fn wanted(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref(),
        Some("json" | "yaml" | "yml")
    )
}

impl Walk {
    fn problem(&mut self, path: &Path, source: FileError) {
        self.problems.push(SourceError::File { file: path.display().to_string(), source });
    }

    fn dir(&mut self, dir: &Path) {
        let entries = match fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) => {
                self.problems.push(SourceError::Directory { dir: dir.display().to_string(), source: e });
                return;
            }
        };
        for entry in entries.filter_map(Result::ok) {
            if entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            let path = entry.path();
            let Ok(kind) = entry.file_type() else { continue };
            let target = if kind.is_symlink() {
                match path.canonicalize() {
                    Ok(target) if target.starts_with(&self.root) => target,
                    Ok(_) => {
                        self.problem(&path, FileError::LinkOutside);
                        continue;
                    }
                    Err(e) => {
                        self.problem(&path, FileError::BrokenLink(e));
                        continue;
                    }
                }
            } else {
                path.clone()
            };
            let Ok(meta) = fs::metadata(&target) else { continue };
            if meta.is_dir() {
                let canonical = target.canonicalize().unwrap_or(target);
                // Each directory once: two links to `..` must not make the walk endless.
                if self.visited.insert(canonical) {
                    self.dir(&path);
                }
            } else if wanted(&path) {
                if meta.is_file() {
                    self.files.push(path);
                } else {
                    self.problem(&path, FileError::NotRegular);
                }
            }
        }
    }
}

/// The bytes of the regular file at `path`, at most [`MAX_FILE_BYTES`]. Opened without
/// blocking and checked after opening, so a file swapped for a FIFO cannot hang the read.
pub(crate) fn read(path: &Path) -> Result<Vec<u8>, FileError> {
    let file = fs::OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY).open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(FileError::NotRegular);
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(FileError::TooLarge { size: meta.len() });
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    // The length may grow while reading; never read past the limit.
    (&file as &File).take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(FileError::Grew);
    }
    Ok(bytes)
}
