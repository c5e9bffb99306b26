//! P3: idle authenticated sockets held by one instance, and the server's RSS per socket.

use std::net::SocketAddr;
use std::time::Duration;

use crate::client;
use crate::server::Server;
use crate::{Row, Scale};

pub async fn idle_sockets(http: &reqwest::Client, srv: &Server, scale: &Scale, fd_limit: u64) -> Row {
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
