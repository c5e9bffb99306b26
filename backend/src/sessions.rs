//! Server-side sessions: the cookie names a row, and ending the row ends the session everywhere.
//!
//! A signed token (the JWT this replaced) cannot be taken back: logout only cleared the browser's
//! copy, and a copied token stayed good for a week. Here the cookie carries 32 random bytes; the
//! database keeps their SHA-256 as the session's id, with its user, expiry and `revoked_at`.
//! Every request looks its session up (role and account included, so a demoted or deleted
//! account loses access at once), through a cache of [`CACHE_TTL`]: a session ended on another
//! instance is refused here within that time. Sockets are closed by the server's session watcher,
//! which asks [`ended_since`] once a second.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rand::RngCore;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, Set};
use sha2::{Digest, Sha256};

use crate::auth::{Role, Session};
use crate::entities::{session, user};
use crate::{now_ms, Shop, ShopError};

pub const SESSION_DAYS: i64 = 7;
const SESSION_MS: i64 = SESSION_DAYS * 24 * 3600 * 1000;
/// How long a looked-up session is believed without asking the database again.
pub const CACHE_TTL: Duration = Duration::from_secs(2);
/// `last_seen_at` is written at most this often per session.
const SEEN_EVERY_MS: i64 = 5 * 60 * 1000;
/// Entries kept before the cache is emptied (a flood of distinct valid cookies cannot grow it).
const CACHE_MAX: usize = 50_000;

/// One session as the account page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    pub id: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub user_agent: String,
    pub ip: String,
}

/// Sessions looked up in the last [`CACHE_TTL`], by id.
#[derive(Default)]
pub struct SessionCache {
    entries: Mutex<HashMap<String, (Session, i64, Instant)>>,
}

impl SessionCache {
    fn get(&self, id: &str, now: i64) -> Option<Session> {
        let entries = self.entries.lock().expect("session cache");
        let (session, expires_at, at) = entries.get(id)?;
        (at.elapsed() < CACHE_TTL && *expires_at > now).then(|| session.clone())
    }

    fn put(&self, session: Session, expires_at: i64) {
        let mut entries = self.entries.lock().expect("session cache");
        if entries.len() >= CACHE_MAX {
            entries.clear();
        }
        entries.insert(session.id.clone(), (session, expires_at, Instant::now()));
    }

    /// Forgets sessions ended on this instance, so they are refused here at once.
    pub fn forget(&self, ids: &[String]) {
        let mut entries = self.entries.lock().expect("session cache");
        for id in ids {
            entries.remove(id);
        }
    }

    fn forget_user(&self, user_id: &str) {
        self.entries.lock().expect("session cache").retain(|_, (s, _, _)| s.user_id != user_id);
    }
}

/// The session id of a cookie token: SHA-256, hex. `None` for anything that is not a token we
/// could have made (64 hex digits), before any hashing or lookup.
pub fn id_of(token: &str) -> Option<String> {
    (token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())).then(|| hex::encode(Sha256::digest(token.as_bytes())))
}

/// A new random token (256 bits, 64 hex digits): for session cookies and reset links.
pub fn new_token() -> String {
    let mut raw = [0u8; 32];
    rand::rng().fill_bytes(&mut raw);
    hex::encode(raw)
}

/// Starts a session for `user_id`; returns the token for the cookie.
pub async fn start(shop: &Shop, user_id: &str, user_agent: &str, ip: &str) -> Result<String, ShopError> {
    let token = new_token();
    let now = now_ms();
    let row = session::ActiveModel {
        id: Set(id_of(&token).expect("a token we made")),
        user_id: Set(user_id.to_owned()),
        created_at: Set(now),
        last_seen_at: Set(now),
        expires_at: Set(now + SESSION_MS),
        revoked_at: Set(None),
        user_agent: Set(user_agent.chars().take(200).collect()),
        ip: Set(ip.chars().take(45).collect()),
    };
    let _gate = shop.gate.enter().await;
    row.insert(&shop.db).await?;
    Ok(token)
}

/// The live session a cookie token names, with the account's current role; `None` for an
/// unknown, ended or expired session, or a deleted account.
pub async fn current(shop: &Shop, token: &str) -> Result<Option<Session>, ShopError> {
    let Some(id) = id_of(token) else { return Ok(None) };
    let now = now_ms();
    if let Some(s) = shop.sessions.get(&id, now) {
        return Ok(Some(s));
    }
    let found = session::Entity::find_by_id(id.clone())
        .filter(session::Column::RevokedAt.is_null())
        .filter(session::Column::ExpiresAt.gt(now))
        .find_also_related(user::Entity)
        .one(&shop.db)
        .await?;
    let Some((row, Some(account))) = found else { return Ok(None) };
    let session = Session { id: id.clone(), user_id: account.id, role: Role::parse(&account.role) };
    shop.sessions.put(session.clone(), row.expires_at);
    if now - row.last_seen_at > SEEN_EVERY_MS {
        let _gate = shop.gate.enter().await;
        session::Entity::update_many().col_expr(session::Column::LastSeenAt, Expr::value(now)).filter(session::Column::Id.eq(id)).exec(&shop.db).await?;
    }
    Ok(Some(session))
}

/// Ends the sessions chosen by `which` that are still live; returns their ids.
async fn end_where(shop: &Shop, which: Condition) -> Result<Vec<String>, ShopError> {
    let now = now_ms();
    let live = which.add(session::Column::RevokedAt.is_null()).add(session::Column::ExpiresAt.gt(now));
    let _gate = shop.gate.enter().await;
    let ids: Vec<String> = session::Entity::find().filter(live.clone()).all(&shop.db).await?.into_iter().map(|s| s.id).collect();
    if !ids.is_empty() {
        session::Entity::update_many()
            .col_expr(session::Column::RevokedAt, Expr::value(now))
            .filter(session::Column::Id.is_in(ids.clone()))
            .exec(&shop.db)
            .await?;
    }
    shop.sessions.forget(&ids);
    Ok(ids)
}

/// Ends one session (logout).
pub async fn end(shop: &Shop, id: &str) -> Result<(), ShopError> {
    end_where(shop, Condition::all().add(session::Column::Id.eq(id))).await.map(|_| ())
}

/// Ends one of `user_id`'s own sessions (the account page's "Sign out" beside a session); a
/// session of another account is left alone.
pub async fn end_own(shop: &Shop, user_id: &str, id: &str) -> Result<bool, ShopError> {
    let which = Condition::all().add(session::Column::UserId.eq(user_id)).add(session::Column::Id.eq(id));
    Ok(!end_where(shop, which).await?.is_empty())
}

/// Ends every session of `user_id` but `keep` (a password change keeps the one that made it).
pub async fn end_all(shop: &Shop, user_id: &str, keep: Option<&str>) -> Result<usize, ShopError> {
    let mut which = Condition::all().add(session::Column::UserId.eq(user_id));
    if let Some(keep) = keep {
        which = which.add(session::Column::Id.ne(keep));
    }
    let ended = end_where(shop, which).await?;
    if keep.is_none() {
        shop.sessions.forget_user(user_id);
    }
    Ok(ended.len())
}

/// The live sessions of `user_id`, newest first.
pub async fn list(shop: &Shop, user_id: &str) -> Result<Vec<SessionInfo>, ShopError> {
    let rows = session::Entity::find()
        .filter(session::Column::UserId.eq(user_id))
        .filter(session::Column::RevokedAt.is_null())
        .filter(session::Column::ExpiresAt.gt(now_ms()))
        .order_by_desc(session::Column::CreatedAt)
        .all(&shop.db)
        .await?;
    Ok(rows.into_iter().map(|r| SessionInfo { id: r.id, created_at: r.created_at, last_seen_at: r.last_seen_at, user_agent: r.user_agent, ip: r.ip }).collect())
}

/// Sessions ended (revoked, or expired) from `since` to now: the sockets to close.
pub async fn ended_since(shop: &Shop, since: i64) -> Result<Vec<String>, ShopError> {
    let now = now_ms();
    let ended = Condition::any()
        .add(session::Column::RevokedAt.gte(since))
        .add(Condition::all().add(session::Column::ExpiresAt.gte(since)).add(session::Column::ExpiresAt.lte(now)));
    Ok(session::Entity::find().filter(ended).all(&shop.db).await?.into_iter().map(|s| s.id).collect())
}

/// Deletes rows of sessions that ended more than a day ago.
pub async fn prune(shop: &Shop) -> Result<u64, ShopError> {
    let before = now_ms() - 24 * 3600 * 1000;
    let old = Condition::any().add(session::Column::RevokedAt.lt(before)).add(session::Column::ExpiresAt.lt(before));
    let _gate = shop.gate.enter().await;
    Ok(session::Entity::delete_many().filter(old).exec(&shop.db).await?.rows_affected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_tokens_we_could_have_made_are_looked_up() {
        let token = "ab".repeat(32);
        let id = id_of(&token).unwrap();
        assert_eq!(id.len(), 64);
        assert_ne!(id, token, "the id is the token's hash, not the token");
        assert_eq!(id_of(&"ab".repeat(33)), None);
        assert_eq!(id_of("eyJhbGciOiJIUzI1NiJ9.e30.x"), None, "an old JWT is not a token");
        assert_eq!(id_of(&format!("{}zz", "a".repeat(62))), None);
        assert_eq!(id_of(""), None);
    }

    #[test]
    fn the_cache_forgets_ended_sessions_and_expires_entries() {
        let cache = SessionCache::default();
        let s = Session { id: "s1".into(), user_id: "u1".into(), role: Role::Shopper };
        cache.put(s.clone(), 1_000);
        assert_eq!(cache.get("s1", 999), Some(s.clone()));
        assert_eq!(cache.get("s1", 1_000), None, "past its expiry");
        cache.forget(&["s1".into()]);
        assert_eq!(cache.get("s1", 0), None);
        cache.put(s, 1_000);
        cache.forget_user("u1");
        assert_eq!(cache.get("s1", 0), None);
    }
}
