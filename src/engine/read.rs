//! Reading the small files uv writes (pointers, metadata, records) safely: regular files only,
//! never through a symbolic link, never blocking on a FIFO or device, bounded in size, and
//! without moving their access time.

use std::path::Path;

/// Reads a regular file of at most `max` bytes without following a symlink
/// and without blocking on special files (FIFOs, devices): uv's pointer
/// files are small regular files, anything else is not read.
pub fn read_regular(path: &Path, max: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let file = open_regular(path)?;
    let len = file.metadata()?.len();
    if len > max {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("{len} bytes is too large"),
        ));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    file.take(max).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Opens a regular file for reading without following a symlink, without blocking on special
/// files (looked at before opening: opening a FIFO or a device has effects of its own), and
/// without moving its access time (how uvcache tells when uv last read it) where the owner or
/// root runs uvcache; others fall back to a plain open.
pub fn open_regular(path: &Path) -> std::io::Result<std::fs::File> {
    let not_regular = || std::io::Error::new(std::io::ErrorKind::InvalidData, "not a regular file");
    if !std::fs::symlink_metadata(path)?.is_file() {
        return Err(not_regular());
    }
    let open = |noatime: bool| {
        let mut opts = std::fs::OpenOptions::new();
        opts.read(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            let flags = rustix::fs::OFlags::NOFOLLOW | rustix::fs::OFlags::NONBLOCK;
            #[cfg(target_os = "linux")]
            let flags = if noatime {
                flags | rustix::fs::OFlags::NOATIME
            } else {
                flags
            };
            opts.custom_flags(flags.bits() as i32);
        }
        let _ = noatime;
        opts.open(path)
    };
    let file = match open(true) {
        // EPERM: O_NOATIME on a file of another user.
        Err(e) if e.raw_os_error() == Some(1) => open(false)?,
        other => other?,
    };
    if !file.metadata()?.is_file() {
        return Err(not_regular());
    }
    Ok(file)
}
