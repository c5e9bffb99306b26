//! A whole shop cluster on one machine, from real processes: a PostgreSQL of its own, Tansu
//! brokers sharing one storage, shop instances on both, and HAProxy in front on one port. The
//! cluster fault suite kills and restarts its members; `scripts/cluster.sh` runs one to use;
//! the benchmark measures checkouts through its balancer (P7).
//!
//! Tansu brokers keep no state of their own: every one answers for every partition from the
//! storage they share, so two brokers over one storage, behind one address (the balancer's, in
//! TCP mode: `cluster/haproxy.rs` says why), are a Kafka cluster in which either can die.
//! (Tansu's PostgreSQL storage needs PostgreSQL 16 or later; the machine has 15, so the brokers
//! share a SQLite file, which SQLite's locking makes safe for processes on one host.)
//!
//! The instances share the data directory too (uploaded pictures, the mail folder): on real
//! hosts that is a shared volume.

mod haproxy;
mod postgres;
mod process;

use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::process::Command;

pub use postgres::Postgres;
pub use process::Proc;
use process::{plain_env, wait_http_ok, wait_port};

/// What to start.
pub struct Spec {
    /// The `server` binary.
    pub server_bin: PathBuf,
    /// The site the instances serve (`LEPTOS_SITE_ROOT`); None leaves their default.
    pub site_root: Option<PathBuf>,
    pub tansu_bin: PathBuf,
    pub haproxy_bin: PathBuf,
    pub instances: usize,
    pub brokers: usize,
    /// The balancer's port; 0 picks a free one.
    pub port: u16,
    /// Everything lives here: PostgreSQL's data, the brokers' storage, the shared data
    /// directory, the configuration and one log per process.
    pub dir: PathBuf,
    /// Extra environment for the instances.
    pub env: Vec<(String, String)>,
}

impl Spec {
    /// A spec with the tools found where the project's scripts put them: `TANSU_BIN` (else the
    /// `shop-broker` cargo built beside `server_bin`, else `tansu` on PATH) and `HAPROXY_BIN`
    /// (else `haproxy` on PATH, else Debian's `/usr/sbin/haproxy`, which a user's PATH may lack).
    pub fn new(server_bin: PathBuf, dir: PathBuf, instances: usize, brokers: usize) -> Spec {
        let tool = |var: &str, name: &str| std::env::var_os(var).map(PathBuf::from).unwrap_or_else(|| PathBuf::from(name));
        let mut haproxy_bin = tool("HAPROXY_BIN", "haproxy");
        if which(&haproxy_bin).is_none() && Path::new("/usr/sbin/haproxy").is_file() {
            haproxy_bin = PathBuf::from("/usr/sbin/haproxy");
        }
        let beside = server_bin.with_file_name("shop-broker");
        let tansu_bin = std::env::var_os("TANSU_BIN").map(PathBuf::from).unwrap_or(if beside.is_file() { beside } else { PathBuf::from("tansu") });
        Spec { server_bin, site_root: None, tansu_bin, haproxy_bin, instances, brokers, port: 0, dir, env: Vec::new() }
    }
}

/// A member that can be killed and started again.
struct Member {
    port: u16,
    proc: Option<Proc>,
}

pub struct Cluster {
    spec: Spec,
    /// The balancer's address, `http://127.0.0.1:<port>`: what a shopper uses.
    pub base: String,
    pub postgres: Postgres,
    /// The port every broker advertises: the balancer's, in front of them.
    kafka_port: u16,
    brokers: Vec<Member>,
    instances: Vec<Member>,
    balancer: Option<Proc>,
}

fn free_port(taken: &[u16]) -> u16 {
    loop {
        let p = crate::free_port();
        if !taken.contains(&p) {
            return p;
        }
    }
}

impl Cluster {
    /// Starts PostgreSQL, the brokers, the instances one after another (the first applies the
    /// migrations), then the balancer, and waits until the balancer answers.
    pub async fn start(spec: Spec) -> Result<Cluster, String> {
        std::fs::create_dir_all(spec.dir.join("logs")).map_err(|e| format!("cannot create {}: {e}", spec.dir.display()))?;
        let spec = Spec { dir: std::fs::canonicalize(&spec.dir).map_err(|e| e.to_string())?, ..spec };
        for (bin, what) in [
            (&spec.tansu_bin, "TANSU_BIN (cargo build -p broker builds shop-broker)"),
            (&spec.haproxy_bin, "HAPROXY_BIN (Debian's haproxy package)"),
            (&spec.server_bin, "the server binary"),
        ] {
            if which(bin).is_none() {
                return Err(format!("{} not found: set {what}", bin.display()));
            }
        }
        let mut taken = vec![spec.port];
        let mut port = || {
            let p = free_port(&taken);
            taken.push(p);
            p
        };
        let pg_port = port();
        let broker_ports: Vec<u16> = (0..spec.brokers).map(|_| port()).collect();
        let instance_ports: Vec<u16> = (0..spec.instances).map(|_| port()).collect();
        let balancer_port = if spec.port == 0 { port() } else { spec.port };
        let kafka_port = port();

        let postgres = Postgres::start(&spec.dir.join("postgres"), pg_port).await?;
        let mut cluster = Cluster {
            base: format!("http://127.0.0.1:{balancer_port}"),
            postgres,
            kafka_port,
            brokers: broker_ports.into_iter().map(|port| Member { port, proc: None }).collect(),
            instances: instance_ports.into_iter().map(|port| Member { port, proc: None }).collect(),
            balancer: None,
            spec,
        };
        for i in 0..cluster.brokers.len() {
            cluster.start_broker(i).await?;
        }
        let cfg = cluster.spec.dir.join("haproxy.cfg");
        let instance_ports: Vec<u16> = cluster.instances.iter().map(|m| m.port).collect();
        let broker_ports: Vec<u16> = cluster.brokers.iter().map(|m| m.port).collect();
        std::fs::write(&cfg, haproxy::config(balancer_port, &instance_ports, kafka_port, &broker_ports)).map_err(|e| e.to_string())?;
        let mut cmd = Command::new(&cluster.spec.haproxy_bin);
        cmd.arg("-f").arg(&cfg).arg("-db");
        plain_env(&mut cmd);
        let mut proc = Proc::spawn("haproxy", cmd, &cluster.log("haproxy"))?;
        wait_port(&mut proc, kafka_port, Duration::from_secs(15)).await?;
        cluster.balancer = Some(proc);
        for i in 0..cluster.instances.len() {
            cluster.start_instance(i).await?;
        }
        let proc = cluster.balancer.as_mut().expect("the balancer");
        wait_http_ok(proc, &format!("{}/healthz", cluster.base), Duration::from_secs(15)).await?;
        Ok(cluster)
    }

    fn log(&self, name: &str) -> PathBuf {
        self.spec.dir.join("logs").join(format!("{name}.log"))
    }

    /// The Kafka cluster's address, as `KAFKA_BROKERS` takes it: the balancer in front of the
    /// brokers.
    pub fn kafka_brokers(&self) -> String {
        format!("127.0.0.1:{}", self.kafka_port)
    }

    /// The same, as a list of bootstrap addresses.
    pub fn broker_addrs(&self) -> Vec<String> {
        vec![self.kafka_brokers()]
    }

    /// `http://127.0.0.1:<port>` of instance `i`, bypassing the balancer.
    pub fn instance_base(&self, i: usize) -> String {
        format!("http://127.0.0.1:{}", self.instances[i].port)
    }

    pub fn instance_pid(&self, i: usize) -> Option<u32> {
        self.instances[i].proc.as_ref().and_then(Proc::pid)
    }

    pub fn dir(&self) -> &Path {
        &self.spec.dir
    }

    pub async fn start_broker(&mut self, i: usize) -> Result<(), String> {
        let dir = self.spec.dir.join("kafka");
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let listen = format!("tcp://127.0.0.1:{}", self.brokers[i].port);
        let advertised = format!("tcp://127.0.0.1:{}", self.kafka_port);
        let mut cmd = Command::new(&self.spec.tansu_bin);
        cmd.arg("broker")
            .args(["--listener-url", &listen, "--advertised-listener-url", &advertised])
            // Relative to the working directory: every broker opens the same file.
            .args(["--storage-engine", "sqlite://tansu.db"])
            .current_dir(&dir);
        plain_env(&mut cmd);
        cmd.env("RUST_LOG", std::env::var("TANSU_LOG").unwrap_or_else(|_| "warn".into()));
        let mut proc = Proc::spawn(&format!("broker-{}", i + 1), cmd, &self.log(&format!("broker-{}", i + 1)))?;
        wait_port(&mut proc, self.brokers[i].port, Duration::from_secs(15)).await?;
        self.brokers[i].proc = Some(proc);
        Ok(())
    }

    pub async fn start_instance(&mut self, i: usize) -> Result<(), String> {
        let port = self.instances[i].port;
        let data = self.spec.dir.join("data");
        let mut cmd = Command::new(&self.spec.server_bin);
        cmd.env("DATA_DIR", &data)
            .env("DATABASE_URL", self.postgres.shop_url())
            .env("KAFKA_BROKERS", self.kafka_brokers())
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            // The balancer's connections say whose they are (haproxy.rs).
            .env("TRUSTED_PROXIES", "127.0.0.1")
            .env_remove("EMBEDDED_BROKER_ADDR")
            .env_remove("LEPTOS_RELOAD_PORT")
            .envs(self.spec.env.iter().map(|(k, v)| (k, v)));
        if let Some(site) = &self.spec.site_root {
            cmd.env("LEPTOS_SITE_ROOT", site);
        }
        if std::env::var_os("RUST_LOG").is_none() {
            cmd.env("RUST_LOG", "warn");
        }
        let mut proc = Proc::spawn(&format!("shop-{}", i + 1), cmd, &self.log(&format!("shop-{}", i + 1)))?;
        wait_http_ok(&mut proc, &format!("http://127.0.0.1:{port}/readyz"), Duration::from_secs(90)).await?;
        self.instances[i].proc = Some(proc);
        Ok(())
    }

    /// SIGKILLs instance `i` (no shutdown of any kind: its connections just drop).
    pub async fn kill_instance(&mut self, i: usize) {
        if let Some(mut p) = self.instances[i].proc.take() {
            p.signal_and_wait(libc::SIGKILL).await;
        }
    }

    /// SIGKILLs broker `i`.
    pub async fn kill_broker(&mut self, i: usize) {
        if let Some(mut p) = self.brokers[i].proc.take() {
            p.signal_and_wait(libc::SIGKILL).await;
        }
    }

    /// Stops everything in the order that loses nothing: the instances (SIGTERM: they finish
    /// their requests and flush the outbox), the balancer, the brokers, then PostgreSQL.
    pub async fn stop(mut self) {
        let instances: Vec<Proc> = self.instances.iter_mut().filter_map(|m| m.proc.take()).collect();
        futures::future::join_all(instances.into_iter().map(|mut p| async move { p.signal_and_wait(libc::SIGTERM).await })).await;
        if let Some(mut p) = self.balancer.take() {
            p.signal_and_wait(libc::SIGTERM).await;
        }
        for b in &mut self.brokers {
            if let Some(mut p) = b.proc.take() {
                p.signal_and_wait(libc::SIGTERM).await;
            }
        }
        self.postgres.stop().await;
    }

    /// What each member says about itself: name, port, running or not.
    pub fn describe(&self) -> String {
        let mut lines = vec![format!("balancer   {}  (HAProxy)", self.base)];
        for (i, m) in self.instances.iter().enumerate() {
            lines.push(format!("shop-{}     http://127.0.0.1:{}", i + 1, m.port));
        }
        lines.push(format!("kafka      {}  (HAProxy, TCP)", self.kafka_brokers()));
        for (i, m) in self.brokers.iter().enumerate() {
            lines.push(format!("broker-{}   127.0.0.1:{}  (Tansu)", i + 1, m.port));
        }
        lines.push(format!("postgres   {}", self.postgres.shop_url()));
        lines.push(format!("logs       {}", self.spec.dir.join("logs").display()));
        lines.join("\n")
    }
}

/// The path a program name resolves to (itself if it holds a slash).
fn which(bin: &Path) -> Option<PathBuf> {
    if bin.components().count() > 1 {
        return bin.is_file().then(|| bin.to_owned());
    }
    std::env::var_os("PATH").and_then(|paths| std::env::split_paths(&paths).map(|d| d.join(bin)).find(|p| p.is_file()))
}
