//! P7: the shop as a cluster on this machine (`testkit::cluster`: its own PostgreSQL, two Tansu
//! brokers over one storage, N instances, HAProxy in front): checkouts per second through the
//! balancer with one instance and with three, and P1's latency across instances (the checkout
//! on one instance, the shopper's socket on another).

use std::net::SocketAddr;
use std::time::Duration;

use sea_orm::{ConnectionTrait, Database};
use testkit::cluster::{Cluster, Spec};

use super::p2::{level, PRODUCTS};
use super::Channel;
use crate::server::{server_env, Paths, METRICS_TOKEN};
use crate::stats::ms;
use crate::{client, Row, Scale};

const FIGURE: &str = "P7 checkouts/s through HAProxy, PostgreSQL, 2 Tansu brokers";
const GOAL: &str = "recorded (one machine holds it all)";

async fn start(paths: &Paths, instances: usize) -> Result<Cluster, String> {
    let dir = paths.data_dir.join(format!("cluster-{instances}"));
    let mut spec = Spec::new(paths.server_bin.clone(), dir, instances, 2);
    spec.site_root = Some(paths.site_root.clone());
    spec.env = server_env();
    let cluster = Cluster::start(spec).await?;
    let db = Database::connect(cluster.postgres.shop_url()).await.map_err(|e| e.to_string())?;
    db.execute_unprepared("UPDATE products SET stock = 10000000").await.map_err(|e| e.to_string())?;
    db.close().await.map_err(|e| e.to_string())?;
    Ok(cluster)
}

/// The best rate over the concurrency sweep, through the balancer of `cluster`.
async fn sweep(http: &reqwest::Client, cluster: &Cluster, instances: usize, scale: &Scale) -> Result<(f64, String), String> {
    let users = client::register_many(http, &cluster.base, &format!("p7-{instances}"), 64).await?;
    let mut best = 0.0f64;
    let mut parts = Vec::new();
    for &c in &scale.p7_levels {
        let l = level(http, &cluster.base, &users, &PRODUCTS, c, Duration::from_secs(scale.p2_seconds)).await;
        let p99 = l.lat.percentile(99.0).map(ms).unwrap_or_default();
        eprintln!("bench: P7 {instances} instance(s), concurrency {c}: {:.0}/s ({} ok, {} failed), p99 {p99} ms", l.rate, l.ok, l.failed);
        best = best.max(l.rate);
        parts.push(format!("c={c}: {:.0}/s{}", l.rate, if l.failed > 0 { format!(" ({} failed)", l.failed) } else { String::new() }));
        drain(cluster, instances).await;
    }
    Ok((best, parts.join(", ")))
}

async fn drain(cluster: &Cluster, instances: usize) {
    let http = reqwest::Client::new();
    for i in 0..instances {
        for _ in 0..600 {
            let text = match http.get(format!("{}/metrics", cluster.instance_base(i))).bearer_auth(METRICS_TOKEN).send().await {
                Ok(r) => r.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            if text.lines().any(|l| l == "shop_outbox_backlog 0") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

pub async fn cluster(http: &reqwest::Client, paths: &Paths, scale: &Scale) -> Vec<Row> {
    let mut rates = Vec::new();
    let mut rows = Vec::new();
    for instances in [1, 3] {
        let cluster = match start(paths, instances).await {
            Ok(c) => c,
            Err(e) => return vec![Row { figure: FIGURE, goal: GOAL, measured: format!("the cluster did not start: {e}"), met: Some(false) }],
        };
        match sweep(http, &cluster, instances, scale).await {
            Ok((best, parts)) => rates.push(format!("{instances} instance{}: best {best:.0}/s ({parts})", if instances == 1 { "" } else { "s" })),
            Err(e) => rates.push(format!("{instances} instances: failed: {e}")),
        }
        if instances == 3 {
            let addr: SocketAddr = cluster.instance_base(0).trim_start_matches("http://").parse().expect("instance address");
            let across = Scale { p1_rate: scale.p7_p1_rate, ..scale.clone() };
            rows.push(super::p1::latency(http, &cluster.instance_base(1), addr, &across, Channel::WebSocket, true).await);
        }
        cluster.stop().await;
    }
    rows.insert(0, Row { figure: FIGURE, goal: GOAL, measured: rates.join("; "), met: None });
    rows
}
