//! Data shared through clones (reflinks).
//!
//! On a copy-on-write filesystem uv's default link mode, clone, gives an
//! environment's file the cache file's data extents: both files have one link
//! each, and removing the cache's file frees nothing while the clone lives. The
//! link count cannot tell; the extent map can. For a regular file on a
//! filesystem that shares extents (btrfs, XFS, bcachefs, ZFS, OCFS2), the
//! `FIEMAP` ioctl lists its extents and flags those shared with any other file
//! (`FIEMAP_EXTENT_SHARED`); only the bytes of unshared extents are freed by
//! removing the file.
//!
//! What cannot be told is conservative: an extent the filesystem marks as
//! unknown counts as shared, and so does a file whose map cannot be read. An
//! extent two cache files share (an environment inside the cache cloned from an
//! archive) counts as shared for both, because nothing says whether a file
//! outside the cache shares it too: removing both frees more than predicted,
//! never less. Data not yet written out (delayed allocation) and data inline in
//! the filesystem's metadata belong to the file alone.
//!
//! Other systems, and filesystems that cannot share extents (ext4, tmpfs, ...),
//! pay nothing: [`Clones::of`] says so once per device and no file is opened.

use std::path::Path;

/// Whether files on a filesystem can share data extents, decided once for the
/// cache root's filesystem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Clones {
    /// Extents cannot be shared there (or this platform cannot tell): link
    /// counts say everything.
    #[default]
    Impossible,
    /// Extents can be shared: files on device `dev` are asked for their map.
    Possible {
        /// The device (`st_dev`) of the filesystem.
        dev: u64,
        /// The filesystem's name, for reports.
        fs: &'static str,
        /// Files of at most this many bytes keep their data inline in the filesystem's
        /// metadata, where it is never shared (btrfs' `max_inline`, 2048 by default): their
        /// maps are not read.
        inline_max: u64,
    },
}

impl Clones {
    /// Whether the filesystem holding `path` can share extents.
    pub fn of(path: &Path) -> Clones {
        imp::clones_of(path)
    }

    /// The filesystem's name when extents can be shared.
    pub fn filesystem(self) -> Option<&'static str> {
        match self {
            Clones::Impossible => None,
            Clones::Possible { fs, .. } => Some(fs),
        }
    }

    /// Whether a file on device `dev` must be asked for its extents.
    pub fn applies_to(self, dev: u64) -> bool {
        matches!(self, Clones::Possible { dev: d, .. } if d == dev)
    }

    /// Whether a regular file of `size` bytes on device `dev` may share extents.
    pub fn may_share(self, dev: u64, size: u64) -> bool {
        matches!(self, Clones::Possible { dev: d, inline_max, .. } if d == dev && size > inline_max)
    }
}

/// Name of a filesystem that can share extents, by `statfs` magic number.
pub fn sharing_filesystem(magic: u64) -> Option<&'static str> {
    match magic {
        0x9123_683e => Some("btrfs"),
        0x5846_5342 => Some("xfs"),
        0xca45_1a4e => Some("bcachefs"),
        0x2fc1_2fc1 => Some("zfs"),
        0x7461_636f => Some("ocfs2"),
        _ => None,
    }
}

/// Allocated bytes of an open regular file that other files share: the sum of
/// its shared (or unknown) extents, at most `disk`. A map that cannot be read
/// counts as all shared.
#[cfg(any(target_os = "linux", target_os = "macos"))]
pub fn shared_bytes(fd: std::os::fd::BorrowedFd<'_>, disk: u64) -> u64 {
    imp::shared_bytes(fd).map_or(disk, |shared| shared.min(disk))
}

/// Allocated bytes of an open regular file that other files share, or the
/// error reading its extent map.
#[cfg(any(target_os = "linux", target_os = "macos"))]
pub fn shared_bytes_exact(fd: std::os::fd::BorrowedFd<'_>) -> std::io::Result<u64> {
    imp::shared_bytes(fd)
}

#[cfg(target_os = "linux")]
mod imp {
    use std::os::fd::{AsRawFd, BorrowedFd};
    use std::path::Path;

    use super::{Clones, sharing_filesystem};

    /// `struct fiemap` followed by room for `N` `struct fiemap_extent`s, as
    /// `linux/fiemap.h` lays them out.
    #[repr(C)]
    struct FiemapBuf {
        start: u64,
        length: u64,
        flags: u32,
        mapped_extents: u32,
        extent_count: u32,
        reserved: u32,
        extents: [FiemapExtent; N],
    }

    #[repr(C)]
    #[derive(Clone, Copy, Default)]
    struct FiemapExtent {
        logical: u64,
        physical: u64,
        length: u64,
        reserved64: [u64; 2],
        flags: u32,
        reserved: [u32; 3],
    }

    const N: usize = 64;
    /// `_IOWR('f', 11, struct fiemap)`.
    const FS_IOC_FIEMAP: libc::c_ulong = 0xc020_660b;
    const EXTENT_LAST: u32 = 0x1;
    const EXTENT_UNKNOWN: u32 = 0x2;
    const EXTENT_SHARED: u32 = 0x2000;

    pub(super) fn clones_of(path: &Path) -> Clones {
        use std::os::unix::fs::MetadataExt;
        let Ok(meta) = std::fs::metadata(path) else {
            return Clones::Impossible;
        };
        match rustix::fs::statfs(path) {
            #[allow(clippy::unnecessary_cast)]
            Ok(st) => match sharing_filesystem(st.f_type as u64) {
                Some(fs) => Clones::Possible {
                    dev: meta.dev(),
                    fs,
                    inline_max: if fs == "btrfs" {
                        btrfs_max_inline(meta.dev()).unwrap_or(DEFAULT_BTRFS_MAX_INLINE)
                    } else {
                        0
                    },
                },
                None => Clones::Impossible,
            },
            Err(_) => Clones::Impossible,
        }
    }

    /// btrfs' default `max_inline` (bytes).
    const DEFAULT_BTRFS_MAX_INLINE: u64 = 2048;

    /// The `max_inline=` mount option of the btrfs mount of device `dev`, when set.
    fn btrfs_max_inline(dev: u64) -> Option<u64> {
        let text = std::fs::read_to_string("/proc/self/mountinfo").ok()?;
        let id = format!("{}:{}", rustix::fs::major(dev), rustix::fs::minor(dev));
        max_inline_of(&text, &id)
    }

    /// `max_inline=` among the super-block options of the mount of device `id` (`major:minor`)
    /// in a `/proc/self/mountinfo` text.
    pub(super) fn max_inline_of(mountinfo: &str, id: &str) -> Option<u64> {
        let line = mountinfo
            .lines()
            .find(|l| l.split(' ').nth(2) == Some(id))?;
        let (_, tail) = line.split_once(" - ")?;
        let options = tail.split(' ').nth(2)?;
        options
            .split(',')
            .find_map(|o| o.strip_prefix("max_inline="))
            .and_then(parse_size_option)
    }

    /// A mount option size: bytes, or with a `k`/`m`/`g` suffix.
    fn parse_size_option(v: &str) -> Option<u64> {
        let (num, mult) = match v.chars().last()? {
            'k' | 'K' => (&v[..v.len() - 1], 1 << 10),
            'm' | 'M' => (&v[..v.len() - 1], 1 << 20),
            'g' | 'G' => (&v[..v.len() - 1], 1 << 30),
            _ => (v, 1),
        };
        num.parse::<u64>().ok().map(|n| n * mult)
    }

    pub(super) fn shared_bytes(fd: BorrowedFd<'_>) -> std::io::Result<u64> {
        let mut shared = 0u64;
        let mut start = 0u64;
        loop {
            let mut buf = FiemapBuf {
                start,
                length: u64::MAX - start,
                flags: 0,
                mapped_extents: 0,
                extent_count: N as u32,
                reserved: 0,
                extents: [FiemapExtent::default(); N],
            };
            // SAFETY: `buf` is a `struct fiemap` with room for `extent_count`
            // extents, as the ioctl expects, and outlives the call.
            let rc = unsafe {
                libc::ioctl(
                    fd.as_raw_fd(),
                    FS_IOC_FIEMAP as _,
                    &mut buf as *mut FiemapBuf,
                )
            };
            if rc != 0 {
                return Err(std::io::Error::last_os_error());
            }
            let mapped = (buf.mapped_extents as usize).min(N);
            if mapped == 0 {
                return Ok(shared);
            }
            let mut last = false;
            for e in &buf.extents[..mapped] {
                if e.flags & (EXTENT_SHARED | EXTENT_UNKNOWN) != 0 {
                    shared = shared.saturating_add(e.length);
                }
                last |= e.flags & EXTENT_LAST != 0;
                start = e.logical.saturating_add(e.length);
            }
            if last || mapped < N {
                return Ok(shared);
            }
        }
    }
}

/// macOS: APFS clones share blocks the same way. `fgetattrlist` with the extended common
/// attribute `ATTR_CMNEXT_PRIVATESIZE` gives the bytes a file does not share with any other
/// (its "private size"); the rest of its allocation is shared. This path is compiled for macOS
/// (`cargo check --target aarch64-apple-darwin`) but not run by the tests, which run on Linux.
#[cfg(target_os = "macos")]
mod imp {
    use std::os::fd::{AsRawFd, BorrowedFd};
    use std::path::Path;

    use super::Clones;

    const ATTR_BIT_MAP_COUNT: u16 = 5;
    const ATTR_CMN_RETURNED_ATTRS: u32 = 0x8000_0000;
    const ATTR_CMNEXT_PRIVATESIZE: u32 = 0x0000_0008;
    const FSOPT_ATTR_CMN_EXTENDED: u32 = 0x0000_0020;

    #[repr(C)]
    struct AttrList {
        bitmapcount: u16,
        reserved: u16,
        commonattr: u32,
        volattr: u32,
        dirattr: u32,
        fileattr: u32,
        forkattr: u32,
    }

    /// What `fgetattrlist` writes: its length, the attributes returned, the private size.
    #[repr(C, packed(4))]
    struct Reply {
        length: u32,
        returned: [u32; 5],
        private_size: i64,
    }

    pub(super) fn clones_of(path: &Path) -> Clones {
        use std::os::unix::fs::MetadataExt;
        let Ok(meta) = std::fs::metadata(path) else {
            return Clones::Impossible;
        };
        let Ok(st) = rustix::fs::statfs(path) else {
            return Clones::Impossible;
        };
        let name: Vec<u8> = st
            .f_fstypename
            .iter()
            .take_while(|c| **c != 0)
            .map(|c| *c as u8)
            .collect();
        if name == b"apfs" {
            Clones::Possible {
                dev: meta.dev(),
                fs: "apfs",
                inline_max: 0,
            }
        } else {
            Clones::Impossible
        }
    }

    pub(super) fn shared_bytes(fd: BorrowedFd<'_>) -> std::io::Result<u64> {
        let mut list = AttrList {
            bitmapcount: ATTR_BIT_MAP_COUNT,
            reserved: 0,
            commonattr: ATTR_CMN_RETURNED_ATTRS,
            volattr: 0,
            dirattr: 0,
            fileattr: 0,
            forkattr: ATTR_CMNEXT_PRIVATESIZE,
        };
        let mut reply = Reply {
            length: 0,
            returned: [0; 5],
            private_size: 0,
        };
        // SAFETY: `list` and `reply` are live, correctly laid out buffers of the sizes given.
        let rc = unsafe {
            libc::fgetattrlist(
                fd.as_raw_fd(),
                (&mut list as *mut AttrList).cast(),
                (&mut reply as *mut Reply).cast(),
                std::mem::size_of::<Reply>(),
                FSOPT_ATTR_CMN_EXTENDED,
            )
        };
        if rc != 0 {
            return Err(std::io::Error::last_os_error());
        }
        let returned = reply.returned;
        if returned[4] & ATTR_CMNEXT_PRIVATESIZE == 0 {
            return Err(std::io::Error::other("no private size"));
        }
        let private = u64::try_from(reply.private_size).unwrap_or(0);
        let st = rustix::fs::fstat(fd)?;
        let allocated = u64::try_from(st.st_blocks).unwrap_or(0) * 512;
        Ok(allocated.saturating_sub(private))
    }
}

#[cfg(not(any(target_os = "linux", target_os = "macos")))]
mod imp {
    use std::path::Path;

    use super::Clones;

    pub(super) fn clones_of(_path: &Path) -> Clones {
        Clones::Impossible
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn magic_numbers() {
        assert_eq!(sharing_filesystem(0x9123_683e), Some("btrfs"));
        assert_eq!(sharing_filesystem(0x5846_5342), Some("xfs"));
        assert_eq!(sharing_filesystem(0xef53), None); // ext4
        assert_eq!(sharing_filesystem(0x0102_1994), None); // tmpfs
    }

    #[test]
    fn btrfs_max_inline_from_mountinfo() {
        let info = "46 27 0:40 / /mnt/b rw,relatime - btrfs /dev/loop0 rw,space_cache=v2,subvol=/\n\
                    48 27 0:42 / /mnt/c rw,relatime - btrfs /dev/loop2 rw,max_inline=0,subvol=/\n\
                    49 27 0:43 / /mnt/d rw - btrfs /dev/loop3 rw,max_inline=4k\n";
        assert_eq!(imp::max_inline_of(info, "0:40"), None);
        assert_eq!(imp::max_inline_of(info, "0:42"), Some(0));
        assert_eq!(imp::max_inline_of(info, "0:43"), Some(4096));
        assert_eq!(imp::max_inline_of(info, "9:9"), None);
    }

    #[test]
    fn a_fresh_file_shares_nothing() {
        use std::io::Write;
        use std::os::fd::AsFd;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let mut f = std::fs::File::create(&path).unwrap();
        f.write_all(&[7u8; 100_000]).unwrap();
        f.sync_all().unwrap();
        let f = std::fs::File::open(&path).unwrap();
        // Filesystems without FIEMAP (tmpfs, overlay on some kernels) count
        // the file as shared; every other one maps it as the file's own.
        match imp::shared_bytes(f.as_fd()) {
            Ok(shared) => assert_eq!(shared, 0),
            Err(e) => assert_eq!(shared_bytes(f.as_fd(), 4096), 4096, "{e}"),
        }
    }
}
