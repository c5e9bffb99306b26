//! The server under test: a release `server` binary run as a child process with its own data
//! directory, SQLite file and embedded Tansu broker on free loopback ports, so a benchmark never
//! touches a running shop. Being a separate process also makes its RSS measurable on its own.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use sea_orm::{ConnectionTrait, DatabaseConnection};
use tokio::process::{Child, Command};

pub const STAFF_EMAIL: &str = "bench-staff@example.test";
pub const STAFF_PASSWORD: &str = "bench-staff-password";
/// What the benchmarked server's `/metrics` asks for.
pub const METRICS_TOKEN: &str = "bench-metrics-token-0123456789";

pub struct Paths {
    pub server_bin: PathBuf,
    pub site_root: PathBuf,
    pub data_dir: PathBuf,
}

pub struct Server {
    child: Child,
    pub base: String,
    pub pid: u32,
}

pub fn database_url(data_dir: &Path) -> String {
    format!("sqlite://{}?mode=rwc", data_dir.join("shop.db").display())
}

/// Migrates (and seeds) the benchmark's database before the server starts, then applies `prep`.
pub async fn prepare_db(data_dir: &Path, prep: &[String]) -> Result<(), String> {
    let db: DatabaseConnection = backend::db::connect_and_migrate(&database_url(data_dir), 2).await.map_err(|e| e.to_string())?;
    for sql in prep {
        db.execute_unprepared(sql).await.map_err(|e| format!("{sql}: {e}"))?;
    }
    db.close().await.map_err(|e| e.to_string())
}

/// What every benchmarked server process is configured with, one alone or a cluster's instance.
pub fn server_env() -> Vec<(String, String)> {
    [
        ("APP_ENV", "production"),
        ("BCRYPT_COST", "4"),
        // The benchmark holds as many sockets as the open-file limit allows, thousands of them
        // for one staff account: the caps that protect a public shop stay out of its way.
        ("MAX_CONNECTIONS", "1000000"),
        ("MAX_CONNECTIONS_PER_IP", "1000000"),
        ("WS_PER_USER", "1000000"),
        ("METRICS_TOKEN", METRICS_TOKEN),
        ("ADMIN_EMAIL", STAFF_EMAIL),
        ("ADMIN_PASSWORD", STAFF_PASSWORD),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .chain([("RUST_LOG".to_owned(), std::env::var("BENCH_SERVER_LOG").unwrap_or_else(|_| "warn".into()))])
    .collect()
}

impl Server {
    pub async fn start(paths: &Paths) -> Result<Server, String> {
        let port = testkit::free_port();
        let broker_port = testkit::free_port();
        let log = std::fs::File::create(paths.data_dir.join("server.log")).map_err(|e| e.to_string())?;
        let mut cmd = Command::new(&paths.server_bin);
        cmd.env("DATA_DIR", &paths.data_dir)
            .env("DATABASE_URL", database_url(&paths.data_dir))
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            .env("LEPTOS_SITE_ROOT", &paths.site_root)
            .env("EMBEDDED_BROKER_ADDR", format!("127.0.0.1:{broker_port}"))
            .envs(server_env())
            .env_remove("KAFKA_BROKERS")
            .env_remove("LEPTOS_RELOAD_PORT")
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log)
            .kill_on_drop(true);
        let child = cmd.spawn().map_err(|e| format!("cannot start {}: {e}", paths.server_bin.display()))?;
        let pid = child.id().ok_or("server exited at once")?;
        let server = Server { child, base: format!("http://127.0.0.1:{port}"), pid };
        server.wait_ready(&paths.data_dir).await?;
        Ok(server)
    }

    async fn wait_ready(&self, data_dir: &Path) -> Result<(), String> {
        let http = reqwest::Client::new();
        for _ in 0..600 {
            if let Ok(r) = http.get(format!("{}/readyz", self.base)).send().await {
                if r.status() == 200 {
                    return Ok(());
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let log = std::fs::read_to_string(data_dir.join("server.log")).unwrap_or_default();
        Err(format!("the server never became ready at {}; its log:\n{log}", self.base))
    }

    /// Resident set size of the server process (not its broker), in KiB.
    pub fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid)).unwrap_or_default();
        status.lines().find_map(|l| l.strip_prefix("VmRSS:")).and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok()).unwrap_or(0)
    }

    /// A figure from `/metrics`.
    pub async fn metric(&self, name: &str) -> Option<f64> {
        let r = reqwest::Client::new().get(format!("{}/metrics", self.base)).bearer_auth(METRICS_TOKEN).send().await.ok()?;
        let text = r.text().await.ok()?;
        text.lines().find_map(|l| l.strip_prefix(name).and_then(|rest| rest.trim().parse().ok()))
    }

    /// SIGTERM, then waits (the server stops its broker on the way out).
    pub async fn stop(mut self) {
        // SAFETY: signalling the child this process started.
        unsafe {
            libc::kill(self.pid as i32, libc::SIGTERM);
        }
        if tokio::time::timeout(Duration::from_secs(15), self.child.wait()).await.is_err() {
            let _ = self.child.kill().await;
        }
    }
}

/// Raises this process's open-file limit (the server child inherits it) so that tens of
/// thousands of sockets fit. Returns the soft limit in force afterwards.
pub fn raise_fd_limit(wanted: u64) -> u64 {
    let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: plain libc calls on a stack value.
    unsafe {
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim);
        let mut want = libc::rlimit { rlim_cur: wanted, rlim_max: lim.rlim_max.max(wanted) };
        if libc::setrlimit(libc::RLIMIT_NOFILE, &want) != 0 {
            // Not allowed to raise the hard limit: take what the hard limit gives.
            want = libc::rlimit { rlim_cur: lim.rlim_max, rlim_max: lim.rlim_max };
            libc::setrlimit(libc::RLIMIT_NOFILE, &want);
        }
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim);
    }
    lim.rlim_cur
}
