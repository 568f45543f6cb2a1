//! Atomic file writes: a temporary file beside the target, then a rename, so a reader (or a
//! crash, or `kill -9`) only ever sees the old file or the complete new one.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::{Error, Result};

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// Most symbolic links followed from an output path to the file it names (Linux's limit
/// before `ELOOP`); more, and the path is refused as a loop.
pub(crate) const MAX_SYMLINK_HOPS: usize = 40;

/// Checks, before any long work, that `path` could be written: its symbolic links (if any) end
/// within 40 hops, the directory of the file they lead to exists, and that
/// file is not a directory. Returns the directory of `path` itself.
pub fn check_writable(path: &Path) -> Result<&Path> {
    if is_device(path) {
        return Ok(dir_of(path));
    }
    let target = resolve_symlinks(path)?;
    let dir = writable_dir(path)?;
    if target != path {
        writable_dir(&target)?;
    }
    Ok(dir)
}

/// Follows `path` through symbolic links, one hop at a time, to the path a write replaces: a
/// relative link is read from the link's directory; the first path that is not a link
/// (existing or not) ends the walk. More than [`MAX_SYMLINK_HOPS`] links (a loop such as
/// `a → a` or `a → b → a`) is an [`Error::Io`] naming `path`: "too many levels of symbolic
/// links".
pub(crate) fn resolve_symlinks(path: &Path) -> Result<PathBuf> {
    let mut current = path.to_path_buf();
    for _ in 0..=MAX_SYMLINK_HOPS {
        match std::fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let target = std::fs::read_link(&current).map_err(|e| Error::io(path, e))?;
                current = match current.parent() {
                    Some(dir) if target.is_relative() => dir.join(target),
                    _ => target,
                };
            }
            _ => return Ok(current),
        }
    }
    // The OS's own answer for the same path gives the error kind (ELOOP is `FilesystemLoop`,
    // which stable Rust cannot name); the message says what to do.
    let kind = std::fs::metadata(path).map_or_else(|e| e.kind(), |_| std::io::ErrorKind::Other);
    Err(Error::io(
        path,
        std::io::Error::new(
            kind,
            format!(
                "cannot write: too many levels of symbolic links (more than {MAX_SYMLINK_HOPS}, \
                 a loop?); replace the link with a file or with a link to one"
            ),
        ),
    ))
}

/// The directory a file at `path` lives in (`.` for a bare file name).
fn dir_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// True when `path` (through any links) is something that exists but is neither a regular file
/// nor a directory: a device (`/dev/null`), a FIFO, a terminal, a pipe (`/dev/stdout`).
fn is_device(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|meta| !meta.is_file() && !meta.is_dir())
}

/// The checks of [`check_writable`] on `path` as it is: its directory exists and it is not a
/// directory. Returns the directory.
fn writable_dir(path: &Path) -> Result<&Path> {
    let dir = dir_of(path);
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
/// A symbolic link is written through (its target is replaced atomically, the link stays); a
/// loop of links is an error (40 hops at most) and writes nothing. A path that exists
/// but is not a regular file (`/dev/null`, a FIFO, a terminal, `/dev/stdout` into a pipe) is
/// written to directly: renaming over it would replace the device with a file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    if is_device(path) {
        return write_directly(path, bytes);
    }
    let target = resolve_symlinks(path)?;
    replace_file(&target, bytes)
}

/// Writes into an existing device or FIFO, opening it through any links.
fn write_directly(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(|e| Error::io(path, e))?;
    f.write_all(bytes)
        .and_then(|()| f.flush())
        .map_err(|e| Error::io(path, e))
}

/// Replaces (or creates) the regular file `path`, which is not a link: a temporary file in the
/// same directory, fsync, rename.
fn replace_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = writable_dir(path)?;
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

    /// The names in `dir`, sorted.
    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    fn assert_loop_error(e: Error, path: &Path) {
        let text = e.to_string();
        assert!(
            text.starts_with(&format!("{}: ", path.display()))
                && text.contains("too many levels of symbolic links")
                && !text.contains('\n'),
            "{text}"
        );
        assert!(matches!(e, Error::Io { .. }), "{e:?}");
    }

    #[test]
    fn a_symlink_loop_is_an_error_not_a_stack_overflow() {
        let dir = tempfile::tempdir().unwrap();
        // a self-loop: loop.json → loop.json
        let me = dir.path().join("loop.json");
        std::os::unix::fs::symlink("loop.json", &me).unwrap();
        // a two-link loop: a → b → a
        let a = dir.path().join("a");
        std::os::unix::fs::symlink("b", &a).unwrap();
        std::os::unix::fs::symlink("a", dir.path().join("b")).unwrap();
        for p in [&me, &a] {
            assert_loop_error(write_atomic(p, b"x").unwrap_err(), p);
            assert_loop_error(check_writable(p).unwrap_err(), p);
            assert_loop_error(resolve_symlinks(p).unwrap_err(), p);
        }
        assert_eq!(
            names(dir.path()),
            ["a", "b", "loop.json"],
            "nothing created"
        );
        for p in [&me, &a] {
            let meta = std::fs::symlink_metadata(p).unwrap();
            assert!(meta.file_type().is_symlink(), "the links stay");
        }
    }

    #[test]
    fn a_chain_of_links_within_the_limit_is_followed() {
        let dir = tempfile::tempdir().unwrap();
        // l0 → l1 → … → l{MAX-1} → real.txt: MAX_SYMLINK_HOPS links, the most allowed
        for i in 0..MAX_SYMLINK_HOPS {
            let to = if i + 1 == MAX_SYMLINK_HOPS {
                "real.txt".to_string()
            } else {
                format!("l{}", i + 1)
            };
            std::os::unix::fs::symlink(to, dir.path().join(format!("l{i}"))).unwrap();
        }
        let first = dir.path().join("l0");
        check_writable(&first).unwrap();
        write_atomic(&first, b"end").unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("real.txt")).unwrap(),
            "end"
        );
        // one more link in front is one too many
        let before = dir.path().join("before");
        std::os::unix::fs::symlink("l0", &before).unwrap();
        assert_loop_error(write_atomic(&before, b"x").unwrap_err(), &before);
    }

    #[test]
    fn links_resolve_from_their_own_directory_and_into_devices() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        // sub/link → ../real.txt is relative to sub/, not to the working directory
        std::os::unix::fs::symlink("../real.txt", dir.path().join("sub/link")).unwrap();
        write_atomic(&dir.path().join("sub/link"), b"up").unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("real.txt")).unwrap(),
            "up"
        );
        // a link to a device is written into, and the device stays
        let null = dir.path().join("null");
        std::os::unix::fs::symlink("/dev/null", &null).unwrap();
        check_writable(&null).unwrap();
        write_atomic(&null, b"x").unwrap();
        assert!(!std::fs::metadata("/dev/null").unwrap().is_file());
        // a dangling link creates its target; a link to a directory is refused
        let dangling = dir.path().join("dangling");
        std::os::unix::fs::symlink("new.txt", &dangling).unwrap();
        write_atomic(&dangling, b"n").unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("new.txt")).unwrap(),
            "n"
        );
        let to_dir = dir.path().join("to_dir");
        std::os::unix::fs::symlink("sub", &to_dir).unwrap();
        let e = check_writable(&to_dir).unwrap_err().to_string();
        assert!(e.contains("it is a directory"), "{e}");
    }
}
