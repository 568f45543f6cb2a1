//! Atomic file writes: the new content is complete on disk before it takes the target's name,
//! so a reader (or a crash, or `kill -9`) only ever sees the old file or the complete new one.
//!
//! On Linux the content goes first into an *unnamed* file in the target's directory
//! (`O_TMPFILE`): until it is complete there is no name to leave behind, so `kill -9` or a
//! signal in the middle of a write leaves nothing. The finished file then gets the target's name
//! (`linkat`, when the target does not exist yet) or a temporary name that is at once renamed
//! over the target; a temporary name is only ever created exclusively (`linkat` never replaces
//! or follows what is there). Where unnamed files are not supported (some file systems, other
//! systems), the temporary file is created by the `tempfile` crate: exclusively (`O_EXCL`, so an
//! existing file or a planted symbolic link is never opened) under an unpredictable name
//! `.<name>.XXXXXX` in the target's directory, and removed on every error path.
//!
//! [`writing`] says whether a write is under way, so that a signal handler can let it finish.

use std::ffi::OsString;
use std::io::Write;
#[cfg(unix)]
use std::os::unix::ffi::{OsStrExt, OsStringExt};
#[cfg(unix)]
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::{Error, Result};

/// Atomic writes under way in this process.
static WRITES_IN_PROGRESS: AtomicUsize = AtomicUsize::new(0);

/// True while an atomic write ([`write_atomic`]) is under way: a signal handler that would
/// exit at once should let it finish instead (exiting leaves the old file, never a part).
pub fn writing() -> bool {
    WRITES_IN_PROGRESS.load(Ordering::SeqCst) > 0
}

/// Counts one write as under way for as long as it lives.
struct Writing;

impl Writing {
    fn start() -> Writing {
        WRITES_IN_PROGRESS.fetch_add(1, Ordering::SeqCst);
        Writing
    }
}

impl Drop for Writing {
    fn drop(&mut self) {
        WRITES_IN_PROGRESS.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Most bytes of the target's name kept in a temporary file's name: with the dots and the
/// random part, the temporary name stays far below the 255-byte limit of a file name.
const MAX_PREFIX_NAME_BYTES: usize = 64;

/// Most symbolic links followed from an output path to the file it names (Linux's limit
/// before `ELOOP`); more, and the path is refused as a loop.
pub(crate) const MAX_SYMLINK_HOPS: usize = 40;

/// Checks, before any long work, that `path` could be written: its symbolic links (if any) end
/// within 40 hops, the directory of the file they lead to exists, that file is not a
/// directory, and a temporary file can really be created (and is removed at once) in that
/// directory, so a read-only directory or a full quota is found now, not after the work.
/// Returns the directory of `path` itself.
pub fn check_writable(path: &Path) -> Result<&Path> {
    if is_device(path) {
        return Ok(dir_of(path));
    }
    let target = resolve_symlinks(path)?;
    let dir = writable_dir(path)?;
    if target != path {
        writable_dir(&target)?;
    }
    #[cfg(target_os = "linux")]
    match unnamed::create(dir_of(&target), None) {
        // an unnamed file proves the directory writable and leaves no name behind
        Ok(Some(_)) => return Ok(dir),
        Ok(None) => {}
        Err(e) => return Err(cannot_write(path, e)),
    }
    // created exclusively and removed when dropped
    drop(temp_file_for(&target, None).map_err(|e| cannot_write(path, e))?);
    Ok(dir)
}

/// The error of a temporary file that could not be created, or written and renamed, for
/// `path`: "cannot write: " and the operating system's message.
fn cannot_write(path: &Path, e: std::io::Error) -> Error {
    let kind = e.kind();
    Error::io(
        path,
        std::io::Error::new(kind, format!("cannot write: {e}")),
    )
}

/// The prefix of a temporary file for `target`: `.` + the first bytes of its name + `.`.
#[cfg(unix)]
fn temp_prefix(target: &Path) -> OsString {
    let name = target.file_name().map(OsStrExt::as_bytes).unwrap_or(b"");
    let mut prefix = Vec::with_capacity(MAX_PREFIX_NAME_BYTES + 2);
    prefix.push(b'.');
    prefix.extend_from_slice(&name[..name.len().min(MAX_PREFIX_NAME_BYTES)]);
    prefix.push(b'.');
    OsString::from_vec(prefix)
}

/// A new temporary file in `target`'s directory, created exclusively with an unpredictable
/// name: with the mode of `existing` (the file it will replace), or else `0666` less the umask,
/// as a newly created file gets. Removed when dropped unless persisted.
#[cfg(unix)]
fn temp_file_for(
    target: &Path,
    existing: Option<&std::fs::Metadata>,
) -> std::io::Result<tempfile::NamedTempFile> {
    let mode = existing.map_or(0o666, |m| m.permissions().mode() & 0o7777);
    let tmp = tempfile::Builder::new()
        .prefix(&temp_prefix(target))
        .permissions(std::fs::Permissions::from_mode(mode))
        .tempfile_in(dir_of(target))?;
    if let Some(meta) = existing {
        take_owner_and_mode(tmp.as_file(), meta)?;
    }
    Ok(tmp)
}

/// Elsewhere (WebAssembly, where the playground has no files to write; Windows): the same
/// without Unix modes and owners, the name's first characters as the prefix.
#[cfg(not(unix))]
fn temp_file_for(
    target: &Path,
    _existing: Option<&std::fs::Metadata>,
) -> std::io::Result<tempfile::NamedTempFile> {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let name: String = name.chars().take(MAX_PREFIX_NAME_BYTES).collect();
    tempfile::Builder::new()
        .prefix(&OsString::from(format!(".{name}.")))
        .tempfile_in(dir_of(target))
}

/// Follows `path` through symbolic links, one hop at a time, to the path a write replaces: a
/// relative link is read from the link's directory; the first path that is not a link
/// (existing or not) ends the walk. More than 40 links (a loop such as
/// `a → a` or `a → b → a`) is an [`Error::Io`] naming `path`: "too many levels of symbolic
/// links".
pub fn resolve_symlinks(path: &Path) -> Result<PathBuf> {
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
    write_atomic_with(path, |w| w.write_all(bytes).map_err(|e| Error::io(path, e)))
}

/// [`write_atomic`] of what `write` writes, a piece at a time (a streamed prediction: its
/// memory does not grow with the output). The file gets its name only once `write` has
/// succeeded and the bytes are synced; an error of `write` (say, bad input half-way) is
/// returned as it is, and nothing is left behind. `write` is called once.
pub fn write_atomic_with(
    path: &Path,
    mut write: impl FnMut(&mut dyn Write) -> Result<()>,
) -> Result<()> {
    let mut failed = None;
    let mut io_write = |w: &mut dyn Write| {
        let mut buffered = std::io::BufWriter::with_capacity(1 << 16, w);
        write(&mut buffered)
            .map_err(|e| {
                failed = Some(e);
                std::io::Error::other("the content could not be made")
            })
            .and_then(|()| buffered.flush())
    };
    let written = if is_device(path) {
        write_directly(path, &mut io_write)
    } else {
        resolve_symlinks(path).and_then(|target| replace_file(&target, &mut io_write))
    };
    match failed {
        Some(e) => Err(e),
        None => written,
    }
}

/// What writes a file's content (see [`write_atomic_with`]).
type Content<'w> = dyn FnMut(&mut dyn Write) -> std::io::Result<()> + 'w;

/// Writes into an existing device or FIFO, opening it through any links.
fn write_directly(path: &Path, write: &mut Content<'_>) -> Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(|e| Error::io(path, e))?;
    write(&mut f)
        .and_then(|()| f.flush())
        .map_err(|e| Error::io(path, e))
}

/// Replaces (or creates) the regular file `path`, which is not a link, with the replaced
/// file's mode and, where allowed, owner: through an unnamed file where the system has them,
/// else through a named temporary file (fsync, rename). On any error nothing is left behind.
fn replace_file(path: &Path, write: &mut Content<'_>) -> Result<()> {
    writable_dir(path)?;
    let _writing = Writing::start();
    let existing = std::fs::metadata(path)
        .ok()
        .filter(std::fs::Metadata::is_file);
    #[cfg(target_os = "linux")]
    if unnamed::replace(path, existing.as_ref(), write).map_err(|e| cannot_write(path, e))? {
        return Ok(());
    }
    let mut tmp = temp_file_for(path, existing.as_ref()).map_err(|e| cannot_write(path, e))?;
    write(&mut tmp)
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| Error::io(path, e))?;
    // on failure, the returned temporary file is dropped, and so removed
    tmp.persist(path).map_err(|e| Error::io(path, e.error))?;
    Ok(())
}

/// Gives `file` the owner and group of the file it replaces where allowed (root, or a group
/// the user is in), then that file's exact mode (the umask applied at creation; `chown` may
/// clear set-id bits).
#[cfg(unix)]
fn take_owner_and_mode(file: &std::fs::File, meta: &std::fs::Metadata) -> std::io::Result<()> {
    if std::os::unix::fs::fchown(file, Some(meta.uid()), Some(meta.gid())).is_err() {
        let _ = std::os::unix::fs::fchown(file, None, Some(meta.gid()));
    }
    file.set_permissions(std::fs::Permissions::from_mode(
        meta.permissions().mode() & 0o7777,
    ))
}

/// Writes through Linux's unnamed files (`O_TMPFILE`): the content is written and synced
/// before it has any name, so nothing can be left behind by a crash, a signal or `kill -9`.
#[cfg(target_os = "linux")]
mod unnamed {
    use std::os::fd::AsRawFd;
    use std::path::{Path, PathBuf};

    use rustix::fs::{AtFlags, CWD, Mode, OFlags};

    /// A new unnamed file in `dir`, with `existing`'s owner and mode, or else `0666` less the
    /// umask; `None` where the file system or kernel has no unnamed files.
    pub(super) fn create(
        dir: &Path,
        existing: Option<&std::fs::Metadata>,
    ) -> std::io::Result<Option<std::fs::File>> {
        let flags = OFlags::TMPFILE | OFlags::WRONLY | OFlags::CLOEXEC;
        let fd = match rustix::fs::openat(CWD, dir, flags, Mode::from_raw_mode(0o666)) {
            Ok(fd) => fd,
            // no O_TMPFILE here (EOPNOTSUPP; EISDIR or EINVAL from kernels that do not know it)
            Err(e)
                if [
                    rustix::io::Errno::OPNOTSUPP,
                    rustix::io::Errno::ISDIR,
                    rustix::io::Errno::INVAL,
                ]
                .contains(&e) =>
            {
                return Ok(None);
            }
            Err(e) => return Err(e.into()),
        };
        let file = std::fs::File::from(fd);
        if let Some(meta) = existing {
            super::take_owner_and_mode(&file, meta)?;
        }
        Ok(Some(file))
    }

    /// Writes `bytes` as `path` (not a link; `existing` is its metadata when it exists).
    /// False, with nothing done, where there are no unnamed files or no `/proc` to name them by.
    pub(super) fn replace(
        path: &Path,
        existing: Option<&std::fs::Metadata>,
        write: &mut super::Content<'_>,
    ) -> std::io::Result<bool> {
        let Some(mut file) = create(super::dir_of(path), existing)? else {
            return Ok(false);
        };
        // checked before writing, so that the content is made once
        let me = PathBuf::from(format!("/proc/self/fd/{}", file.as_raw_fd()));
        if !me.exists() {
            return Ok(false);
        }
        write(&mut file)?;
        file.sync_all()?;
        if existing.is_none() {
            match link(&me, path) {
                Ok(()) => return Ok(true),
                // created by someone else meanwhile: replace it like any existing file
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(e),
            }
        }
        let temp = link_under_new_name(&me, path)?;
        std::fs::rename(&temp, path).inspect_err(|_| {
            let _ = std::fs::remove_file(&temp);
        })?;
        Ok(true)
    }

    /// Gives the open file `me` (`/proc/self/fd/N`) the name `to`; fails if `to` exists.
    fn link(me: &Path, to: &Path) -> std::io::Result<()> {
        Ok(rustix::fs::linkat(
            CWD,
            me,
            CWD,
            to,
            AtFlags::SYMLINK_FOLLOW,
        )?)
    }

    /// Links `me` under a new name `.<name>.<random>` beside `target` and returns it.
    fn link_under_new_name(me: &Path, target: &Path) -> std::io::Result<PathBuf> {
        use std::hash::{BuildHasher, Hasher};
        let prefix = super::temp_prefix(target);
        let dir = super::dir_of(target);
        let mut last = None;
        for attempt in 0..100 {
            // each RandomState has new random keys (the std's own source of randomness)
            let mut random = std::collections::hash_map::RandomState::new().build_hasher();
            random.write_usize(attempt);
            let mut name = prefix.clone();
            name.push(format!("{:016x}", random.finish()));
            let temp = dir.join(&name);
            match link(me, &temp) {
                Ok(()) => return Ok(temp),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last.unwrap_or_else(|| std::io::Error::other("no free temporary name")))
    }
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

    #[test]
    fn a_replaced_file_keeps_its_mode_and_a_new_file_gets_the_umask_default() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("model.json");
        std::fs::write(&p, "old").unwrap();
        for mode in [0o600, 0o640, 0o755] {
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
            write_atomic(&p, b"new").unwrap();
            let got = std::fs::metadata(&p).unwrap().permissions().mode() & 0o7777;
            assert_eq!(got, mode, "{mode:o} became {got:o}");
        }
        // a new file: as `File::create` makes it (0666 less the umask), not tempfile's 0600
        let fresh = dir.path().join("fresh.json");
        write_atomic(&fresh, b"x").unwrap();
        let reference = dir.path().join("reference");
        std::fs::File::create(&reference).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o7777;
        assert_eq!(mode(&fresh), mode(&reference));
    }

    #[test]
    fn a_replaced_file_keeps_its_owner_where_allowed() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("owned.json");
        std::fs::write(&p, "old").unwrap();
        // only root may give a file away; otherwise the owner is ours and stays ours
        let _ = std::os::unix::fs::chown(&p, Some(4321), Some(4321));
        let before = std::fs::metadata(&p).unwrap();
        write_atomic(&p, b"new").unwrap();
        let after = std::fs::metadata(&p).unwrap();
        assert_eq!((after.uid(), after.gid()), (before.uid(), before.gid()));
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "new");
    }

    #[test]
    fn a_250_byte_file_name_can_be_written() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a".repeat(246) + ".csv");
        check_writable(&p).unwrap();
        write_atomic(&p, b"long").unwrap();
        write_atomic(&p, b"again").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "again");
        assert_eq!(names(dir.path()).len(), 1, "no temp file left behind");
    }

    #[test]
    fn temp_files_are_created_exclusively_with_unpredictable_names() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("m.json");
        let a = temp_file_for(&target, None).unwrap();
        let b = temp_file_for(&target, None).unwrap();
        assert_ne!(a.path(), b.path());
        for t in [&a, &b] {
            let name = t.path().file_name().unwrap().to_string_lossy().into_owned();
            assert!(
                name.starts_with(".m.json.") && name.len() > ".m.json.".len(),
                "{name}"
            );
            assert!(!name.contains(&std::process::id().to_string()), "{name}");
        }
        drop((a, b));
        assert!(names(dir.path()).is_empty(), "removed when dropped");
    }

    #[test]
    fn an_unwritable_directory_is_found_by_the_check_and_leaves_nothing() {
        // /sys refuses new files even to root
        let e = check_writable(Path::new("/sys/scratchnet-test.json"))
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("/sys/scratchnet-test.json: cannot write: ") && !e.contains('\n'),
            "{e}"
        );
        let e = write_atomic(Path::new("/sys/scratchnet-test.json"), b"x")
            .unwrap_err()
            .to_string();
        assert!(e.contains("cannot write"), "{e}");
        // a directory without write permission (not enforced for root)
        let dir = tempfile::tempdir().unwrap();
        let ro = dir.path().join("ro");
        std::fs::create_dir(&ro).unwrap();
        std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
        let enforced = std::fs::File::create(ro.join("probe")).is_err();
        if enforced {
            assert!(check_writable(&ro.join("a.json")).is_err());
        }
        let _ = std::fs::remove_file(ro.join("probe"));
        assert!(names(&ro).is_empty());
        std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}
