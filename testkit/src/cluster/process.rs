//! Starting and stopping the cluster's processes: each is a direct child with its output in its
//! own log file, dies with this process (kill on drop, and the parent-death signal for a
//! SIGKILLed parent), and is waited for until it answers, or its log tells why it did not.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::net::TcpStream;
use tokio::process::{Child, Command};

/// One running member of the cluster: its child process and the log it writes.
pub struct Proc {
    pub name: String,
    pub log: PathBuf,
    child: Child,
}

impl Proc {
    /// Starts `cmd` with stdout and stderr appended to `log`.
    pub fn spawn(name: &str, mut cmd: Command, log: &Path) -> Result<Proc, String> {
        let file = std::fs::OpenOptions::new().create(true).append(true).open(log).map_err(|e| format!("{name}: cannot open {}: {e}", log.display()))?;
        cmd.stdin(Stdio::null()).stdout(file.try_clone().map_err(|e| e.to_string())?).stderr(file).kill_on_drop(true);
        // SAFETY: prctl is async-signal-safe; this runs in the forked child before exec.
        unsafe {
            cmd.pre_exec(|| {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = cmd.spawn().map_err(|e| format!("{name}: cannot start: {e}"))?;
        Ok(Proc { name: name.to_owned(), log: log.to_owned(), child })
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// Sends `signal` and waits for the process to exit (SIGKILL after 20 s).
    pub async fn signal_and_wait(&mut self, signal: i32) {
        if let Some(pid) = self.child.id() {
            // SAFETY: signalling a child this process started and has not yet reaped.
            unsafe {
                libc::kill(pid as i32, signal);
            }
        }
        if tokio::time::timeout(Duration::from_secs(20), self.child.wait()).await.is_err() {
            let _ = self.child.kill().await;
        }
    }

    /// The last lines of its log, for an error message.
    pub fn log_tail(&self) -> String {
        log_tail(&self.log, 20)
    }

    /// Fails with the log's tail if the process has exited.
    pub fn check_running(&mut self) -> Result<(), String> {
        match self.child.try_wait() {
            Ok(Some(status)) => Err(format!("{} exited ({status}); the end of {}:\n{}", self.name, self.log.display(), self.log_tail())),
            _ => Ok(()),
        }
    }
}

pub fn log_tail(log: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// Waits until `port` on loopback accepts connections.
pub async fn wait_port(proc: &mut Proc, port: u16, wait: Duration) -> Result<(), String> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        if TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return Ok(());
        }
        proc.check_running()?;
        if tokio::time::Instant::now() > deadline {
            return Err(format!("{} did not listen on port {port} within {wait:?}; the end of {}:\n{}", proc.name, proc.log.display(), proc.log_tail()));
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Waits until `url` answers 200.
pub async fn wait_http_ok(proc: &mut Proc, url: &str, wait: Duration) -> Result<(), String> {
    let http = reqwest::Client::builder().timeout(Duration::from_secs(2)).build().map_err(|e| e.to_string())?;
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        if let Ok(r) = http.get(url).send().await {
            if r.status() == 200 {
                return Ok(());
            }
        }
        proc.check_running()?;
        if tokio::time::Instant::now() > deadline {
            return Err(format!("{} did not answer 200 at {url} within {wait:?}; the end of {}:\n{}", proc.name, proc.log.display(), proc.log_tail()));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The environment a helper process gets when it must not see ours (passwords, tokens): only
/// what a process needs to run.
pub fn plain_env(cmd: &mut Command) {
    cmd.env_clear().envs(std::env::vars_os().filter(|(k, _)| ["PATH", "HOME", "LANG", "TZ"].iter().any(|keep| k == keep)));
}
