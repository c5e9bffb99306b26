//! `bench`: measures the figures of BENCHMARKS.md against a release build of the server and
//! prints one table.
//!
//! ```sh
//! scripts/bench.sh            # builds the release site + server, then runs this
//! scripts/bench.sh --quick    # smaller numbers, for a quick look
//! ```
//!
//! The server runs as a child process (its own data directory, SQLite file and Tansu broker on
//! free loopback ports); this process is the load: HTTP checkouts and live clients, all on
//! 127.0.0.0/8. Everything shares the machine's cores with the server, as it would on a 2-core
//! box serving real browsers, so the figures are conservative.

mod client;
mod figures;
mod readers;
mod server;
mod stats;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use server::{Paths, Server};

#[derive(Clone)]
struct Scale {
    p1_sockets: usize,
    p1_rate: u32,
    p1_seconds: u64,
    p2_levels: Vec<usize>,
    p2_seconds: u64,
    p7_levels: Vec<usize>,
    /// P1 across instances: one instance takes every checkout, with the whole cluster on the
    /// machine's two cores, so it runs below P1's rate (at 200/s the queue grows without bound).
    p7_p1_rate: u32,
    p3_levels: Vec<usize>,
    p4_sockets: usize,
    p4_events: usize,
    p6_requests: usize,
    p9_rounds: usize,
    p10_orders: u32,
    p10_requests: usize,
    p10_seconds: u64,
}

impl Scale {
    fn full() -> Scale {
        Scale {
            p1_sockets: 1000,
            p1_rate: 200,
            p1_seconds: 10,
            p2_levels: vec![1, 4, 16, 64],
            p2_seconds: 5,
            p7_levels: vec![16, 64],
            p7_p1_rate: 100,
            p3_levels: vec![1000, 5000, 20_000],
            p4_sockets: 10_000,
            p4_events: 20,
            p6_requests: 500,
            p9_rounds: 20,
            p10_orders: 200_000,
            p10_requests: 200,
            p10_seconds: 10,
        }
    }
    fn quick() -> Scale {
        Scale {
            p1_sockets: 100,
            p1_rate: 50,
            p1_seconds: 3,
            p2_levels: vec![1, 16],
            p2_seconds: 2,
            p7_levels: vec![16],
            p7_p1_rate: 50,
            p3_levels: vec![1000],
            p4_sockets: 1000,
            p4_events: 5,
            p6_requests: 100,
            p9_rounds: 3,
            p10_orders: 20_000,
            p10_requests: 50,
            p10_seconds: 3,
        }
    }
}

struct Row {
    figure: &'static str,
    goal: &'static str,
    measured: String,
    met: Option<bool>,
}

fn usage() -> ! {
    eprintln!(
        "usage: bench [--quick] [--only P1,P1-SSE,P2,…,P7,P10] [--server PATH] [--site DIR]\n\
         \x20 --server  release server binary (default: `server` next to this binary)\n\
         \x20 --site    site root with pkg/, as the site builder writes it (default: target/site)"
    );
    std::process::exit(2);
}

#[tokio::main]
async fn main() {
    let mut scale = Scale::full();
    let mut only: Option<Vec<String>> = None;
    let exe_dir = std::env::current_exe().ok().and_then(|p| p.parent().map(PathBuf::from)).unwrap_or_default();
    let mut server_bin = exe_dir.join("server");
    let mut site_root = PathBuf::from("target/site");
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--quick" => scale = Scale::quick(),
            "--only" => only = Some(args.next().unwrap_or_else(|| usage()).split(',').map(|s| s.trim().to_uppercase()).collect()),
            "--server" => server_bin = PathBuf::from(args.next().unwrap_or_else(|| usage())),
            "--site" => site_root = PathBuf::from(args.next().unwrap_or_else(|| usage())),
            _ => usage(),
        }
    }
    let wants = |p: &str| only.as_ref().is_none_or(|o| o.iter().any(|x| x == p));
    if !server_bin.is_file() {
        eprintln!("bench: no server binary at {} (scripts/bench.sh builds it)", server_bin.display());
        std::process::exit(2);
    }
    if !site_root.join("pkg").is_dir() {
        eprintln!("bench: no {}/pkg (scripts/bench.sh builds the site)", site_root.display());
        std::process::exit(2);
    }
    let fd_limit = server::raise_fd_limit(100_000);
    let data_dir = std::env::temp_dir().join(format!("shop-bench-{}", ulid::Ulid::new()));
    std::fs::create_dir_all(&data_dir).expect("bench data dir");
    let paths = Paths { server_bin, site_root: std::fs::canonicalize(&site_root).unwrap_or(site_root), data_dir: data_dir.clone() };
    eprintln!("bench: data in {}, open-file limit {fd_limit}", data_dir.display());

    // Plenty of stock: the benchmark measures the pipeline, not running out.
    server::prepare_db(&data_dir, &["UPDATE products SET stock = 10000000".into()]).await.unwrap_or_else(|e| fail(&e));
    let mut rows = Vec::new();

    let srv = Server::start(&paths).await.unwrap_or_else(|e| fail(&e));
    let addr: SocketAddr = srv.base.trim_start_matches("http://").parse().expect("server address");
    let http = client::http_client();
    if wants("P5") {
        rows.push(figures::p5::first_load(&http, &srv).await);
    }
    if wants("P9") {
        rows.push(figures::p9::click_to_paint(&srv.base, scale.p9_rounds).await);
    }
    if wants("P2") {
        rows.push(figures::p2::throughput(&http, &srv, &scale).await);
        drain_outbox(&srv).await;
    }
    use figures::Channel::{Sse, WebSocket};
    if wants("P1") {
        rows.push(figures::p1::latency(&http, &srv.base, addr, &scale, WebSocket, false).await);
        drain_outbox(&srv).await;
    }
    if wants("P1-SSE") {
        rows.push(figures::p1::latency(&http, &srv.base, addr, &scale, Sse, false).await);
        drain_outbox(&srv).await;
    }
    if wants("P4") {
        rows.push(figures::p4::fan_out(&http, &srv, addr, &scale, WebSocket).await);
    }
    if wants("P4-SSE") {
        rows.push(figures::p4::fan_out(&http, &srv, addr, &scale, Sse).await);
    }
    srv.stop().await;

    if wants("P3") {
        // A fresh process, so its memory holds nothing from the other phases.
        let srv = Server::start(&paths).await.unwrap_or_else(|e| fail(&e));
        rows.push(figures::p3::idle_sockets(&http, &srv, &scale, fd_limit).await);
        srv.stop().await;
    }
    if wants("P6") {
        let extra: Vec<String> = (1..=87)
            .map(|i| {
                format!(
                    "INSERT INTO products (id, name, description, category, price_cents, stock, image, created_at) \
                     VALUES ('bench-product-{i}', 'Bench Product {i}', 'A product added by the benchmark to fill the grid to one hundred.', \
                     'Bench', {}, {}, '/images/ridge-mug.svg', {})",
                    1000 + i * 37,
                    i % 7,
                    1_764_028_800_000i64 + i
                )
            })
            .collect();
        server::prepare_db(&data_dir, &extra).await.unwrap_or_else(|e| fail(&e));
        let srv = Server::start(&paths).await.unwrap_or_else(|e| fail(&e));
        rows.push(figures::p6::render(&http, &srv, &scale).await);
        srv.stop().await;
    }

    if wants("P7") {
        rows.extend(figures::p7::cluster(&http, &paths, &scale).await);
    }
    if wants("P10") {
        let now_ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or_default();
        server::prepare_db(&data_dir, &figures::p10::seed(scale.p10_orders, now_ms)).await.unwrap_or_else(|e| fail(&e));
        let srv = Server::start(&paths).await.unwrap_or_else(|e| fail(&e));
        let addr: SocketAddr = srv.base.trim_start_matches("http://").parse().expect("server address");
        rows.extend(figures::p10::busy_day(&http, &srv, addr, &scale).await);
        srv.stop().await;
    }

    print_table(&rows);
    let _ = std::fs::remove_dir_all(&data_dir);
}

fn fail(e: &str) -> ! {
    eprintln!("bench: {e}");
    std::process::exit(1);
}

fn print_table(rows: &[Row]) {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| c.lines().find_map(|l| l.strip_prefix("model name").map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned())))
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    println!();
    println!("machine: {cores} cores, {cpu}; server and load on the same machine (loopback)");
    println!();
    println!("| figure | goal | measured | |");
    println!("|---|---|---|---|");
    for r in rows {
        let verdict = match r.met {
            Some(true) => "met",
            Some(false) => "MISSED",
            None => "-",
        };
        println!("| {} | {} | {} | {} |", r.figure, r.goal, r.measured, verdict);
    }
}

/// Waits until the relay has published everything (so one phase's backlog does not slow the next).
async fn drain_outbox(srv: &Server) {
    for _ in 0..600 {
        if srv.metric("shop_outbox_backlog").await == Some(0.0) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    eprintln!("bench: the outbox did not drain within 60 s");
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_quick_scale_is_smaller() {
        let (q, f) = (super::Scale::quick(), super::Scale::full());
        assert!(q.p1_sockets < f.p1_sockets && q.p4_sockets < f.p4_sockets);
        assert_eq!(f.p3_levels.last(), Some(&20_000));
    }
}
