//! Which filesystem a path lives on: device id, mount point, filesystem type.

use std::path::{Path, PathBuf};

use serde::Serialize;

/// Facts about the filesystem holding a path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FsFacts {
    /// The path asked about.
    #[serde(serialize_with = "crate::engine::json::ser_path")]
    pub path: PathBuf,
    /// The path examined: `path` itself, or its nearest existing ancestor.
    #[serde(serialize_with = "crate::engine::json::ser_path")]
    pub examined: PathBuf,
    /// Whether `path` exists.
    pub exists: bool,
    /// The device id (`st_dev`), as `major:minor`.
    pub device: Option<String>,
    /// The raw device id.
    #[serde(skip)]
    pub dev: Option<u64>,
    /// The mount point (from `/proc/self/mountinfo`).
    #[serde(serialize_with = "crate::engine::json::ser_opt_path")]
    pub mount_point: Option<PathBuf>,
    /// What is mounted there (`/dev/vda`, `tmpfs`, `server:/export`).
    pub mount_source: Option<String>,
    /// The filesystem type: the mount table's name when known (`ext4`, `nfs4`), else the name of
    /// the `statfs` magic number.
    pub fs_type: Option<String>,
    /// The `statfs` magic number (`f_type`), in hex.
    pub statfs_magic: Option<String>,
}

impl FsFacts {
    /// Whether the filesystem is reached over a network or a VM share (locks and links are
    /// often limited there).
    pub fn is_network(&self) -> bool {
        self.fs_type.as_deref().is_some_and(|t| {
            matches!(
                t,
                "nfs" | "nfs4" | "9p" | "cifs" | "smb3" | "smb2" | "ceph" | "afs" | "virtiofs"
            ) || t.starts_with("fuse.sshfs")
        })
    }

    /// Whether the filesystem lives in memory (lost at reboot).
    pub fn is_memory(&self) -> bool {
        matches!(self.fs_type.as_deref(), Some("tmpfs" | "ramfs"))
    }
}

/// Whether two paths are on the same filesystem (same device id); `None` if either is unknown.
pub fn same_device(a: &FsFacts, b: &FsFacts) -> Option<bool> {
    Some(a.dev? == b.dev?)
}

/// Looks up the filesystem of `path` (or of its nearest existing ancestor).
pub fn filesystem(path: &Path) -> FsFacts {
    let exists = path.symlink_metadata().is_ok();
    let examined = path
        .ancestors()
        .find(|p| p.exists())
        .unwrap_or(Path::new("/"))
        .to_path_buf();
    let canonical = examined.canonicalize().unwrap_or_else(|_| examined.clone());
    let dev = device_of(&canonical);
    let mount = mount_of(&canonical, dev);
    let magic = statfs_magic(&canonical);
    let fs_type = mount
        .as_ref()
        .map(|m| m.fs_type.clone())
        .or_else(|| magic.and_then(magic_name).map(str::to_string));
    FsFacts {
        path: path.to_path_buf(),
        examined,
        exists,
        device: dev.map(device_label),
        dev,
        mount_point: mount.as_ref().map(|m| m.mount_point.clone()),
        mount_source: mount.map(|m| m.source),
        fs_type,
        statfs_magic: magic.map(|m| format!("{m:#x}")),
    }
}

#[cfg(unix)]
fn device_of(path: &Path) -> Option<u64> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| m.dev())
}

#[cfg(not(unix))]
fn device_of(_: &Path) -> Option<u64> {
    None
}

/// `major:minor` of a Linux device id (glibc's encoding of `dev_t`).
#[cfg(any(target_os = "linux", target_os = "android"))]
fn device_label(dev: u64) -> String {
    let major = ((dev >> 32) & 0xffff_f000) | ((dev >> 8) & 0xfff);
    let minor = ((dev >> 12) & 0xffff_ff00) | (dev & 0xff);
    format!("{major}:{minor}")
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn device_label(dev: u64) -> String {
    dev.to_string()
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn statfs_magic(path: &Path) -> Option<u64> {
    // Magic numbers are 32-bit; `f_type` is signed on some architectures.
    rustix::fs::statfs(path)
        .ok()
        .map(|s| (s.f_type as u64) & 0xFFFF_FFFF)
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn statfs_magic(_: &Path) -> Option<u64> {
    None
}

/// The name of a Linux `statfs` magic number.
pub fn magic_name(magic: u64) -> Option<&'static str> {
    Some(match magic {
        0xEF53 => "ext2/ext3/ext4",
        0x9123_683E => "btrfs",
        0x5846_5342 => "xfs",
        0x0102_1994 => "tmpfs",
        0x8584_58F6 => "ramfs",
        0x794C_7630 => "overlay",
        0x6969 => "nfs",
        0x0102_1997 => "9p",
        0x2FC1_2FC1 => "zfs",
        0x6573_5546 => "fuse",
        0xFF53_4D42 => "cifs",
        0xFE53_4D42 => "smb2",
        0x0000_517B => "smb",
        0x00C3_6400 => "ceph",
        0xF2F5_2010 => "f2fs",
        0xCA45_1A4E => "bcachefs",
        0x7371_7368 => "squashfs",
        0x4D44 => "vfat",
        0x2011_BAB0 => "exfat",
        0x5346_544E => "ntfs",
        0x6A65_6A63 => "virtiofs",
        0x6165_6673 => "afs",
        _ => return None,
    })
}

/// One line of `/proc/self/mountinfo`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    /// `major:minor` of the mounted device.
    pub device: String,
    /// Where it is mounted.
    pub mount_point: PathBuf,
    /// The filesystem type (`ext4`, `tmpfs`, `nfs4`).
    pub fs_type: String,
    /// What is mounted (`/dev/vda`, `tmpfs`, `server:/export`).
    pub source: String,
}

/// Parses `/proc/self/mountinfo` text (mount points unescaped: `\040` is a space).
pub fn parse_mountinfo(text: &str) -> Vec<Mount> {
    text.lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split(' ').collect();
            let sep = fields.iter().position(|f| *f == "-")?;
            Some(Mount {
                device: fields.get(2)?.to_string(),
                mount_point: PathBuf::from(unescape(fields.get(4)?)),
                fs_type: fields.get(sep + 1)?.to_string(),
                source: unescape(fields.get(sep + 2)?),
            })
        })
        .collect()
}

/// Decodes the octal escapes (`\040`, `\011`, `\012`, `\134`) of the mount table.
fn unescape(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let octal = (bytes[i] == b'\\')
            .then(|| s.get(i + 1..i + 4))
            .flatten()
            .and_then(|o| u8::from_str_radix(o, 8).ok());
        match octal {
            Some(b) => {
                out.push(b);
                i += 4;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The mount holding `path` (canonical): the longest mount point that contains it, preferring
/// mounts of its device; the last of stacked mounts on one point is the visible one.
fn mount_of(path: &Path, dev: Option<u64>) -> Option<Mount> {
    let text = std::fs::read_to_string("/proc/self/mountinfo").ok()?;
    pick_mount(
        &parse_mountinfo(&text),
        path,
        dev.map(device_label).as_deref(),
    )
}

/// Chooses the mount of `path` among `mounts`: the longest mount point containing it,
/// preferring mounts of `device`; the last of stacked mounts on one point is the visible one.
pub fn pick_mount(mounts: &[Mount], path: &Path, device: Option<&str>) -> Option<Mount> {
    let mut best: Option<&Mount> = None;
    for m in mounts.iter().filter(|m| path.starts_with(&m.mount_point)) {
        let better = match best {
            None => true,
            Some(b) => {
                let (len, best_len) = (depth(&m.mount_point), depth(&b.mount_point));
                let dev_match = Some(m.device.as_str()) == device;
                let best_dev_match = Some(b.device.as_str()) == device;
                len > best_len || (len == best_len && (dev_match || !best_dev_match))
            }
        };
        if better {
            best = Some(m);
        }
    }
    best.cloned()
}

fn depth(p: &Path) -> usize {
    p.components().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    const MOUNTINFO: &str = "\
27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard
25 24 0:23 / /dev/shm rw,relatime - tmpfs tmpfs rw,size=24731700k
30 25 0:27 / /dev/shm rw,relatime - tmpfs tmpfs rw,size=24731700k
40 27 0:50 / /mnt/my\\040data rw shared:5 - nfs4 server:/export rw,vers=4.2
";

    #[test]
    fn parses_and_picks_the_visible_mount() {
        let mounts = parse_mountinfo(MOUNTINFO);
        assert_eq!(mounts.len(), 4);
        assert_eq!(mounts[3].mount_point, PathBuf::from("/mnt/my data"));
        assert_eq!(mounts[3].fs_type, "nfs4");
        assert_eq!(mounts[3].source, "server:/export");
        let m = pick_mount(&mounts, Path::new("/dev/shm/x"), Some("0:27")).unwrap();
        assert_eq!((m.device.as_str(), m.fs_type.as_str()), ("0:27", "tmpfs"));
        let m = pick_mount(&mounts, Path::new("/dev/shm/x"), None).unwrap();
        assert_eq!(m.device, "0:27", "the last stacked mount is visible");
        let m = pick_mount(&mounts, Path::new("/mnt/my data/c"), None).unwrap();
        assert!(
            FsFacts {
                path: PathBuf::new(),
                examined: PathBuf::new(),
                exists: true,
                device: None,
                dev: None,
                mount_point: Some(m.mount_point),
                mount_source: Some(m.source),
                fs_type: Some(m.fs_type),
                statfs_magic: None,
            }
            .is_network()
        );
        let m = pick_mount(&mounts, Path::new("/home/u"), Some("254:0")).unwrap();
        assert_eq!(m.fs_type, "ext4");
    }

    #[test]
    fn names_magic_numbers() {
        assert_eq!(magic_name(0x0102_1994), Some("tmpfs"));
        assert_eq!(magic_name(0x794C_7630), Some("overlay"));
        assert_eq!(magic_name(1), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn looks_up_the_root_filesystem() {
        let f = filesystem(Path::new("/"));
        assert!(f.exists && f.dev.is_some() && f.fs_type.is_some(), "{f:?}");
        let missing = filesystem(Path::new("/nonexistent/deeper"));
        assert!(!missing.exists);
        assert_eq!(missing.examined, PathBuf::from("/"));
    }
}
