//! P10: the staff figures on a busy day. How long `staff_overview` takes with a day of orders in
//! the database, and whether open staff dashboards slow the checkouts down.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use super::p2::{level, Level, PRODUCTS};
use super::Channel;
use crate::client::{self, User};
use crate::server::Server;
use crate::stats::{ms, Samples};
use crate::{Row, Scale};

/// Dashboards open during the second checkout run.
const DASHBOARDS: usize = 10;
/// Shoppers checking out back to back.
const SHOPPERS: usize = 8;
/// How often an open dashboard asks for the overview while orders move stock.
const DASHBOARD_REFRESH: Duration = Duration::from_secs(5);
/// The one shopper who placed the seeded orders.
const SEED_USER: &str = "p10seeduser0000000000000000000";

/// SQL (SQLite) writing `orders` orders placed today, spread from UTC midnight to `now_ms`,
/// every fifth one cancelled, for one shopper of their own.
pub fn seed(orders: u32, now_ms: i64) -> Vec<String> {
    let midnight = now_ms - now_ms.rem_euclid(24 * 3600 * 1000);
    let span = (now_ms - midnight).max(1);
    vec![
        format!(
            "INSERT INTO users (id, email, name, password_hash, role, created_at) \
             VALUES ('{SEED_USER}', 'p10-seed@example.test', 'P10 Seed', '!', 'shopper', {midnight})"
        ),
        format!(
            "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < {orders}) \
             INSERT INTO orders (id, user_id, status, version, total_cents, idempotency_key, ship_first_name, ship_last_name, \
             ship_email, ship_address, ship_city, ship_state, ship_zip, created_at, updated_at) \
             SELECT printf('P10%023d', i), '{SEED_USER}', CASE WHEN i % 5 = 0 THEN 'CANCELLED' ELSE 'PENDING' END, \
             CASE WHEN i % 5 = 0 THEN 2 ELSE 1 END, 1000 + (i * 37) % 9000, printf('p10-%d', i), 'Ada', 'Lovelace', \
             'p10-seed@example.test', '1 Analytical Way', 'London', 'LN', '10001', \
             {midnight} + (i * {span}) / {orders}, {midnight} + (i * {span}) / {orders} FROM n"
        ),
    ]
}

/// The overview's time, then checkouts/s without and with open dashboards.
pub async fn busy_day(http: &reqwest::Client, srv: &Server, addr: SocketAddr, scale: &Scale) -> Vec<Row> {
    let figure = "P10 staff_overview with a busy day's orders, p50";
    let goal = "≤ 2 ms";
    let staff = match client::login(http, &srv.base, crate::server::STAFF_EMAIL, crate::server::STAFF_PASSWORD).await {
        Ok(u) => u,
        Err(e) => return vec![Row { figure, goal, measured: format!("failed: {e}"), met: Some(false) }],
    };
    let overview = match overview_times(http, &srv.base, &staff, scale).await {
        Ok((lat, orders)) => {
            let p50 = lat.percentile(50.0);
            Row {
                figure,
                goal,
                measured: format!(
                    "p50 {} ms, p99 {} ms ({} sequential requests, {orders} orders today; server RSS {} MiB)",
                    p50.map(ms).unwrap_or_default(),
                    lat.percentile(99.0).map(ms).unwrap_or_default(),
                    lat.len(),
                    srv.rss_kib() / 1024
                ),
                met: p50.map(|p| p <= Duration::from_millis(2)),
            }
        }
        Err(e) => Row { figure, goal, measured: format!("failed: {e}"), met: Some(false) },
    };
    vec![overview, with_dashboards(http, srv, addr, &staff, scale).await]
}

/// `scale.p10_requests` overview requests one after the other, after a warm-up; and how many
/// orders the figures said today had (the seeded ones must all be there).
async fn overview_times(http: &reqwest::Client, base: &str, staff: &User, scale: &Scale) -> Result<(Samples, u64), String> {
    let mut orders = 0;
    for _ in 0..10 {
        orders = overview(http, base, staff).await?;
    }
    if orders < u64::from(scale.p10_orders) {
        return Err(format!("the figures show {orders} orders today, {} were seeded", scale.p10_orders));
    }
    let mut lat = Samples::default();
    for _ in 0..scale.p10_requests {
        let t = Instant::now();
        overview(http, base, staff).await?;
        lat.push(t.elapsed());
    }
    Ok((lat, orders))
}

/// One overview request; the day's order count it reports.
async fn overview(http: &reqwest::Client, base: &str, staff: &User) -> Result<u64, String> {
    let r = http.post(format!("{base}/api/staff_overview")).header("cookie", &staff.cookie).send().await.map_err(|e| e.to_string())?;
    if !r.status().is_success() {
        return Err(format!("staff_overview: {}", r.status()));
    }
    let body: serde_json::Value = r.json().await.map_err(|e| e.to_string())?;
    body["today"]["orders"].as_u64().ok_or_else(|| format!("no order count in {body}"))
}

async fn with_dashboards(http: &reqwest::Client, srv: &Server, addr: SocketAddr, staff: &User, scale: &Scale) -> Row {
    let figure = "P10 checkouts/s, 8 shoppers, with 10 staff dashboards open vs none";
    let goal = "≥ 90 % of none";
    let fail = |e: String| Row { figure, goal, measured: format!("failed: {e}"), met: Some(false) };
    let shoppers = match client::register_many(http, &srv.base, "p10", SHOPPERS).await {
        Ok(u) => u,
        Err(e) => return fail(e),
    };
    let length = Duration::from_secs(scale.p10_seconds);
    let alone = level(http, &srv.base, &shoppers, &PRODUCTS, SHOPPERS, length).await;

    let staff_users = vec![staff.clone(); DASHBOARDS];
    let (readers, arrivals) = match super::listen(addr, &staff_users, DASHBOARDS, DASHBOARDS, Channel::WebSocket).await {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    let stop = Instant::now() + length;
    let refreshes: Vec<_> = (0..DASHBOARDS)
        .map(|d| {
            let (http, base, staff) = (http.clone(), srv.base.clone(), staff.clone());
            tokio::spawn(async move {
                // Spread over the refresh period, as dashboards opened at different times are.
                tokio::time::sleep(DASHBOARD_REFRESH * d as u32 / DASHBOARDS as u32).await;
                let mut failed = 0u32;
                while Instant::now() < stop {
                    failed += u32::from(overview(&http, &base, &staff).await.is_err());
                    tokio::time::sleep(DASHBOARD_REFRESH).await;
                }
                failed
            })
        })
        .collect();
    let watched = level(http, &srv.base, &shoppers, &PRODUCTS, SHOPPERS, length).await;
    let mut refresh_failures = 0;
    for r in refreshes {
        refresh_failures += r.await.unwrap_or(1);
    }
    let delivered: usize = arrivals.lock().expect("arrivals").values().map(Vec::len).sum();
    tokio::task::block_in_place(|| readers.close());

    let Level { rate: without, failed: failed_alone, .. } = alone;
    let Level { rate: with, ok, failed: failed_watched, lat } = watched;
    let ratio = if without > 0.0 { with / without } else { 0.0 };
    Row {
        figure,
        goal,
        measured: format!(
            "{with:.0}/s with vs {without:.0}/s without ({:.0} %); p50 {} ms with; {ok} orders, {delivered} events to the dashboards; \
             failed checkouts {failed_alone} + {failed_watched}, failed overview refreshes {refresh_failures}",
            ratio * 100.0,
            lat.percentile(50.0).map(ms).unwrap_or_default()
        ),
        met: Some(ratio >= 0.9 && failed_alone + failed_watched == 0 && refresh_failures == 0),
    }
}
