//! Reading a file the user named without ever blocking on it: a fixture path may be swapped for
//! a FIFO or a device at any moment (`--watch` reads the files again and again), and a blocking
//! `open` of a FIFO with no writer would stall a worker, the health probe and SIGTERM with it.

use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// Reads a regular file whole. The file is opened non-blocking (a FIFO opens at once instead of
/// waiting for a writer) and checked on the opened handle, so there is no window between a
/// check and the open for a swap to slip through. Anything but a regular file is
/// [`io::ErrorKind::InvalidInput`] ("not a regular file").
///
/// A symbolic link is followed: Kubernetes mounts a ConfigMap's files as links, and a link to a
/// FIFO is still refused, because the check is on what was opened.
pub fn read_regular(path: &Path) -> io::Result<Vec<u8>> {
    let mut file = open_regular(path)?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Opens a regular file for reading; see [`read_regular`].
pub fn open_regular(path: &Path) -> io::Result<File> {
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)?;
    if !file.metadata()?.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file",
        ));
    }
    Ok(file)
}

/// Writes a set of files into `dir` all or nothing, never through a link: each is written to a
/// temporary file created exclusively in `dir` (`O_CREAT | O_EXCL | O_NOFOLLOW`, so neither a
/// planted link nor an existing file is written through), `check` is run on the temporary
/// directory's paths, and only then is each renamed over its name (a rename replaces a link
/// itself, never its target). Without `force`, a name that exists already (a file, a directory
/// or a link, dangling or not) stops everything before a byte is written.
///
/// # Errors
/// An existing name without `force` (`AlreadyExists`, naming it), a write that fails, or what
/// `check` says; in each case no name in `dir` was changed.
pub fn write_all_or_nothing(
    dir: &Path,
    files: &[(&str, &[u8])],
    force: bool,
    check: impl FnOnce(&Path) -> Result<(), String>,
) -> io::Result<Vec<std::path::PathBuf>> {
    std::fs::create_dir_all(dir)?;
    if !force {
        for (name, _) in files {
            let path = dir.join(name);
            if std::fs::symlink_metadata(&path).is_ok() {
                return Err(io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    format!(
                        "{}: exists already; nothing was written (--force replaces it)",
                        path.display()
                    ),
                ));
            }
        }
    }
    let staging = dir.join(format!(
        ".livechat-mock-{}-{}",
        std::process::id(),
        unique()
    ));
    std::fs::create_dir(&staging)?;
    let result = (|| {
        for (name, bytes) in files {
            let mut file = OpenOptions::new()
                .write(true)
                .create_new(true)
                .custom_flags(libc::O_NOFOLLOW)
                .open(staging.join(name))?;
            std::io::Write::write_all(&mut file, bytes)?;
            file.sync_all()?;
        }
        check(&staging).map_err(|why| io::Error::new(io::ErrorKind::InvalidData, why))?;
        let mut written = Vec::new();
        for (name, _) in files {
            let path = dir.join(name);
            std::fs::rename(staging.join(name), &path)?;
            written.push(path);
        }
        Ok(written)
    })();
    let _ = std::fs::remove_dir_all(&staging);
    result
}

/// A number no other call in this process has had.
fn unique() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_fifo_is_refused_at_once_instead_of_blocking() {
        let dir = tempdir();
        let fifo = dir.join("visitors.json");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let err = read_regular(&fifo).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert_eq!(err.to_string(), "not a regular file");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_regular_file_and_a_link_to_one_are_read() {
        let dir = tempdir();
        std::fs::write(dir.join("a.json"), b"[1]").unwrap();
        std::os::unix::fs::symlink(dir.join("a.json"), dir.join("b.json")).unwrap();
        assert_eq!(read_regular(&dir.join("a.json")).unwrap(), b"[1]");
        assert_eq!(read_regular(&dir.join("b.json")).unwrap(), b"[1]");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_set_is_written_whole_and_never_through_a_link() {
        let dir = tempdir();
        let outside = dir.join("outside.json");
        std::fs::write(&outside, b"keep").unwrap();
        let out = dir.join("out");
        std::fs::create_dir(&out).unwrap();
        std::os::unix::fs::symlink(&outside, out.join("a.json")).unwrap();
        let files: [(&str, &[u8]); 2] = [("a.json", b"[1]"), ("b.json", b"[2]")];
        let refused = write_all_or_nothing(&out, &files, false, |_| Ok(())).unwrap_err();
        assert_eq!(refused.kind(), io::ErrorKind::AlreadyExists);
        assert!(
            refused.to_string().contains("a.json: exists already"),
            "{refused}"
        );
        assert!(!out.join("b.json").exists(), "nothing written");
        // a failed check changes nothing either
        let failed = write_all_or_nothing(&out, &files, true, |_| Err("bad".into())).unwrap_err();
        assert_eq!(failed.to_string(), "bad");
        assert!(!out.join("b.json").exists());
        // with force, the link itself is replaced; its target is untouched
        write_all_or_nothing(&out, &files, true, |staged| {
            assert_eq!(std::fs::read(staged.join("a.json")).unwrap(), b"[1]");
            Ok(())
        })
        .unwrap();
        assert_eq!(std::fs::read(&outside).unwrap(), b"keep");
        assert_eq!(std::fs::read(out.join("a.json")).unwrap(), b"[1]");
        assert!(
            !std::fs::symlink_metadata(out.join("a.json"))
                .unwrap()
                .is_symlink()
        );
        let leftovers: Vec<_> = std::fs::read_dir(&out).unwrap().collect();
        assert_eq!(leftovers.len(), 2, "no staging directory left behind");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    fn tempdir() -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "livechat-mock-files-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}
