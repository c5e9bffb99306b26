//! P2: sustained checkouts per second through POST /api/place_order, concurrency sweep.

use std::time::{Duration, Instant};

use tokio::task::JoinSet;

use crate::client;
use crate::server::Server;
use crate::stats::{ms, Samples};
use crate::{drain_outbox, Row, Scale};

pub async fn throughput(http: &reqwest::Client, srv: &Server, scale: &Scale) -> Row {
    let max_c = *scale.p2_levels.iter().max().unwrap_or(&1);
    let users = match client::register_many(http, &srv.base, "p2", max_c.min(64)).await {
        Ok(u) => u,
        Err(e) => return Row { figure: "P2 checkouts/s", goal: "≥ 1,500/s", measured: format!("failed: {e}"), met: Some(false) },
    };
    let products = PRODUCTS;
    let mut best = 0.0f64;
    let mut parts = Vec::new();
    for &c in &scale.p2_levels {
        let Level { rate, ok, failed, lat } = level(http, &srv.base, &users, &products, c, Duration::from_secs(scale.p2_seconds)).await;
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

/// The products the load buys, one per worker in turn.
pub const PRODUCTS: [&str; 6] = ["ridge-mug", "canvas-notebook", "glide-mouse", "lumen-lamp", "pulse-earbuds", "summit-backpack"];

/// What `c` workers checking out back to back for `length` achieved.
pub struct Level {
    pub rate: f64,
    pub ok: u64,
    pub failed: u64,
    pub lat: Samples,
}

/// `c` workers, each checking out one unit at a time as fast as the server answers, for `length`.
pub async fn level(http: &reqwest::Client, base: &str, users: &[client::User], products: &[&'static str], c: usize, length: Duration) -> Level {
    let deadline = Instant::now() + length;
    let started = Instant::now();
    let mut set = JoinSet::new();
    for w in 0..c {
        let (http, base, user) = (http.clone(), base.to_owned(), users[w % users.len()].clone());
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
                            eprintln!("bench: checkout failed: {e}");
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
    Level { rate: ok as f64 / started.elapsed().as_secs_f64(), ok, failed, lat }
}
