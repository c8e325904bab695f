//! Filesystems made in loop files, for tests of what uvcache says about disk space on btrfs,
//! XFS (clones) and ext4 (hard links). They need root and Debian's btrfs-progs, xfsprogs and
//! e2fsprogs (`.ci/run` installs them); without them a test fails and says why.

use std::path::PathBuf;
use std::process::Command;

const MIB: u64 = 1024 * 1024;

/// A filesystem in a loop file, mounted on a temporary directory; unmounted when dropped.
pub struct LoopFs {
    /// Where it is mounted.
    pub mount: PathBuf,
    kind: &'static str,
    _dir: tempfile::TempDir,
}

impl LoopFs {
    /// Makes and mounts a `kind` filesystem (`btrfs`, `xfs` with reflinks, else `ext4`) of
    /// 384 MiB; fails the test, saying what is missing, when it cannot.
    pub fn new(kind: &'static str) -> LoopFs {
        let dir = tempfile::tempdir().unwrap();
        let image = dir.path().join("fs.img");
        let mount = dir.path().join("mnt");
        std::fs::create_dir(&mount).unwrap();
        let file = std::fs::File::create(&image).unwrap();
        file.set_len(384 * MIB).unwrap();
        drop(file);
        let (mkfs, args): (&str, &[&str]) = match kind {
            "btrfs" => ("mkfs.btrfs", &["-q"]),
            "xfs" => ("mkfs.xfs", &["-q", "-m", "reflink=1"]),
            _ => ("mkfs.ext4", &["-q", "-F"]),
        };
        run_checked(
            Command::new(tool(mkfs)).args(args).arg(&image),
            &format!(
                "making a {kind} filesystem needs `{mkfs}` (Debian: btrfs-progs, xfsprogs, e2fsprogs)"
            ),
        );
        run_checked(
            Command::new(tool("mount"))
                .args(["-o", "loop"])
                .arg(&image)
                .arg(&mount),
            "mounting a loop filesystem needs root and a loop device",
        );
        LoopFs {
            mount,
            kind,
            _dir: dir,
        }
    }

    /// Bytes in use, once everything is written out and freed: filesystems free the blocks of
    /// unlinked files in the background (XFS' inode inactivation, btrfs' transaction commit),
    /// so this syncs and reads until two readings agree.
    pub fn used(&self) -> u64 {
        let read = || {
            run_checked(&mut Command::new("sync"), "sync");
            if self.kind == "btrfs" {
                run_checked(
                    Command::new(tool("btrfs"))
                        .args(["filesystem", "sync"])
                        .arg(&self.mount),
                    "btrfs filesystem sync",
                );
            }
            let st = rustix::fs::statvfs(&self.mount).unwrap();
            (st.f_blocks - st.f_bfree) * st.f_frsize
        };
        let mut last = read();
        for _ in 0..50 {
            std::thread::sleep(std::time::Duration::from_millis(100));
            let now = read();
            if now == last {
                return now;
            }
            last = now;
        }
        last
    }
}

impl Drop for LoopFs {
    fn drop(&mut self) {
        let _ = Command::new(tool("umount"))
            .arg("-l")
            .arg(&self.mount)
            .status();
    }
}

/// A system tool by name: from `PATH`, else from the sbin directories (where Debian puts
/// `mkfs.*`, which a non-login `PATH` may lack).
pub fn tool(name: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/sbin", "/usr/bin", "/bin"].map(PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
        .unwrap_or_else(|| PathBuf::from(name))
}

pub fn run_checked(cmd: &mut Command, what: &str) {
    match cmd.output() {
        Ok(out) if out.status.success() => {}
        Ok(out) => panic!(
            "{what}: `{cmd:?}` failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(e) => panic!("{what}: cannot run `{cmd:?}`: {e}"),
    }
}
