//! P1: checkout → event frame at the shopper's socket, with 1,000 sockets open, 200 checkouts/s;
//! and the same over Server-Sent Events streams (`/events`, the fallback).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::task::JoinSet;

use super::Channel;
use crate::client;
use crate::stats::Samples;
use crate::{Row, Scale};

/// Checkouts go to `base`, the live connections to `addr`: the same server, or (P7's variant)
/// two instances of a cluster, `across` set.
pub async fn latency(http: &reqwest::Client, base: &str, addr: SocketAddr, scale: &Scale, channel: Channel, across: bool) -> Row {
    let (figure, conns) = match (channel, across) {
        (Channel::WebSocket, false) => ("P1 checkout → event frame at the shopper's socket, p50/p95/p99", "sockets"),
        (Channel::Sse, false) => ("P1 (SSE) checkout → event at the shopper's `/events` stream, p50/p95/p99", "streams"),
        (Channel::WebSocket, true) => {
            ("P1 across instances: checkout on instance 2 → event frame at a socket on instance 1 (PostgreSQL, 2 brokers)", "sockets")
        }
        (Channel::Sse, true) => ("P1 (SSE) across instances", "streams"),
    };
    let goal = "p99 ≤ 30 ms";
    let users = match client::register_many(http, base, "p1", scale.p1_sockets).await {
        Ok(u) => u,
        Err(e) => return Row { figure, goal, measured: format!("failed: {e}"), met: Some(false) },
    };
    let (readers, arrivals) = match super::listen(addr, &users, scale.p1_sockets, 64, channel).await {
        Ok(r) => r,
        Err(measured) => return Row { figure, goal, measured, met: Some(false) },
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
        let (http, base, user, sent) = (http.clone(), base.to_owned(), users[(i as usize * 7919) % users.len()].clone(), sent.clone());
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
            "{} (from the checkout request; {} checkouts at {achieved:.0}/s, {} {conns}, {missing} frames missing; checkout response itself {})",
            frame.summary(),
            sent.len(),
            scale.p1_sockets,
            response.summary()
        ),
        met: p99.map(|p| p <= Duration::from_millis(30) && missing == 0),
    }
}
