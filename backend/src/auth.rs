//! Passwords and who is signed in: bcrypt hashes behind a bounded queue, and the session a
//! request's token ([`crate::sessions`]) stands for. (The cookie that carries the token is the
//! web layer's: `app::api::cookies`.) bcrypt is deliberately slow, so hashing is a scarce resource: at most [`HASHING_AT_ONCE`] hashes run at
//! a time and at most [`HASHING_QUEUE`] wait; beyond that a sign-in or sign-up is refused at once
//! (429) instead of queueing work that would pin every core.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tokio::sync::Semaphore;

use crate::ShopError;

/// bcrypt hashes running at once (one core stays free for everything else).
pub const HASHING_AT_ONCE: usize = 1;
/// bcrypt hashes waiting for their turn before more are refused.
pub const HASHING_QUEUE: usize = 16;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Shopper,
    Staff,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Shopper => "shopper",
            Role::Staff => "staff",
        }
    }
    pub fn parse(s: &str) -> Role {
        if s == "staff" {
            Role::Staff
        } else {
            Role::Shopper
        }
    }
}

/// Who is signed in, as the database says now: a live session row and the account's role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The session's id (the hash of its token), to end it or find its sockets.
    pub id: String,
    pub user_id: String,
    pub role: Role,
}

impl Session {
    pub fn is_staff(&self) -> bool {
        self.role == Role::Staff
    }
    pub fn require_staff(&self) -> Result<(), ShopError> {
        if self.is_staff() {
            Ok(())
        } else {
            Err(ShopError::Forbidden)
        }
    }
}

#[derive(Clone)]
pub struct AuthSettings {
    pub bcrypt_cost: u32,
    /// A hash of a random string at the configured cost, verified against when an email is
    /// unknown so that a failed sign-in takes as long whether or not the account exists.
    pub dummy_hash: String,
    /// Session cookies are `Secure` and `__Host-` on every request, not only on https ones
    /// (`APP_ENV=production`: served over https, perhaps behind a proxy that does not say so).
    pub secure_cookies: bool,
    hashing: Arc<Semaphore>,
    waiting: Arc<AtomicUsize>,
}

impl std::fmt::Debug for AuthSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthSettings").field("bcrypt_cost", &self.bcrypt_cost).finish_non_exhaustive()
    }
}

impl AuthSettings {
    pub fn new(bcrypt_cost: u32) -> Self {
        let dummy_hash = bcrypt::hash(crate::new_id(), bcrypt_cost).expect("bcrypt cost was validated by the configuration");
        AuthSettings { bcrypt_cost, dummy_hash, secure_cookies: false, hashing: Arc::new(Semaphore::new(HASHING_AT_ONCE)), waiting: Arc::default() }
    }

    /// Runs one bcrypt computation when its turn comes; refused when the queue is full.
    async fn bcrypt<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Result<T, ShopError> {
        if self.waiting.fetch_add(1, Ordering::AcqRel) >= HASHING_AT_ONCE + HASHING_QUEUE {
            self.waiting.fetch_sub(1, Ordering::AcqRel);
            return Err(ShopError::RateLimited("The shop is busy signing people in: try again in a few seconds.".into()));
        }
        let permit = self.hashing.clone().acquire_owned().await.map_err(ShopError::internal);
        let result = match permit {
            Ok(permit) => tokio::task::spawn_blocking(move || {
                let _permit = permit;
                work()
            })
            .await
            .map_err(ShopError::internal),
            Err(e) => Err(e),
        };
        self.waiting.fetch_sub(1, Ordering::AcqRel);
        result
    }

    pub async fn hash_password(&self, password: &str) -> Result<String, ShopError> {
        let (password, cost) = (password.to_owned(), self.bcrypt_cost);
        self.bcrypt(move || bcrypt::hash(password, cost)).await?.map_err(ShopError::internal)
    }

    pub async fn verify_password(&self, password: &str, hash: &str) -> Result<bool, ShopError> {
        let (password, hash) = (password.to_owned(), hash.to_owned());
        self.bcrypt(move || bcrypt::verify(password, &hash).unwrap_or(false)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn passwords_hash_and_verify() {
        let s = AuthSettings::new(4);
        let h = s.hash_password("correct horse").await.unwrap();
        assert!(s.verify_password("correct horse", &h).await.unwrap());
        assert!(!s.verify_password("wrong horse", &h).await.unwrap());
    }

    #[tokio::test]
    async fn a_flood_of_hashes_is_refused_not_queued() {
        let s = AuthSettings::new(10);
        let all = futures_like_join(&s, 60).await;
        let refused = all.iter().filter(|r| matches!(r, Err(ShopError::RateLimited(_)))).count();
        assert!(refused >= 60 - HASHING_AT_ONCE - HASHING_QUEUE, "{refused} of 60 refused");
        assert!(all.iter().filter(|r| r.is_ok()).count() >= 1);
    }

    async fn futures_like_join(s: &AuthSettings, n: usize) -> Vec<Result<bool, ShopError>> {
        let hash = s.dummy_hash.clone();
        let tasks: Vec<_> = (0..n)
            .map(|_| {
                let (s, hash) = (s.clone(), hash.clone());
                tokio::spawn(async move { s.verify_password("guess", &hash).await })
            })
            .collect();
        let mut out = Vec::new();
        for t in tasks {
            out.push(t.await.unwrap());
        }
        out
    }
}
