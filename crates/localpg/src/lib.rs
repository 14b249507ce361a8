//! A private PostgreSQL cluster with TLS, for `gatehouse demo` and the test kit.
//!
//! [`Cluster::ensure`] turns a directory into a running cluster, idempotently and safely from
//! several processes at once: it finds the server binaries, generates a CA and a server
//! certificate signed by it (ECDSA P-256, valid for `localhost` and `127.0.0.1`), runs `initdb`
//! with a generated SCRAM superuser password (as the `postgres` OS user when this process is
//! root), allows only `hostssl ... scram-sha-256` connections on 127.0.0.1 (no Unix socket, no
//! `local` or plain `host` line), and starts the server on a port chosen at init. The cluster
//! keeps running after this process ends so that the next one reuses it; [`Cluster::stop`]
//! stops it.
//!
//! This crate deliberately does not connect to the server (it hands out a URL), does not make
//! databases or roles, and is not meant for production data: durability is switched off
//! (`fsync = off`) for speed.

mod certs;
mod os;

use std::ffi::OsStr;
use std::fs;
use std::io::Read;
use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// The superuser `initdb` creates.
pub const SUPERUSER: &str = "postgres";

/// What goes wrong making or starting a cluster. Every message says what to do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No `initdb` / `pg_ctl` found.
    #[error(
        "PostgreSQL server binaries not found (initdb, pg_ctl): install the postgresql package \
         (apt-get install postgresql) or put its bin directory on PATH"
    )]
    BinariesNotFound,

    /// This process is root and there is no OS user to run the server as.
    #[error(
        "running as root, but there is no `{user}` OS user to run PostgreSQL as (initdb refuses \
         root): install the postgresql package, which creates it, or run as another user"
    )]
    ServerUserMissing {
        /// The user looked for.
        user: &'static str,
    },

    /// The server's OS user cannot reach the cluster directory.
    #[error(
        "the `{user}` OS user cannot reach {} (blocked at {}): choose a cluster directory \
         under a world-searchable one such as /tmp or /var/tmp",
        .dir.display(),
        .blocked_at.display()
    )]
    DirNotReachable {
        /// The cluster directory.
        dir: PathBuf,
        /// The first parent it cannot search.
        blocked_at: PathBuf,
        /// The server's OS user.
        user: &'static str,
    },

    /// A file system operation failed.
    #[error("{action} {}", .path.display())]
    Io {
        /// What was being done (`read`, `write`, `create`, `lock`…).
        action: &'static str,
        /// On which file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },

    /// A program could not be started.
    #[error("run {program}")]
    Spawn {
        /// The program.
        program: String,
        /// Why.
        source: std::io::Error,
    },

    /// A program ran and failed.
    #[error("{program} failed ({status}): {output}")]
    Command {
        /// The program.
        program: String,
        /// Its exit status.
        status: String,
        /// What it printed.
        output: String,
    },

    /// The server did not start.
    #[error(
        "start PostgreSQL in {}: {reason}; the end of its log ({}):\n{log_tail}",
        .data_dir.display(),
        .log_file.display()
    )]
    Start {
        /// The data directory.
        data_dir: PathBuf,
        /// What pg_ctl said.
        reason: String,
        /// The server log.
        log_file: PathBuf,
        /// Its last lines.
        log_tail: String,
    },

    /// Certificate generation failed.
    #[error("generate the cluster's certificates")]
    Certificate {
        /// The rcgen error.
        source: rcgen::Error,
    },

    /// The directory holds a cluster made with other options.
    #[error(
        "{} holds a cluster made with ssl = {found}, not {wanted}: use another directory or \
         delete this one",
        .dir.display()
    )]
    OptionsMismatch {
        /// The cluster directory.
        dir: PathBuf,
        /// The `ssl` setting it was made with.
        found: bool,
        /// The `ssl` setting asked for.
        wanted: bool,
    },

    /// A file of the cluster holds something unexpected.
    #[error("{} is damaged ({reason}): delete the cluster directory to start afresh", .path.display())]
    Damaged {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
}

/// How to make the cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// TLS on, and only `hostssl` lines in `pg_hba.conf` (the default). Off: plain `host` lines
    /// and no TLS at all, for the test proving that clients refuse such a server.
    pub ssl: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self { ssl: true }
    }
}

/// A running private cluster.
#[derive(Debug, Clone)]
pub struct Cluster {
    dir: PathBuf,
    ca_file: PathBuf,
    bindir: PathBuf,
    account: Option<os::Account>,
    port: u16,
    password: String,
    ssl: bool,
}

// File names inside the cluster directory.
const LOCK: &str = "cluster.lock";
const INITIALIZED: &str = "initialized";
const DATA: &str = "data";
const CA_CERT: &str = "ca.crt";
const SERVER_CERT: &str = "server.crt";
const SERVER_KEY: &str = "server.key";
const PASSWORD: &str = "superuser.password";
const PORT: &str = "port";
const SETTINGS: &str = "gatehouse.conf";
const LOG: &str = "server.log";

impl Cluster {
    /// Make `dir` a running cluster: create it if it holds none, start it if it is not running.
    ///
    /// Idempotent, and safe to call from several processes at once (a file lock in `dir`
    /// serializes them). Blocking: it runs `initdb` and `pg_ctl`, which take seconds; call it
    /// from `spawn_blocking` in async code.
    pub fn ensure(dir: &Path, options: &Options) -> Result<Cluster, Error> {
        let account = os::server_account()?;
        os::create_private_dir(dir, account)?;
        let dir = dir.canonicalize().map_err(|source| Error::Io {
            action: "resolve",
            path: dir.to_owned(),
            source,
        })?;
        os::check_reachable(&dir, account)?;

        let lock_path = dir.join(LOCK);
        let lock = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|source| Error::Io {
                action: "open",
                path: lock_path.clone(),
                source,
            })?;
        // std's advisory lock (flock): released when `lock` is dropped, also if we panic or die.
        lock.lock().map_err(|source| Error::Io {
            action: "lock",
            path: lock_path,
            source,
        })?;

        let bindir = os::find_bindir()?;
        let mut cluster = Cluster {
            ca_file: dir.join(CA_CERT),
            dir,
            bindir,
            account,
            port: 0,
            password: String::new(),
            ssl: options.ssl,
        };
        let marker = cluster.dir.join(INITIALIZED);
        match fs::read_to_string(&marker) {
            Ok(text) => {
                let found = text.trim() == "ssl=on";
                if found != options.ssl {
                    return Err(Error::OptionsMismatch {
                        dir: cluster.dir,
                        found,
                        wanted: options.ssl,
                    });
                }
            }
            Err(_) => {
                cluster.init()?;
                let flag = if options.ssl { "ssl=on\n" } else { "ssl=off\n" };
                os::write_file(&marker, flag, 0o600, account)?;
            }
        }
        cluster.password = read_trimmed(&cluster.dir.join(PASSWORD))?;
        let port_file = cluster.dir.join(PORT);
        let port = read_trimmed(&port_file)?;
        cluster.port = port.parse().map_err(|_| Error::Damaged {
            path: port_file,
            reason: format!("`{port}` is not a port"),
        })?;
        if !cluster.is_running()? {
            cluster.start()?;
        }
        drop(lock);
        Ok(cluster)
    }

    /// The TCP port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The PEM file of the CA that signed the server certificate.
    pub fn ca_file(&self) -> &Path {
        &self.ca_file
    }

    /// The cluster directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Whether the server speaks TLS.
    pub fn ssl(&self) -> bool {
        self.ssl
    }

    /// The superuser's name and password.
    pub fn superuser(&self) -> (&str, &str) {
        (SUPERUSER, &self.password)
    }

    /// A URL for the superuser on database `db`: host `localhost` (connecting to 127.0.0.1),
    /// `sslmode=verify-full`, `sslrootcert` the cluster's CA. It contains the password: never
    /// log it.
    pub fn url(&self, db: &str) -> String {
        const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
            .remove(b'-')
            .remove(b'_')
            .remove(b'.')
            .remove(b'~');
        const QUERY_VALUE: &AsciiSet = &COMPONENT.remove(b'/');
        let ca = &self.ca_file;
        format!(
            "postgres://{user}:{password}@localhost:{port}/{db}?sslmode=verify-full\
             &sslrootcert={ca}&hostaddr=127.0.0.1",
            user = SUPERUSER,
            password = utf8_percent_encode(&self.password, COMPONENT),
            port = self.port,
            db = utf8_percent_encode(db, COMPONENT),
            ca = utf8_percent_encode(&ca.to_string_lossy(), QUERY_VALUE),
        )
    }

    /// Stop the server (fast shutdown: sessions are ended).
    pub fn stop(&self) -> Result<(), Error> {
        if !self.is_running()? {
            return Ok(());
        }
        let data = self.dir.join(DATA);
        os::run(
            &self.bindir.join("pg_ctl"),
            &[
                OsStr::new("-D"),
                data.as_os_str(),
                OsStr::new("-m"),
                OsStr::new("fast"),
                OsStr::new("-w"),
                OsStr::new("stop"),
            ],
            self.account,
            &self.dir,
        )?;
        Ok(())
    }

    fn is_running(&self) -> Result<bool, Error> {
        let data = self.dir.join(DATA);
        if Path::new("/proc/self").exists() {
            return os::postmaster_running(&data);
        }
        // Without /proc, ask pg_ctl (exit status 0: running, 3: not running).
        Ok(os::run(
            &self.bindir.join("pg_ctl"),
            &[OsStr::new("-D"), data.as_os_str(), OsStr::new("status")],
            self.account,
            &self.dir,
        )
        .is_ok())
    }

    /// Create everything; the directory may hold the remains of an interrupted attempt.
    fn init(&mut self) -> Result<(), Error> {
        tracing::info!(dir = %self.dir.display(), ssl = self.ssl, "create a private PostgreSQL cluster");
        let data = self.dir.join(DATA);
        if data.exists() {
            fs::remove_dir_all(&data).map_err(|source| Error::Io {
                action: "remove the unfinished",
                path: data.clone(),
                source,
            })?;
        }

        let generated = certs::generate()?;
        os::write_file(
            &self.dir.join(CA_CERT),
            &generated.ca_cert,
            0o644,
            self.account,
        )?;
        os::write_file(
            &self.dir.join(SERVER_CERT),
            &generated.server_cert,
            0o644,
            self.account,
        )?;
        os::write_file(
            &self.dir.join(SERVER_KEY),
            &generated.server_key,
            0o600,
            self.account,
        )?;

        let password = random_hex(24)?;
        let password_file = self.dir.join(PASSWORD);
        os::write_file(
            &password_file,
            &format!("{password}\n"),
            0o600,
            self.account,
        )?;

        let pwfile_arg = format!("--pwfile={}", password_file.display());
        os::run(
            &self.bindir.join("initdb"),
            &[
                OsStr::new("-D"),
                data.as_os_str(),
                OsStr::new("--username"),
                OsStr::new(SUPERUSER),
                OsStr::new(&pwfile_arg),
                OsStr::new("--auth=scram-sha-256"),
                OsStr::new("--encoding=UTF8"),
                OsStr::new("--locale=C"),
                OsStr::new("--no-sync"),
            ],
            self.account,
            &self.dir,
        )?;

        self.port = free_port()?;
        os::write_file(
            &self.dir.join(PORT),
            &format!("{}\n", self.port),
            0o644,
            self.account,
        )?;
        self.write_settings()?;

        let conf = data.join("postgresql.conf");
        let mut text = fs::read_to_string(&conf).map_err(|source| Error::Io {
            action: "read",
            path: conf.clone(),
            source,
        })?;
        text.push_str("\n# Gatehouse's private cluster: the settings that matter live here.\n");
        text.push_str(&format!(
            "include '{}'\n",
            conf_quote(&self.dir.join(SETTINGS).to_string_lossy())
        ));
        os::write_file(&conf, &text, 0o600, self.account)?;

        let method = if self.ssl { "hostssl" } else { "host" };
        let hba = format!(
            "# Gatehouse's private cluster: TCP on loopback with SCRAM only, nothing else.\n\
             # TYPE  DATABASE  USER  ADDRESS       METHOD\n\
             {method} all all 127.0.0.1/32 scram-sha-256\n\
             {method} all all ::1/128 scram-sha-256\n"
        );
        os::write_file(&data.join("pg_hba.conf"), &hba, 0o600, self.account)?;
        Ok(())
    }

    /// Write `gatehouse.conf`, included from `postgresql.conf`.
    fn write_settings(&self) -> Result<(), Error> {
        let mut settings = format!(
            "listen_addresses = '127.0.0.1'\n\
             port = {port}\n\
             unix_socket_directories = ''\n\
             password_encryption = 'scram-sha-256'\n\
             max_connections = 200\n\
             shared_buffers = '32MB'\n\
             fsync = off\n\
             synchronous_commit = off\n\
             full_page_writes = off\n\
             logging_collector = off\n",
            port = self.port
        );
        if self.ssl {
            settings.push_str(&format!(
                "ssl = on\n\
                 ssl_cert_file = '{cert}'\n\
                 ssl_key_file = '{key}'\n\
                 ssl_min_protocol_version = 'TLSv1.2'\n",
                cert = conf_quote(&self.dir.join(SERVER_CERT).to_string_lossy()),
                key = conf_quote(&self.dir.join(SERVER_KEY).to_string_lossy()),
            ));
        } else {
            settings.push_str("ssl = off\n");
        }
        os::write_file(&self.dir.join(SETTINGS), &settings, 0o644, self.account)
    }

    fn start(&mut self) -> Result<(), Error> {
        if TcpListener::bind((Ipv4Addr::LOCALHOST, self.port)).is_err() {
            // Taken since init (after a reboot, say): move to a free port.
            let old = self.port;
            self.port = free_port()?;
            tracing::info!(old, new = self.port, "cluster port taken; moving");
            os::write_file(
                &self.dir.join(PORT),
                &format!("{}\n", self.port),
                0o644,
                self.account,
            )?;
            self.write_settings()?;
        }
        let data = self.dir.join(DATA);
        let log = self.dir.join(LOG);
        tracing::info!(dir = %self.dir.display(), port = self.port, "start the private PostgreSQL cluster");
        let started = os::run(
            &self.bindir.join("pg_ctl"),
            &[
                OsStr::new("-D"),
                data.as_os_str(),
                OsStr::new("-l"),
                log.as_os_str(),
                OsStr::new("-w"),
                OsStr::new("-t"),
                OsStr::new("60"),
                OsStr::new("start"),
            ],
            self.account,
            &self.dir,
        );
        match started {
            Ok(_) => Ok(()),
            Err(err) => Err(Error::Start {
                data_dir: data,
                reason: err.to_string(),
                log_tail: tail(&log, 20),
                log_file: log,
            }),
        }
    }
}

/// A port on 127.0.0.1 that nothing listens on right now.
fn free_port() -> Result<u16, Error> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).map_err(|source| Error::Io {
        action: "bind a free port on",
        path: PathBuf::from("127.0.0.1"),
        source,
    })?;
    let port = listener
        .local_addr()
        .map_err(|source| Error::Io {
            action: "read the address of",
            path: PathBuf::from("127.0.0.1"),
            source,
        })?
        .port();
    Ok(port)
}

/// `n` random bytes from the kernel, hex-encoded.
fn random_hex(n: usize) -> Result<String, Error> {
    let path = Path::new("/dev/urandom");
    let mut bytes = vec![0u8; n];
    fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut bytes))
        .map_err(|source| Error::Io {
            action: "read",
            path: path.to_owned(),
            source,
        })?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

fn read_trimmed(path: &Path) -> Result<String, Error> {
    fs::read_to_string(path)
        .map(|s| s.trim().to_owned())
        .map_err(|source| Error::Io {
            action: "read",
            path: path.to_owned(),
            source,
        })
}

/// The last `lines` lines of a file, or a note that it cannot be read.
fn tail(path: &Path, lines: usize) -> String {
    match fs::read_to_string(path) {
        Ok(text) => {
            let all: Vec<&str> = text.lines().collect();
            all[all.len().saturating_sub(lines)..].join("\n")
        }
        Err(err) => format!("(cannot read the log: {err})"),
    }
}

/// A value inside single quotes in `postgresql.conf`.
fn conf_quote(value: &str) -> String {
    value.replace('\\', "\\\\").replace('\'', "''")
}
