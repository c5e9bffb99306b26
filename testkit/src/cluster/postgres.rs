//! The cluster's own PostgreSQL: a data directory made by `initdb` and a `postgres` process this
//! harness starts and stops, so the fault suite can restart the database the instances share
//! without touching the machine's PostgreSQL, which other tests use at the same time.
//!
//! PostgreSQL refuses to run as root: as root, the data directory is given to the `postgres`
//! user and both programs run as that user.

use std::path::{Path, PathBuf};
use std::time::Duration;

use sea_orm::{ConnectionTrait, Database};
use tokio::process::Command;

use super::process::{plain_env, Proc};

/// The superuser `initdb` creates, and the name of the shop's database.
const USER: &str = "shop";
const DATABASE: &str = "shop";

pub struct Postgres {
    bin: PathBuf,
    data: PathBuf,
    log: PathBuf,
    pub port: u16,
    owner: Option<(u32, u32)>,
    proc: Option<Proc>,
}

impl Postgres {
    /// Starts PostgreSQL on `dir/data` (made by `initdb` the first time) and creates the shop's
    /// database if it is missing.
    pub async fn start(dir: &Path, port: u16) -> Result<Postgres, String> {
        let bin = bin_dir()?;
        // SAFETY: geteuid has no preconditions and cannot fail.
        let root = unsafe { libc::geteuid() } == 0;
        let owner = if root { Some(postgres_user()?) } else { None };
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let data = dir.join("data");
        let log = dir.join("postgres.log");
        let mut pg = Postgres { bin, data, log, port, owner, proc: None };
        if !pg.data.join("PG_VERSION").is_file() {
            pg.initdb(dir).await?;
        }
        pg.start_again().await?;
        let admin = Database::connect(pg.url("postgres")).await.map_err(|e| format!("PostgreSQL on port {port}: {e}"))?;
        let exists = admin
            .query_one(sea_orm::Statement::from_string(admin.get_database_backend(), format!("SELECT 1 FROM pg_database WHERE datname = '{DATABASE}'")))
            .await
            .map_err(|e| e.to_string())?
            .is_some();
        if !exists {
            admin.execute_unprepared(&format!("CREATE DATABASE {DATABASE}")).await.map_err(|e| e.to_string())?;
        }
        admin.close().await.map_err(|e| e.to_string())?;
        Ok(pg)
    }

    /// The URL of database `db` as the superuser (trust authentication, loopback only).
    pub fn url(&self, db: &str) -> String {
        format!("postgres://{USER}@127.0.0.1:{}/{db}", self.port)
    }

    /// The URL the shop instances use.
    pub fn shop_url(&self) -> String {
        self.url(DATABASE)
    }

    async fn initdb(&self, dir: &Path) -> Result<(), String> {
        std::fs::create_dir_all(&self.data).map_err(|e| e.to_string())?;
        if let Some((uid, gid)) = self.owner {
            for d in [dir, &self.data] {
                std::os::unix::fs::chown(d, Some(uid), Some(gid)).map_err(|e| format!("cannot give {} to postgres: {e}", d.display()))?;
            }
        }
        let mut cmd = self.command("initdb");
        cmd.arg("-D").arg(&self.data).args(["-U", USER, "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync"]);
        let out = cmd.output().await.map_err(|e| format!("cannot run initdb: {e}"))?;
        if !out.status.success() {
            return Err(format!("initdb failed: {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)));
        }
        Ok(())
    }

    fn command(&self, program: &str) -> Command {
        let mut cmd = Command::new(self.bin.join(program));
        plain_env(&mut cmd);
        if let Some((uid, gid)) = self.owner {
            cmd.uid(uid).gid(gid);
        }
        cmd
    }

    /// Starts the server process on the existing data directory and waits until it accepts
    /// connections.
    pub async fn start_again(&mut self) -> Result<(), String> {
        let mut cmd = self.command("postgres");
        cmd.arg("-D").arg(&self.data).args(["-p", &self.port.to_string()]).args([
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            "unix_socket_directories=",
            "-c",
            "max_connections=300",
        ]);
        let mut proc = Proc::spawn("postgres", cmd, &self.log)?;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(db) = Database::connect(self.url("postgres")).await {
                let _ = db.close().await;
                break;
            }
            proc.check_running()?;
            if tokio::time::Instant::now() > deadline {
                return Err(format!("PostgreSQL did not accept connections within 60 s; the end of {}:\n{}", self.log.display(), proc.log_tail()));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.proc = Some(proc);
        Ok(())
    }

    /// A fast shutdown (SIGINT: open transactions roll back, connections close), waited for.
    pub async fn stop(&mut self) {
        if let Some(mut proc) = self.proc.take() {
            proc.signal_and_wait(libc::SIGINT).await;
        }
    }
}

/// The directory of PostgreSQL's server programs: `PG_BIN_DIR`, else the newest
/// `/usr/lib/postgresql/<version>/bin` (Debian's layout).
fn bin_dir() -> Result<PathBuf, String> {
    if let Some(dir) = std::env::var_os("PG_BIN_DIR") {
        return Ok(PathBuf::from(dir));
    }
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, bin)| bin).ok_or_else(|| {
        "no PostgreSQL server programs (initdb, postgres) under /usr/lib/postgresql/*/bin: install Debian's postgresql package, or set PG_BIN_DIR".into()
    })
}

/// The uid and gid of the `postgres` user, from /etc/passwd.
fn postgres_user() -> Result<(u32, u32), String> {
    let passwd = std::fs::read_to_string("/etc/passwd").map_err(|e| e.to_string())?;
    passwd
        .lines()
        .find_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            (f.first() == Some(&"postgres") && f.len() > 3).then(|| Some((f[2].parse().ok()?, f[3].parse().ok()?))).flatten()
        })
        .ok_or_else(|| "running as root, and there is no `postgres` user to run PostgreSQL as (Debian's postgresql package makes it)".into())
}
