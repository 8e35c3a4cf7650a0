//! A throwaway PostgreSQL cluster: `initdb` in a temporary directory, a server that listens on
//! a unix socket in that directory and on no TCP port, stopped when the guard is dropped (also
//! when a test panics). As root, initdb and the server run as the unprivileged `postgres`
//! user that Debian's package creates, on a directory that user owns.

use std::fs::File;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use postgres::{Client, NoTls};

/// Where to look for server binaries when `FORECAST_PG_BIN` is not set.
const DEBIAN_BIN_GLOB: &str = "/usr/lib/postgresql/<major>/bin";

/// The socket's port number (it only names the socket file: nothing listens on TCP).
const PORT: u16 = 5432;

/// Settings for a fast, quiet, deterministic throwaway server.
const SETTINGS: &[&str] = &[
    // No TCP listener at all: clients connect over the unix socket only.
    "listen_addresses=",
    "fsync=off",
    "synchronous_commit=off",
    "full_page_writes=off",
    // No background vacuum or analyze adding locks and scans to the measurements.
    "autovacuum=off",
    // Every scan happens in the measured backend, not in parallel workers.
    "max_parallel_maintenance_workers=0",
    "max_parallel_workers_per_gather=0",
    "TimeZone=UTC",
    "lc_messages=C",
    "log_min_messages=warning",
    "max_connections=40",
    // A safety net: a statement stuck on a lock fails the suite instead of hanging it.
    "statement_timeout=60s",
];

/// The directory holding `initdb`, `postgres` and `pg_ctl`: `$FORECAST_PG_BIN`, else the
/// newest `/usr/lib/postgresql/<major>/bin` that has `initdb`.
pub fn find_bin() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("FORECAST_PG_BIN").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .filter_map(|e| {
            let major: u32 = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").is_file().then_some((major, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, bin)| bin)
}

/// What `find_bin` looks at, for the skip message.
pub fn search_description() -> String {
    format!("`$FORECAST_PG_BIN` or {DEBIAN_BIN_GLOB}/initdb")
}

/// A running throwaway server. Dropping it stops the server and removes its files.
pub struct Server {
    child: Option<Child>,
    socket_dir: PathBuf,
    run_as: Option<(u32, u32)>,
    /// `server_version`, e.g. `15.18 (Debian 15.18-0+deb12u1)`.
    pub version: String,
    /// `server_version_num / 10000`.
    pub major: u32,
    // Dropped last, after the server has stopped.
    dir: tempfile::TempDir,
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// uid and gid of the `postgres` user.
fn postgres_user() -> Result<(u32, u32), String> {
    let name = c"postgres";
    // SAFETY: `name` is a valid C string; the returned record is read at once, before any
    // other call that could overwrite it, and only its plain integer fields are copied.
    let pw = unsafe { libc::getpwnam(name.as_ptr()) };
    if pw.is_null() {
        return Err(
            "running as root, but there is no `postgres` user to run the server as \
             (Debian's `postgresql` package creates it)"
                .into(),
        );
    }
    // SAFETY: checked non-null above.
    let (uid, gid) = unsafe { ((*pw).pw_uid, (*pw).pw_gid) };
    Ok((uid, gid))
}

impl Server {
    /// `initdb` a new cluster in a temporary directory and start a server on it.
    pub fn start(bin: &Path) -> Result<Server, String> {
        let run_as = if is_root() {
            Some(postgres_user()?)
        } else {
            None
        };
        let dir = tempfile::Builder::new()
            .prefix("forecast-pg-")
            .tempdir()
            .map_err(|e| format!("cannot create a temporary directory: {e}"))?;
        if let Some((uid, gid)) = run_as {
            std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid))
                .map_err(|e| format!("cannot give {} to `postgres`: {e}", dir.path().display()))?;
        }
        let data = dir.path().join("data");
        let out = command(&bin.join("initdb"), run_as, dir.path())
            .arg("-D")
            .arg(&data)
            .args([
                "--username=postgres",
                "--auth=trust",
                "--no-sync",
                "--encoding=UTF8",
                "--locale=C",
            ])
            .output()
            .map_err(|e| format!("cannot run {}: {e}", bin.join("initdb").display()))?;
        if !out.status.success() {
            return Err(format!(
                "initdb failed ({}):\n{}{}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        let log_path = dir.path().join("server.log");
        let log = File::create(&log_path).map_err(|e| format!("cannot create the log: {e}"))?;
        let log2 = log
            .try_clone()
            .map_err(|e| format!("cannot open the log: {e}"))?;
        let mut cmd = command(&bin.join("postgres"), run_as, dir.path());
        cmd.arg("-D").arg(&data);
        cmd.arg("-c")
            .arg(format!("unix_socket_directories={}", dir.path().display()));
        cmd.arg("-c").arg(format!("port={PORT}"));
        for s in SETTINGS {
            cmd.arg("-c").arg(s);
        }
        let child = cmd
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log2)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", bin.join("postgres").display()))?;
        let mut server = Server {
            child: Some(child),
            socket_dir: dir.path().to_path_buf(),
            run_as,
            version: String::new(),
            major: 0,
            dir,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut client = loop {
            match server.connect("postgres") {
                Ok(c) => break c,
                Err(e) => {
                    let exited = server
                        .child
                        .as_mut()
                        .and_then(|c| c.try_wait().ok().flatten());
                    if exited.is_some() || Instant::now() > deadline {
                        let log = std::fs::read_to_string(&log_path).unwrap_or_default();
                        return Err(format!("the server did not start ({e}):\n{log}"));
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
            }
        };
        let row = client
            .query_one(
                "SELECT current_setting('server_version'), \
                 current_setting('server_version_num')::int",
                &[],
            )
            .map_err(|e| e.to_string())?;
        server.version = row.get(0);
        server.major = (row.get::<_, i32>(1) / 10000) as u32;
        Ok(server)
    }

    /// A new connection to `db` over the unix socket.
    pub fn connect(&self, db: &str) -> Result<Client, postgres::Error> {
        postgres::Config::new()
            .host_path(&self.socket_dir)
            .port(PORT)
            .user("postgres")
            .dbname(db)
            .application_name("forecast-tests")
            .connect(NoTls)
    }

    /// TCP sockets the server listens on (`host:port`, hex as in `/proc/net/tcp`), found by
    /// matching the postmaster's open sockets against the kernel's tables; `None` when
    /// `/proc` cannot tell.
    pub fn tcp_listeners(&self) -> Option<Vec<String>> {
        let pid = self.child.as_ref()?.id();
        let mut inodes = Vec::new();
        for fd in std::fs::read_dir(format!("/proc/{pid}/fd")).ok()?.flatten() {
            let target = std::fs::read_link(fd.path()).ok()?;
            let target = target.to_string_lossy();
            if let Some(inode) = target
                .strip_prefix("socket:[")
                .and_then(|t| t.strip_suffix(']'))
            {
                inodes.push(inode.to_string());
            }
        }
        let mut listening = Vec::new();
        for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
            let Ok(text) = std::fs::read_to_string(table) else {
                continue;
            };
            for line in text.lines().skip(1) {
                let f: Vec<&str> = line.split_whitespace().collect();
                // local_address, state (0A = LISTEN), inode
                if f.len() > 9 && f[3] == "0A" && inodes.iter().any(|i| i == f[9]) {
                    listening.push(f[1].to_string());
                }
            }
        }
        Some(listening)
    }

    /// A new directory the server can write to (for a tablespace).
    pub fn make_dir(&self, name: &str) -> Result<PathBuf, String> {
        let path = self.dir.path().join(name);
        std::fs::create_dir_all(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        if let Some((uid, gid)) = self.run_as {
            std::os::unix::fs::chown(&path, Some(uid), Some(gid))
                .map_err(|e| format!("{}: {e}", path.display()))?;
        }
        Ok(path)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        // Fast shutdown: the postmaster ends every session and exits.
        if let Ok(pid) = i32::try_from(child.id()) {
            // SAFETY: plain signal to our own child process.
            unsafe {
                libc::kill(pid, libc::SIGINT);
            }
        }
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
    }
}

fn command(program: &Path, run_as: Option<(u32, u32)>, cwd: &Path) -> Command {
    let mut cmd = Command::new(program);
    cmd.current_dir(cwd).env("TZ", "UTC").env("LC_ALL", "C");
    if let Some((uid, gid)) = run_as {
        cmd.uid(uid).gid(gid);
    }
    cmd
}
