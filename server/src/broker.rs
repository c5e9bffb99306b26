//! The embedded Kafka-protocol broker: Tansu, run as a child process when `KAFKA_BROKERS` is
//! not set, so `scripts/run.sh` gives a complete shop with nothing else to start.
//!
//! Storage is Tansu's SQLite engine under `<DATA_DIR>/broker/`, so records and offsets survive
//! restarts. The child is asked to die with us (`PR_SET_PDEATHSIG`) and is stopped on graceful
//! shutdown; if it crashes while we run, it is started again after a short pause.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::process::{Child, Command};
use tokio::sync::watch;

pub struct EmbeddedBroker {
    pub addr: SocketAddr,
    bin: PathBuf,
    dir: PathBuf,
    child: Mutex<Option<Child>>,
    pid: Mutex<Option<u32>>,
}

impl EmbeddedBroker {
    /// Starts Tansu and waits until it accepts connections.
    pub async fn start(bin: &Path, addr: SocketAddr, data_dir: &Path) -> Result<Arc<EmbeddedBroker>, String> {
        let dir = data_dir.join("broker");
        std::fs::create_dir_all(&dir).map_err(|e| format!("DATA_DIR: cannot create {}: {e}", dir.display()))?;
        wait_port_free(addr).await?;
        let broker = Arc::new(EmbeddedBroker { addr, bin: bin.to_owned(), dir, child: Mutex::new(None), pid: Mutex::new(None) });
        broker.spawn_child().await?;
        Ok(broker)
    }

    async fn spawn_child(&self) -> Result<(), String> {
        let log = std::fs::OpenOptions::new().create(true).append(true).open(self.dir.join("tansu.log")).map_err(|e| format!("cannot open broker log: {e}"))?;
        let url = format!("tcp://{}", self.addr);
        let mut cmd = Command::new(&self.bin);
        cmd.arg("broker")
            .arg("--listener-url")
            .arg(&url)
            .arg("--advertised-listener-url")
            .arg(&url)
            .arg("--storage-engine")
            .arg("sqlite://tansu.db")
            .current_dir(&self.dir)
            // The broker gets none of the server's environment (DATABASE_URL with its password,
            // ADMIN_PASSWORD, METRICS_TOKEN...): only what a process needs to run.
            .env_clear()
            .envs(std::env::vars_os().filter(|(k, _)| ["PATH", "HOME", "LANG", "TZ"].iter().any(|keep| k == keep)))
            .env("RUST_LOG", std::env::var("TANSU_LOG").unwrap_or_else(|_| "warn".into()))
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log)
            .kill_on_drop(true);
        #[cfg(target_os = "linux")]
        // SAFETY: prctl is async-signal-safe; this runs in the forked child before exec.
        unsafe {
            cmd.pre_exec(|| {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let mut child = cmd.spawn().map_err(|e| format!("TANSU_BIN: cannot start {}: {e}", self.bin.display()))?;
        let pid = child.id();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        loop {
            if TcpStream::connect(self.addr).await.is_ok() {
                break;
            }
            if let Ok(Some(status)) = child.try_wait() {
                return Err(format!("the broker exited at start ({status}); see {}", self.dir.join("tansu.log").display()));
            }
            if tokio::time::Instant::now() > deadline {
                let _ = child.kill().await;
                return Err(format!("the broker did not listen on {} within 15 s; see {}", self.addr, self.dir.join("tansu.log").display()));
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        tracing::info!(addr = %self.addr, pid, "embedded Kafka-protocol broker (Tansu) started");
        *self.pid.lock().expect("broker lock") = pid;
        *self.child.lock().expect("broker lock") = Some(child);
        Ok(())
    }

    /// Starts the broker again after it was stopped (tests use this after killing it by PID).
    pub async fn start_again(&self) -> Result<(), String> {
        self.child.lock().expect("broker lock").take();
        wait_port_free(self.addr).await?;
        self.spawn_child().await
    }

    pub fn pid(&self) -> Option<u32> {
        *self.pid.lock().expect("broker lock")
    }

    /// "running (pid N)", or how the broker process ended ("exited: signal: 15 (SIGTERM)"):
    /// for messages that explain a failure.
    pub fn state(&self) -> String {
        let mut child = self.child.lock().expect("broker lock");
        match child.as_mut().map(|c| (c.id(), c.try_wait())) {
            None => "not running (stopped)".to_owned(),
            Some((pid, Ok(None))) => format!("running (pid {})", pid.unwrap_or_default()),
            Some((_, Ok(Some(status)))) => format!("exited: {status}; its log: {}", self.dir.join("tansu.log").display()),
            Some((_, Err(e))) => format!("unknown ({e})"),
        }
    }

    /// Restarts the broker whenever it exits on its own, until `shutdown` fires.
    pub async fn supervise(self: Arc<Self>, mut shutdown: watch::Receiver<bool>) {
        loop {
            let exited = async {
                loop {
                    let status = self.child.lock().expect("broker lock").as_mut().and_then(|c| c.try_wait().ok().flatten());
                    if let Some(s) = status {
                        return s;
                    }
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            };
            tokio::select! {
                status = exited => {
                    tracing::error!(%status, "embedded broker exited; restarting it in 1 s");
                    self.child.lock().expect("broker lock").take();
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    if *shutdown.borrow() { return; }
                    if let Err(e) = self.spawn_child().await {
                        tracing::error!(error = %e, "restarting the embedded broker failed; retrying");
                    }
                }
                _ = shutdown.changed() => return,
            }
        }
    }

    /// SIGTERM, then SIGKILL after 5 s.
    pub async fn stop(&self) {
        let child = self.child.lock().expect("broker lock").take();
        if let Some(mut child) = child {
            if let Some(pid) = child.id() {
                // SAFETY: sending a signal to our own child process.
                unsafe {
                    libc::kill(pid as i32, libc::SIGTERM);
                }
            }
            if tokio::time::timeout(Duration::from_secs(5), child.wait()).await.is_err() {
                let _ = child.kill().await;
            }
            tracing::info!("embedded broker stopped");
        }
    }
}

/// A previous broker may still be letting go of the port: wait a little before giving up.
async fn wait_port_free(addr: SocketAddr) -> Result<(), String> {
    for _ in 0..30 {
        match TcpListener::bind(addr).await {
            Ok(l) => {
                drop(l);
                return Ok(());
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    Err(format!("EMBEDDED_BROKER_ADDR: port {} on {} is already in use (another broker or shop running? set KAFKA_BROKERS to use it)", addr.port(), addr.ip()))
}
