//! Operating-system plumbing: who runs the server, the server binaries, running them, file
//! ownership and modes. No `unsafe`: the uid comes from `/proc/self`, users from `/etc/passwd`.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::Error;

/// The OS user PostgreSQL runs as when this process is root (`initdb` and `postgres` refuse
/// root).
pub(crate) const SERVER_OS_USER: &str = "postgres";

/// An OS account to run the server binaries as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Account {
    pub(crate) uid: u32,
    pub(crate) gid: u32,
}

/// `None` when this process may run the server itself; the `postgres` account when it is root.
pub(crate) fn server_account() -> Result<Option<Account>, Error> {
    if current_uid()? != 0 {
        return Ok(None);
    }
    let passwd = fs::read_to_string("/etc/passwd").map_err(|source| Error::Io {
        action: "read",
        path: PathBuf::from("/etc/passwd"),
        source,
    })?;
    for line in passwd.lines() {
        let fields: Vec<&str> = line.split(':').collect();
        if fields.len() >= 4
            && fields[0] == SERVER_OS_USER
            && let (Ok(uid), Ok(gid)) = (fields[2].parse(), fields[3].parse())
        {
            return Ok(Some(Account { uid, gid }));
        }
    }
    Err(Error::ServerUserMissing {
        user: SERVER_OS_USER,
    })
}

/// The effective uid of this process: the owner of `/proc/self`, else `id -u`.
fn current_uid() -> Result<u32, Error> {
    if let Ok(meta) = fs::metadata("/proc/self") {
        return Ok(meta.uid());
    }
    let output = Command::new("id")
        .arg("-u")
        .output()
        .map_err(|source| Error::Spawn {
            program: "id".into(),
            source,
        })?;
    String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .map_err(|_| Error::Command {
            program: "id -u".into(),
            status: output.status.to_string(),
            output: String::from_utf8_lossy(&output.stderr).into_owned(),
        })
}

/// The directory holding `initdb`, `pg_ctl` and `postgres`: `pg_config --bindir`, else the
/// newest `/usr/lib/postgresql/*/bin`, else whatever `PATH` finds.
pub(crate) fn find_bindir() -> Result<PathBuf, Error> {
    let has_tools = |dir: &Path| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file();
    if let Ok(output) = Command::new("pg_config").arg("--bindir").output()
        && output.status.success()
    {
        let dir = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
        if has_tools(&dir) {
            return Ok(dir);
        }
    }
    if let Ok(entries) = fs::read_dir("/usr/lib/postgresql") {
        let mut versions: Vec<(u32, PathBuf)> = entries
            .filter_map(Result::ok)
            .filter_map(|e| {
                let version = e.file_name().to_str()?.parse::<u32>().ok()?;
                let bin = e.path().join("bin");
                has_tools(&bin).then_some((version, bin))
            })
            .collect();
        versions.sort();
        if let Some((_, dir)) = versions.pop() {
            return Ok(dir);
        }
    }
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            if has_tools(&dir) {
                return Ok(dir);
            }
        }
    }
    Err(Error::BinariesNotFound)
}

/// Run a program, as `account` if given, in `cwd`; fail with its output unless it succeeds.
pub(crate) fn run(
    program: &Path,
    args: &[&std::ffi::OsStr],
    account: Option<Account>,
    cwd: &Path,
) -> Result<Output, Error> {
    let mut command = Command::new(program);
    command.args(args).current_dir(cwd).env("LC_ALL", "C");
    if let Some(account) = account {
        // std drops the supplementary groups when root changes uid.
        command.uid(account.uid).gid(account.gid);
    }
    let name = program.file_name().map_or_else(
        || program.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let output = command.output().map_err(|source| Error::Spawn {
        program: name.clone(),
        source,
    })?;
    if output.status.success() {
        Ok(output)
    } else {
        let mut text = String::from_utf8_lossy(&output.stderr).into_owned();
        text.push_str(&String::from_utf8_lossy(&output.stdout));
        Err(Error::Command {
            program: name,
            status: output.status.to_string(),
            output: text.trim().to_owned(),
        })
    }
}

/// Write a file with the given mode (created or truncated), owned by `account` if given.
pub(crate) fn write_file(
    path: &Path,
    contents: &str,
    mode: u32,
    account: Option<Account>,
) -> Result<(), Error> {
    let io = |source| Error::Io {
        action: "write",
        path: path.to_owned(),
        source,
    };
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(mode)
        .open(path)
        .map_err(io)?;
    file.write_all(contents.as_bytes()).map_err(io)?;
    // `mode` only applies on creation (and through the umask): set it outright.
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).map_err(io)?;
    chown(path, account)
}

/// Give `path` to `account` (no-op without one).
pub(crate) fn chown(path: &Path, account: Option<Account>) -> Result<(), Error> {
    if let Some(account) = account {
        std::os::unix::fs::chown(path, Some(account.uid), Some(account.gid)).map_err(|source| {
            Error::Io {
                action: "change the owner of",
                path: path.to_owned(),
                source,
            }
        })?;
    }
    Ok(())
}

/// Create `dir` (mode 0700) owned by `account`.
pub(crate) fn create_private_dir(dir: &Path, account: Option<Account>) -> Result<(), Error> {
    let io = |source| Error::Io {
        action: "create",
        path: dir.to_owned(),
        source,
    };
    fs::create_dir_all(dir).map_err(io)?;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700)).map_err(io)?;
    chown(dir, account)
}

/// Check that `account` can reach `dir` (every parent searchable by it).
pub(crate) fn check_reachable(dir: &Path, account: Option<Account>) -> Result<(), Error> {
    let Some(account) = account else {
        return Ok(());
    };
    for ancestor in dir.ancestors().skip(1) {
        let Ok(meta) = fs::metadata(ancestor) else {
            continue;
        };
        let mode = meta.mode();
        let searchable = if meta.uid() == account.uid {
            mode & 0o100 != 0
        } else if meta.gid() == account.gid {
            mode & 0o010 != 0
        } else {
            mode & 0o001 != 0
        };
        if !searchable {
            return Err(Error::DirNotReachable {
                dir: dir.to_owned(),
                blocked_at: ancestor.to_owned(),
                user: SERVER_OS_USER,
            });
        }
    }
    Ok(())
}

/// Whether the PostgreSQL whose pid is in `postmaster.pid` is alive. A file left by a server
/// that died (or from before a reboot, its pid now another process's) is removed.
pub(crate) fn postmaster_running(data_dir: &Path) -> Result<bool, Error> {
    let pid_file = data_dir.join("postmaster.pid");
    let Ok(contents) = fs::read_to_string(&pid_file) else {
        return Ok(false);
    };
    let pid = contents.lines().next().unwrap_or("").trim();
    let alive = !pid.is_empty()
        && fs::read_to_string(format!("/proc/{pid}/comm"))
            .is_ok_and(|comm| matches!(comm.trim(), "postgres" | "postmaster"));
    if alive {
        return Ok(true);
    }
    if Path::new("/proc/self").exists() {
        tracing::info!(pid_file = %pid_file.display(), "remove a stale postmaster.pid");
        fs::remove_file(&pid_file).map_err(|source| Error::Io {
            action: "remove",
            path: pid_file,
            source,
        })?;
        Ok(false)
    } else {
        // No /proc to tell: let pg_ctl decide when it starts.
        Ok(false)
    }
}
