//! One module per figure of BENCHMARKS.md; each runs its load against a started server and
//! returns one [`crate::Row`] of the table.

use std::net::SocketAddr;
use std::sync::Arc;

use crate::client::{self, User};
use crate::readers::{Arrivals, Readers};

/// Opens `n` sockets for `users` (round-robin, `parallel` handshakes at a time) and starts
/// reading them; what they receive lands in the returned arrivals. The error says which step
/// failed.
pub async fn listen(addr: SocketAddr, users: &[User], n: usize, parallel: usize) -> Result<(Readers, Arrivals), String> {
    let sockets = client::open_many(addr, users, n, parallel).await.map_err(|e| format!("opening sockets failed: {e}"))?;
    let arrivals: Arrivals = Arc::default();
    let readers = Readers::spawn(sockets, &arrivals).map_err(|e| format!("reading the sockets failed: {e}"))?;
    Ok((readers, arrivals))
}

pub mod p1;
pub mod p2;
pub mod p3;
pub mod p4;
pub mod p5;
pub mod p6;
pub mod p9;
