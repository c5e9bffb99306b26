//! One module per figure of BENCHMARKS.md; each runs its load against a started server and
//! returns one [`crate::Row`] of the table.

use std::net::SocketAddr;
use std::sync::Arc;

use crate::client::{self, User};
use crate::readers::{Arrivals, Opened, Readers};

/// Which live channel a figure measures: `/ws`, or its Server-Sent Events fallback `/events`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    WebSocket,
    Sse,
}

/// Opens `n` live connections for `users` (round-robin, `parallel` handshakes at a time) and
/// starts reading them; what they receive lands in the returned arrivals. The error says which
/// step failed.
pub async fn listen(addr: SocketAddr, users: &[User], n: usize, parallel: usize, channel: Channel) -> Result<(Readers, Arrivals), String> {
    let opened = match channel {
        Channel::WebSocket => Opened::Sockets(client::open_many(addr, users, n, parallel).await.map_err(|e| format!("opening sockets failed: {e}"))?),
        Channel::Sse => Opened::Streams(client::open_streams(addr, users, n, parallel).await.map_err(|e| format!("opening streams failed: {e}"))?),
    };
    let arrivals: Arrivals = Arc::default();
    let readers = Readers::spawn(opened, &arrivals).map_err(|e| format!("reading the connections failed: {e}"))?;
    Ok((readers, arrivals))
}

pub mod p1;
pub mod p10;
pub mod p2;
pub mod p3;
pub mod p4;
pub mod p5;
pub mod p6;
pub mod p7;
pub mod p9;
