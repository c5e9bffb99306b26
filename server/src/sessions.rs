//! The session watcher: closes the sockets of sessions that ended, whichever instance ended them.
//!
//! A logout, a password or role change, "sign out everywhere" or plain expiry ends a session in
//! the database (`backend::sessions`). Once a second this task asks which sessions ended since it
//! last looked (with a little overlap, for clocks and commits in flight) and has the hub close
//! their sockets. Every ten minutes it also deletes old session rows and failed sign-ins.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use crate::hub::Hub;
use backend::Shop;

const EVERY: Duration = Duration::from_secs(1);
const OVERLAP_MS: i64 = 5_000;
const PRUNE_EVERY: u32 = 600;

pub async fn watch(shop: Shop, hub: Arc<Hub>, mut shutdown: watch::Receiver<bool>) {
    let mut since = backend::now_ms();
    let mut ticks = 0u32;
    loop {
        tokio::select! {
            _ = tokio::time::sleep(EVERY) => {}
            _ = shutdown.changed() => return,
        }
        let now = backend::now_ms();
        match backend::sessions::ended_since(&shop, since - OVERLAP_MS).await {
            Ok(ended) => {
                let ended: HashSet<String> = ended.into_iter().collect();
                let closed = hub.close_sessions(&ended);
                if closed > 0 {
                    tracing::info!(closed, "closed the sockets of ended sessions");
                }
                since = now;
            }
            Err(e) => tracing::warn!(error = %e, "could not read ended sessions"),
        }
        ticks += 1;
        if ticks.is_multiple_of(PRUNE_EVERY) {
            if let Err(e) = backend::sessions::prune(&shop).await {
                tracing::warn!(error = %e, "could not prune old sessions");
            }
            if let Err(e) = backend::accounts::prune_failures(&shop).await {
                tracing::warn!(error = %e, "could not prune old failed sign-ins");
            }
            if let Err(e) = backend::resets::prune(&shop).await {
                tracing::warn!(error = %e, "could not prune old password-reset links");
            }
        }
    }
}
