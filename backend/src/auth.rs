//! Sessions and passwords: bcrypt hashes, HS256 JWTs in an HttpOnly cookie.
//!
//! The cookie is `SameSite=Lax` and `HttpOnly`; it is `Secure` only when the site is served over
//! https, so that signing in works on http://127.0.0.1:3000 during development (the seed's
//! always-`Secure` cookie was silently dropped there).

use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::ShopError;

pub const SESSION_COOKIE: &str = "session";
pub const SESSION_DAYS: i64 = 7;

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

/// JWT claims.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub role: Role,
    pub iat: i64,
    pub exp: i64,
}

/// Who is signed in, as proven by a valid session cookie.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
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
    encoding: EncodingKey,
    decoding: DecodingKey,
    pub bcrypt_cost: u32,
    /// A hash of a random string at the configured cost, verified against when an email is
    /// unknown so that a failed sign-in takes as long whether or not the account exists.
    pub dummy_hash: String,
}

impl std::fmt::Debug for AuthSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthSettings").field("bcrypt_cost", &self.bcrypt_cost).finish_non_exhaustive()
    }
}

impl AuthSettings {
    pub fn new(jwt_secret: &[u8], bcrypt_cost: u32) -> Self {
        let dummy_hash = bcrypt::hash(crate::new_id(), bcrypt_cost).expect("bcrypt cost was validated by the configuration");
        AuthSettings { encoding: EncodingKey::from_secret(jwt_secret), decoding: DecodingKey::from_secret(jwt_secret), bcrypt_cost, dummy_hash }
    }

    pub fn issue(&self, user_id: &str, role: Role, now_secs: i64) -> String {
        let claims = Claims { sub: user_id.to_owned(), role, iat: now_secs, exp: now_secs + SESSION_DAYS * 24 * 3600 };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding).expect("HS256 encoding cannot fail")
    }

    /// Verifies signature, algorithm (HS256 only: `alg: none` and others are refused) and expiry.
    pub fn verify(&self, token: &str) -> Option<Session> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 5;
        validation.set_required_spec_claims(&["exp", "sub", "iat"]);
        decode::<Claims>(token, &self.decoding, &validation).ok().map(|d| Session { user_id: d.claims.sub, role: d.claims.role })
    }

    /// The session named by a request's `Cookie` headers, if valid.
    pub fn session_from_headers(&self, headers: &http::HeaderMap) -> Option<Session> {
        cookie_value(headers, SESSION_COOKIE).and_then(|t| self.verify(&t))
    }

    pub async fn hash_password(&self, password: &str) -> Result<String, ShopError> {
        let (password, cost) = (password.to_owned(), self.bcrypt_cost);
        tokio::task::spawn_blocking(move || bcrypt::hash(password, cost)).await.map_err(ShopError::internal)?.map_err(ShopError::internal)
    }

    pub async fn verify_password(&self, password: &str, hash: &str) -> bool {
        let (password, hash) = (password.to_owned(), hash.to_owned());
        tokio::task::spawn_blocking(move || bcrypt::verify(password, &hash).unwrap_or(false)).await.unwrap_or(false)
    }
}

/// Reads one cookie from the request headers.
pub fn cookie_value(headers: &http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// `Set-Cookie` value for a new session.
pub fn session_cookie(token: &str, secure: bool) -> String {
    let max_age = SESSION_DAYS * 24 * 3600;
    let secure = if secure { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}")
}

/// `Set-Cookie` value that removes the session.
pub fn clear_session_cookie(secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}")
}

/// Whether the request came over https (directly or through a proxy that says so).
pub fn is_https(headers: &http::HeaderMap, uri: &http::Uri) -> bool {
    uri.scheme_str() == Some("https")
        || headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()).is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> AuthSettings {
        AuthSettings::new(b"test-secret-test-secret-test-secret", 4)
    }

    #[test]
    fn tokens_round_trip_and_expire() {
        let s = settings();
        let now = chrono::Utc::now().timestamp();
        let t = s.issue("u1", Role::Staff, now);
        assert_eq!(s.verify(&t), Some(Session { user_id: "u1".into(), role: Role::Staff }));
        let old = s.issue("u1", Role::Shopper, now - SESSION_DAYS * 24 * 3600 - 60);
        assert_eq!(s.verify(&old), None, "expired");
        let other = AuthSettings::new(b"another-secret-another-secret-xx", 4);
        assert_eq!(other.verify(&t), None, "wrong key");
    }

    #[test]
    fn alg_none_and_garbage_are_refused() {
        use base64_like::b64;
        let s = settings();
        let now = chrono::Utc::now().timestamp();
        let header = b64(r#"{"alg":"none","typ":"JWT"}"#);
        let claims = b64(&format!(r#"{{"sub":"u1","role":"staff","iat":{now},"exp":{}}}"#, now + 3600));
        assert_eq!(s.verify(&format!("{header}.{claims}.")), None);
        assert_eq!(s.verify("not.a.jwt"), None);
        assert_eq!(s.verify(""), None);
    }

    /// Minimal URL-safe base64 without padding, to forge tokens in tests.
    mod base64_like {
        pub fn b64(s: &str) -> String {
            const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
            let b = s.as_bytes();
            let mut out = String::new();
            for chunk in b.chunks(3) {
                let n = chunk.iter().enumerate().fold(0u32, |acc, (i, &x)| acc | (x as u32) << (16 - 8 * i));
                for i in 0..=chunk.len() {
                    out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
                }
            }
            out
        }
    }

    #[test]
    fn cookies() {
        let mut h = http::HeaderMap::new();
        h.insert(http::header::COOKIE, "a=1; session=abc.def; b=2".parse().unwrap());
        assert_eq!(cookie_value(&h, "session").as_deref(), Some("abc.def"));
        assert_eq!(cookie_value(&h, "missing"), None);
        let c = session_cookie("tok", false);
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Lax") && !c.contains("Secure"));
        assert!(session_cookie("tok", true).ends_with("; Secure"));
        assert!(clear_session_cookie(false).contains("Max-Age=0"));
    }

    #[tokio::test]
    async fn passwords_hash_and_verify() {
        let s = settings();
        let h = s.hash_password("correct horse").await.unwrap();
        assert!(s.verify_password("correct horse", &h).await);
        assert!(!s.verify_password("wrong horse", &h).await);
    }
}
