//! `cluster`: the shop as a cluster on this machine, to use and to break by hand. Started by
//! `scripts/cluster.sh`, which builds the release server and site first.
//!
//! ```text
//! cluster [--port 3000] [--instances 3] [--brokers 2] [--dir data/cluster] [--server PATH] [--site DIR]
//! ```
//!
//! Everything it starts lives under `--dir` (PostgreSQL's data, the brokers' storage, the shared
//! data directory, one log per process), so a second start finds the same shop. Ctrl-C or
//! SIGTERM stops every process it started.

use std::path::PathBuf;

use testkit::cluster::{Cluster, Spec};

fn usage() -> ! {
    eprintln!("usage: cluster [--port N] [--instances N] [--brokers N] [--dir DIR] [--server PATH] [--site DIR]");
    std::process::exit(2);
}

#[tokio::main]
async fn main() {
    let exe_dir = std::env::current_exe().ok().and_then(|p| p.parent().map(PathBuf::from)).unwrap_or_default();
    let mut spec = Spec::new(exe_dir.join("server"), PathBuf::from("data/cluster"), 3, 2);
    spec.port = 3000;
    spec.site_root = Some(PathBuf::from("target/site"));
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| usage());
        match a.as_str() {
            "--port" => spec.port = value().parse().unwrap_or_else(|_| usage()),
            "--instances" => spec.instances = value().parse().ok().filter(|n| (1..=16).contains(n)).unwrap_or_else(|| usage()),
            "--brokers" => spec.brokers = value().parse().ok().filter(|n| (1..=8).contains(n)).unwrap_or_else(|| usage()),
            "--dir" => spec.dir = PathBuf::from(value()),
            "--server" => spec.server_bin = PathBuf::from(value()),
            "--site" => spec.site_root = Some(PathBuf::from(value())),
            _ => usage(),
        }
    }
    if let Some(site) = spec.site_root.take() {
        spec.site_root = Some(std::fs::canonicalize(&site).unwrap_or(site));
    }
    eprintln!("cluster: starting PostgreSQL, {} brokers, {} shop instances and HAProxy under {}", spec.brokers, spec.instances, spec.dir.display());
    let cluster = match Cluster::start(spec).await {
        Ok(c) => c,
        Err(e) => {
            eprintln!("cluster: {e}");
            std::process::exit(1);
        }
    };
    eprintln!("\n{}\n\nPulse Shop (cluster) is up at {}. Ctrl-C stops all of it.", cluster.describe(), cluster.base);
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("SIGTERM handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
    eprintln!("cluster: stopping");
    cluster.stop().await;
}
