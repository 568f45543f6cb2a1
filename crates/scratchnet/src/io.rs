//! Atomic file writes: a temporary file beside the target, then a rename, so a reader (or a
//! crash, or `kill -9`) only ever sees the old file or the complete new one.

use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::{Error, Result};

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// Checks, before any long work, that `path` could be written: its directory exists and the
/// path is not a directory. Returns the directory.
pub fn check_writable(path: &Path) -> Result<&Path> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let problem = |message: String| {
        Error::io(
            path,
            std::io::Error::new(std::io::ErrorKind::NotFound, message),
        )
    };
    if !dir.is_dir() {
        return Err(problem(format!(
            "cannot write: directory `{}` does not exist",
            dir.display()
        )));
    }
    if path.file_name().is_none() || path.is_dir() {
        return Err(problem(
            "cannot write: it is a directory, not a file".into(),
        ));
    }
    Ok(dir)
}

/// Writes `bytes` to `path` atomically (temp file in the same directory, fsync, rename).
///
/// A symbolic link is written through (its target is replaced atomically, the link stays). A
/// path that exists but is not a regular file (`/dev/null`, a FIFO, a terminal) is written to
/// directly: renaming over it would replace the device with a file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Ok(meta) = std::fs::symlink_metadata(path) {
        if meta.file_type().is_symlink() {
            let target = std::fs::read_link(path).map_err(|e| Error::io(path, e))?;
            let target = match path.parent() {
                Some(dir) if target.is_relative() => dir.join(target),
                _ => target,
            };
            return write_atomic(&target, bytes);
        }
        if !meta.is_file() && !meta.is_dir() {
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(|e| Error::io(path, e))?;
            return f
                .write_all(bytes)
                .and_then(|()| f.flush())
                .map_err(|e| Error::io(path, e));
        }
    }
    let dir = check_writable(path)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let tmp = dir.join(format!(".{name}.tmp-{}-{n}", std::process::id()));
    let result = (|| -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::io(path, e));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_and_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.txt");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "two");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temp file left behind"
        );
    }

    #[test]
    fn writes_through_symlinks_and_into_devices() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("real.txt");
        std::fs::write(&target, "old").unwrap();
        let link = dir.path().join("link.txt");
        std::os::unix::fs::symlink("real.txt", &link).unwrap();
        write_atomic(&link, b"new").unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
        write_atomic(Path::new("/dev/null"), b"x").unwrap();
        assert!(
            !std::fs::metadata("/dev/null").unwrap().is_file(),
            "/dev/null must stay a device"
        );
    }

    #[test]
    fn missing_directory_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("nope").join("a.txt");
        let e = write_atomic(&p, b"x").unwrap_err().to_string();
        assert!(e.contains("does not exist"), "{e}");
    }
}
