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
