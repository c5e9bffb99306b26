//! `bench`: measures the figures of BENCHMARKS.md against a release build of the server and
//! prints one table.
//!
//! ```sh
//! scripts/bench.sh            # builds the release site + server, then runs this
//! scripts/bench.sh --quick    # smaller numbers, for a quick look
//! ```
//!
//! The server runs as a child process (its own data directory, SQLite file and Tansu broker on
//! free loopback ports); this process is the load: HTTP checkouts and WebSocket clients, all on
//! 127.0.0.0/8. Everything shares the machine's cores with the server, as it would on a 2-core
//! box serving real browsers, so the figures are conservative.

mod client;
mod p9;
mod readers;
mod server;
mod stats;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::task::JoinSet;

use readers::{Arrivals, Readers};
use server::{Paths, Server};
use stats::{ms, Samples};

struct Scale {
    p1_sockets: usize,
    p1_rate: u32,
    p1_seconds: u64,
    p2_levels: Vec<usize>,
    p2_seconds: u64,
    p3_levels: Vec<usize>,
    p4_sockets: usize,
    p4_events: usize,
    p6_requests: usize,
    p9_rounds: usize,
}

impl Scale {
    fn full() -> Scale {
        Scale {
            p1_sockets: 1000,
            p1_rate: 200,
            p1_seconds: 10,
            p2_levels: vec![1, 4, 16, 64],
            p2_seconds: 5,
            p3_levels: vec![1000, 5000, 20_000],
            p4_sockets: 10_000,
            p4_events: 20,
            p6_requests: 500,
            p9_rounds: 20,
        }
    }
    fn quick() -> Scale {
        Scale {
            p1_sockets: 100,
            p1_rate: 50,
            p1_seconds: 3,
            p2_levels: vec![1, 16],
            p2_seconds: 2,
            p3_levels: vec![1000],
            p4_sockets: 1000,
            p4_events: 5,
            p6_requests: 100,
            p9_rounds: 3,
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
        "usage: bench [--quick] [--only P1,P2,…] [--server PATH] [--site DIR]\n\
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
        rows.push(p5_first_load(&http, &srv).await);
    }
    if wants("P9") {
        rows.push(p9::click_to_paint(&srv.base, scale.p9_rounds).await);
    }
    if wants("P2") {
        rows.push(p2_throughput(&http, &srv, &scale).await);
        drain_outbox(&srv).await;
    }
    if wants("P1") {
        rows.push(p1_latency(&http, &srv, addr, &scale).await);
        drain_outbox(&srv).await;
    }
    if wants("P4") {
        rows.push(p4_fan_out(&http, &srv, addr, &scale).await);
    }
    srv.stop().await;

    if wants("P3") {
        // A fresh process, so its memory holds nothing from the other phases.
        let srv = Server::start(&paths).await.unwrap_or_else(|e| fail(&e));
        rows.push(p3_idle_sockets(&http, &srv, &scale, fd_limit).await);
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
        rows.push(p6_render(&http, &srv, &scale).await);
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

// ---------------------------------------------------------------------------------------------
// P5: first-load transfer of /products, compressed as a browser would receive it.

async fn p5_first_load(http: &reqwest::Client, srv: &Server) -> Row {
    // reqwest is built without decompression: byte counts are what went over the wire.
    let get = |path: String| async move {
        let r = http.get(format!("{}{path}", srv.base)).header("accept-encoding", "br, gzip").send().await.map_err(|e| e.to_string())?;
        let encoding = r.headers().get("content-encoding").and_then(|v| v.to_str().ok()).unwrap_or("identity").to_owned();
        let bytes = r.bytes().await.map_err(|e| e.to_string())?;
        Ok::<_, String>((bytes, encoding))
    };
    let (html, enc) = match get("/products".into()).await {
        Ok(v) => v,
        Err(e) => return Row { figure: "P5 first load of /products", goal: "≤ 200 KB", measured: format!("failed: {e}"), met: Some(false) },
    };
    // The page's own assets: everything under /pkg/ it links (JS, WASM, CSS). The HTML is
    // compressed, so ask for it plain to find the links.
    let plain = http.get(format!("{}/products", srv.base)).send().await.ok();
    let plain = match plain {
        Some(r) => r.text().await.unwrap_or_default(),
        None => String::new(),
    };
    let mut assets: Vec<String> = Vec::new();
    for piece in plain.split(['"', '\'']) {
        // A file, not the directory itself (the retry script names "/pkg/").
        if piece.starts_with("/pkg/") && !piece.ends_with('/') && !assets.iter().any(|a| a == piece) {
            assets.push(piece.to_owned());
        }
    }
    let mut parts = vec![format!("html {} B ({enc})", html.len())];
    let mut total = html.len();
    // Walks the list as it grows: a JS module's static imports (with `--split`, the main JS
    // imports the chunk loader `__wasm_split.*.js`) load with the page, so they count too.
    let mut i = 0;
    while i < assets.len() {
        let a = assets[i].clone();
        i += 1;
        match get(a.clone()).await {
            Ok((b, e)) => {
                total += b.len();
                let kind = a.rsplit('.').next().unwrap_or("?");
                parts.push(format!("{kind} {} B ({e})", b.len()));
                if kind == "js" {
                    let dir = &a[..a.rfind('/').map_or(0, |i| i + 1)];
                    let source = http.get(format!("{}{a}", srv.base)).send().await.ok();
                    let source = match source {
                        Some(r) => r.text().await.unwrap_or_default(),
                        None => String::new(),
                    };
                    for import in static_imports(&source) {
                        let path = format!("{dir}{}", import.trim_start_matches("./"));
                        if !assets.contains(&path) {
                            assets.push(path);
                        }
                    }
                }
            }
            Err(e) => parts.push(format!("{a}: {e}")),
        }
    }
    let has_wasm = assets.iter().any(|a| a.ends_with(".wasm")) || assets.iter().any(|a| a.ends_with(".js"));
    Row {
        figure: "P5 first-load transfer of /products (html+js+wasm+css, compressed)",
        goal: "≤ 200 KB",
        measured: format!("{:.1} KB: {}", total as f64 / 1000.0, parts.join(", ")),
        met: Some(has_wasm && total <= 200_000),
    }
}

/// The relative modules a JS file imports statically (`import … from './x.js'`, `export … from`,
/// minified or not), not its dynamic `import()`s, which load only when called.
fn static_imports(js: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let is_ident = |c: char| c.is_alphanumeric() || c == '_' || c == '$';
    for (at, _) in js.match_indices("from") {
        // `from` as a keyword: not part of a longer name such as `fromCharCode` or `Array.from`.
        if js[..at].chars().next_back().is_some_and(|c| is_ident(c) || c == '.') {
            continue;
        }
        let rest = js[at + 4..].trim_start();
        let Some(quote) = rest.chars().next().filter(|c| *c == '"' || *c == '\'') else { continue };
        let Some(end) = rest[1..].find(quote) else { continue };
        let spec = &rest[1..1 + end];
        if spec.starts_with("./") && !found.iter().any(|f| f == spec) {
            found.push(spec.to_owned());
        }
    }
    found
}

// ---------------------------------------------------------------------------------------------
// P2: sustained checkouts per second through POST /api/place_order, concurrency sweep.

async fn p2_throughput(http: &reqwest::Client, srv: &Server, scale: &Scale) -> Row {
    let max_c = *scale.p2_levels.iter().max().unwrap_or(&1);
    let users = match client::register_many(http, &srv.base, "p2", max_c.min(64)).await {
        Ok(u) => u,
        Err(e) => return Row { figure: "P2 checkouts/s", goal: "≥ 1,500/s", measured: format!("failed: {e}"), met: Some(false) },
    };
    let products = ["ridge-mug", "canvas-notebook", "glide-mouse", "lumen-lamp", "pulse-earbuds", "summit-backpack"];
    let mut best = 0.0f64;
    let mut parts = Vec::new();
    for &c in &scale.p2_levels {
        let deadline = Instant::now() + Duration::from_secs(scale.p2_seconds);
        let started = Instant::now();
        let mut set = JoinSet::new();
        for w in 0..c {
            let (http, base, user) = (http.clone(), srv.base.clone(), users[w % users.len()].clone());
            let product = products[w % products.len()];
            set.spawn(async move {
                let (mut ok, mut failed, mut lat) = (0u64, 0u64, Samples::default());
                while Instant::now() < deadline {
                    let t = Instant::now();
                    match client::checkout(&http, &base, &user, product).await {
                        Ok(_) => {
                            ok += 1;
                            lat.push(t.elapsed());
                        }
                        Err(e) => {
                            if failed == 0 {
                                eprintln!("bench: P2 checkout failed: {e}");
                            }
                            failed += 1;
                        }
                    }
                }
                (ok, failed, lat)
            });
        }
        let (mut ok, mut failed, mut lat) = (0u64, 0u64, Samples::default());
        while let Some(Ok((o, f, l))) = set.join_next().await {
            ok += o;
            failed += f;
            lat.extend(l.into_vec());
        }
        let rate = ok as f64 / started.elapsed().as_secs_f64();
        best = best.max(rate);
        let p50 = lat.percentile(50.0).map(ms).unwrap_or_default();
        let p99 = lat.percentile(99.0).map(ms).unwrap_or_default();
        eprintln!("bench: P2 concurrency {c}: {rate:.0}/s ({ok} ok, {failed} failed), latency p50 {p50} ms p99 {p99} ms");
        parts.push(format!("c={c}: {rate:.0}/s{}", if failed > 0 { format!(" ({failed} failed)") } else { String::new() }));
        drain_outbox(srv).await;
    }
    Row {
        figure: "P2 sustained checkouts/s, real HTTP endpoint, SQLite",
        goal: "≥ 1,500/s",
        measured: format!("best {best:.0}/s ({})", parts.join(", ")),
        met: Some(best >= 1500.0),
    }
}

// ---------------------------------------------------------------------------------------------
// P1: checkout → event frame at the shopper's socket, with 1,000 sockets open, 200 checkouts/s.

async fn p1_latency(http: &reqwest::Client, srv: &Server, addr: SocketAddr, scale: &Scale) -> Row {
    let figure = "P1 checkout → event frame at the shopper's socket, p50/p95/p99";
    let goal = "p99 ≤ 30 ms";
    let users = match client::register_many(http, &srv.base, "p1", scale.p1_sockets).await {
        Ok(u) => u,
        Err(e) => return Row { figure, goal, measured: format!("failed: {e}"), met: Some(false) },
    };
    let sockets = match client::open_many(addr, &users, scale.p1_sockets, 64).await {
        Ok(s) => s,
        Err(e) => return Row { figure, goal, measured: format!("opening sockets failed: {e}"), met: Some(false) },
    };
    let arrivals: Arrivals = Arc::default();
    let readers = match Readers::spawn(sockets, &arrivals) {
        Ok(r) => r,
        Err(e) => return Row { figure, goal, measured: format!("reading the sockets failed: {e}"), met: Some(false) },
    };

    // Open loop: one checkout every 1/rate seconds, whatever the previous ones are doing.
    let sent: Arc<Mutex<Vec<(String, Instant, Duration)>>> = Arc::default();
    let total = scale.p1_rate as u64 * scale.p1_seconds;
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / scale.p1_rate as f64));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut checkouts = JoinSet::new();
    let started = Instant::now();
    for i in 0..total {
        tick.tick().await;
        let (http, base, user, sent) = (http.clone(), srv.base.clone(), users[(i as usize * 7919) % users.len()].clone(), sent.clone());
        checkouts.spawn(async move {
            let t = Instant::now();
            match client::checkout(&http, &base, &user, "canvas-notebook").await {
                Ok(id) => sent.lock().expect("sent").push((id, t, t.elapsed())),
                Err(e) => eprintln!("bench: P1 checkout failed: {e}"),
            }
        });
    }
    while checkouts.join_next().await.is_some() {}
    let achieved = total as f64 / started.elapsed().as_secs_f64();
    let sent = std::mem::take(&mut *sent.lock().expect("sent"));
    // Give the last events time to arrive.
    let wait_until = Instant::now() + Duration::from_secs(5);
    while Instant::now() < wait_until {
        let got = arrivals.lock().expect("arrivals").len();
        if got >= sent.len() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::task::block_in_place(|| readers.close());
    let arrivals = arrivals.lock().expect("arrivals");
    let (mut frame, mut response, mut missing) = (Samples::default(), Samples::default(), 0);
    for (id, t, resp) in &sent {
        response.push(*resp);
        match arrivals.get(id).and_then(|v| v.iter().min()) {
            Some(at) => frame.push(at.saturating_duration_since(*t)),
            None => missing += 1,
        }
    }
    eprintln!("bench: P1 checkout response latency {}", response.summary());
    let p99 = frame.percentile(99.0);
    Row {
        figure,
        goal,
        measured: format!(
            "{} (from the checkout request; {} checkouts at {achieved:.0}/s, {} sockets, {missing} frames missing; checkout response itself {})",
            frame.summary(),
            sent.len(),
            scale.p1_sockets,
            response.summary()
        ),
        met: p99.map(|p| p <= Duration::from_millis(30) && missing == 0),
    }
}

// ---------------------------------------------------------------------------------------------
// P4: one event to 10,000 staff sockets.

async fn p4_fan_out(http: &reqwest::Client, srv: &Server, addr: SocketAddr, scale: &Scale) -> Row {
    let figure = "P4 one event to 10,000 staff sockets, p99 delivery";
    let goal = "≤ 100 ms";
    let staff = match client::login(http, &srv.base, server::STAFF_EMAIL, server::STAFF_PASSWORD).await {
        Ok(u) => u,
        Err(e) => return Row { figure, goal, measured: format!("failed: {e}"), met: Some(false) },
    };
    let shopper = match client::register_many(http, &srv.base, "p4", 1).await {
        Ok(mut u) => u.remove(0),
        Err(e) => return Row { figure, goal, measured: format!("failed: {e}"), met: Some(false) },
    };
    let sockets = match client::open_many(addr, std::slice::from_ref(&staff), scale.p4_sockets, 128).await {
        Ok(s) => s,
        Err(e) => return Row { figure, goal, measured: format!("opening sockets failed: {e}"), met: Some(false) },
    };
    let arrivals: Arrivals = Arc::default();
    let readers = match Readers::spawn(sockets, &arrivals) {
        Ok(r) => r,
        Err(e) => return Row { figure, goal, measured: format!("reading the sockets failed: {e}"), met: Some(false) },
    };
    let mut lat = Samples::default();
    let mut missing = 0usize;
    for _ in 0..scale.p4_events {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let t = Instant::now();
        let id = match client::checkout(http, &srv.base, &shopper, "glide-mouse").await {
            Ok(id) => id,
            Err(e) => return Row { figure, goal, measured: format!("checkout failed: {e}"), met: Some(false) },
        };
        let until = Instant::now() + Duration::from_secs(5);
        loop {
            let n = arrivals.lock().expect("arrivals").get(&id).map_or(0, Vec::len);
            if n >= scale.p4_sockets || Instant::now() > until {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let got = arrivals.lock().expect("arrivals").remove(&id).unwrap_or_default();
        missing += scale.p4_sockets - got.len().min(scale.p4_sockets);
        lat.extend(got.iter().map(|a| a.saturating_duration_since(t)));
    }
    // All the staff sockets close at once (as when a network drops them): how long until the
    // server has let go of every one. Not a goal of the issue; it shows the hub's unregistering.
    let closing = Instant::now();
    tokio::task::block_in_place(|| readers.close());
    let mut closed = None;
    while closing.elapsed() < Duration::from_secs(30) {
        if srv.metric("shop_ws_connections").await == Some(0.0) {
            closed = Some(closing.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let closed =
        closed.map_or_else(|| "not all closed within 30 s".to_owned(), |d| format!("all closed on the server {} ms after the clients closed them", ms(d)));
    let p99 = lat.percentile(99.0);
    Row {
        figure,
        goal,
        measured: format!(
            "p99 {} ms, p50 {} ms, max {} ms ({} events × {} sockets, {missing} deliveries missing; from the checkout request; {closed})",
            p99.map(ms).unwrap_or_default(),
            lat.percentile(50.0).map(ms).unwrap_or_default(),
            lat.percentile(100.0).map(ms).unwrap_or_default(),
            scale.p4_events,
            scale.p4_sockets
        ),
        met: p99.map(|p| p <= Duration::from_millis(100) && missing == 0),
    }
}

// ---------------------------------------------------------------------------------------------
// P3: idle authenticated sockets held by one instance, and the server's RSS per socket.

async fn p3_idle_sockets(http: &reqwest::Client, srv: &Server, scale: &Scale, fd_limit: u64) -> Row {
    let figure = "P3 idle authenticated sockets held, RSS per socket";
    let goal = "20,000; ≤ 20 KiB each";
    let addr: SocketAddr = srv.base.trim_start_matches("http://").parse().expect("address");
    let users = match client::register_many(http, &srv.base, "p3", 100).await {
        Ok(u) => u,
        Err(e) => return Row { figure, goal, measured: format!("failed: {e}"), met: Some(false) },
    };
    // Warm the server's allocator and pools with a few sockets first, then take the baseline.
    drop(client::open_many(addr, &users, 50, 16).await);
    tokio::time::sleep(Duration::from_secs(1)).await;
    let base_rss = srv.rss_kib();
    let mut held: Vec<client::Socket> = Vec::new();
    let mut parts = Vec::new();
    let mut worst_per_socket = 0.0f64;
    let mut reached = 0usize;
    // Every socket is one descriptor in the server and one in this process, and each process may
    // hold at most `fd_limit` (a hard limit this process may be unable to raise: 20,000 on our
    // build machines). Both need a few dozen more for files, pipes and pools.
    let ceiling = (fd_limit as usize).saturating_sub(200);
    let mut capped = false;
    for &wanted in &scale.p3_levels {
        let level = wanted.min(ceiling);
        if level < wanted {
            capped = true;
            eprintln!("bench: P3 {wanted} sockets do not fit the open-file limit of {fd_limit} per process: trying {level}");
        }
        if level <= held.len() {
            break;
        }
        match client::open_many(addr, &users, level - held.len(), 128).await {
            Ok(more) => held.extend(more),
            Err(e) => {
                parts.push(format!("{level}: failed after {}: {e}", held.len()));
                break;
            }
        }
        // Hold them idle for a while; then count what the server still has open.
        tokio::time::sleep(Duration::from_secs(3)).await;
        let open = srv.metric("shop_ws_connections").await.unwrap_or(0.0) as usize;
        let rss = srv.rss_kib();
        let per = (rss.saturating_sub(base_rss)) as f64 / held.len() as f64;
        worst_per_socket = worst_per_socket.max(per);
        if open >= level {
            reached = level;
        }
        eprintln!("bench: P3 {level} sockets: server holds {open}, RSS {rss} KiB (baseline {base_rss} KiB), {per:.1} KiB/socket");
        parts.push(format!("{level}: {open} held, {per:.1} KiB/socket"));
    }
    drop(held);
    let top = *scale.p3_levels.iter().max().unwrap_or(&0);
    let limit_note = if capped { format!("; capped by the open-file hard limit of {fd_limit} per process") } else { String::new() };
    Row {
        figure,
        goal,
        measured: format!("{} (server RSS above its idle baseline of {:.1} MiB{limit_note})", parts.join("; "), base_rss as f64 / 1024.0),
        // The quick scale does not try 20,000: no verdict then.
        met: (top >= 20_000).then_some(reached >= top && worst_per_socket <= 20.0),
    }
}

// ---------------------------------------------------------------------------------------------
// P6: server time to render /products with 100 products.

async fn p6_render(http: &reqwest::Client, srv: &Server, scale: &Scale) -> Row {
    let figure = "P6 server time to render /products, 100 products, p50";
    let goal = "≤ 2 ms";
    let url = format!("{}/products", srv.base);
    // Warm up (fills the catalog cache, as any running shop has it filled).
    for _ in 0..20 {
        let _ = http.get(&url).send().await.map(|r| r.bytes());
    }
    let mut lat = Samples::default();
    let mut size = 0;
    for _ in 0..scale.p6_requests {
        let t = Instant::now();
        // No Accept-Encoding: the time is rendering, not compressing.
        match http.get(&url).send().await {
            Ok(r) => {
                let body = r.bytes().await.unwrap_or_default();
                lat.push(t.elapsed());
                size = body.len();
            }
            Err(e) => return Row { figure, goal, measured: format!("failed: {e}"), met: Some(false) },
        }
    }
    let p50 = lat.percentile(50.0);
    Row {
        figure,
        goal,
        measured: format!(
            "p50 {} ms, p99 {} ms ({} sequential requests over loopback, {} KB of HTML; includes the HTTP round trip)",
            p50.map(ms).unwrap_or_default(),
            lat.percentile(99.0).map(ms).unwrap_or_default(),
            lat.len(),
            size / 1000
        ),
        met: p50.map(|p| p <= Duration::from_millis(2)),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn static_imports_are_the_relative_import_and_export_from_lines() {
        let js = "/* a */\nimport * as split from './__wasm_split.abc.js';\nimport { x } from \"./x.js\"\nexport { y } from './y.js';\nconst m = await import('./lazy.js');\nimport a from 'https://example.com/a.js';\nlet s = Array.from('./z.js');\n";
        assert_eq!(super::static_imports(js), vec!["./__wasm_split.abc.js", "./x.js", "./y.js"]);
        // wasm-bindgen's output after minification: one line, no spaces, the loader imported twice.
        let min = "let e,_;import*as n from\"./__wasm_split.___.js\";import*as t from\"./__wasm_split.___.js\";export{W as initSync};";
        assert_eq!(super::static_imports(min), vec!["./__wasm_split.___.js"]);
    }

    #[test]
    fn the_quick_scale_is_smaller() {
        let (q, f) = (super::Scale::quick(), super::Scale::full());
        assert!(q.p1_sockets < f.p1_sockets && q.p4_sockets < f.p4_sockets);
        assert_eq!(f.p3_levels.last(), Some(&20_000));
    }
}
