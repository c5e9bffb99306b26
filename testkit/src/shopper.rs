//! A browser as the tests drive it: HTTP with its own cookie jar, server functions called the
//! way the WASM calls them, the checkout form, and the live socket.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use reqwest::cookie::{CookieStore, Jar};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

use crate::checkout_form;

#[derive(Clone)]
pub struct Shopper {
    pub http: reqwest::Client,
    pub jar: Arc<Jar>,
    pub base: String,
}

pub struct Reply {
    pub status: u16,
    pub body: serde_json::Value,
    pub text: String,
}

impl Shopper {
    /// A browser with its own cookie jar, pointed at `base`.
    pub fn new(base: &str) -> Shopper {
        let jar = Arc::new(Jar::default());
        // A server that stops answering fails the test instead of hanging it: no read may wait
        // longer than this (live streams send keep-alives well within it).
        let http = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(10))
            .read_timeout(Duration::from_secs(60))
            .build()
            .unwrap();
        Shopper { http, jar, base: base.to_owned() }
    }

    /// Calls a server function the way a browser with WASM does (form-encoded, JSON back);
    /// None when the request failed (a server that is down, or was killed mid-request).
    pub async fn try_call(&self, name: &str, form: &[(&str, &str)]) -> Option<Reply> {
        let r = self.http.post(format!("{}/api/{name}", self.base)).form(form).send().await.ok()?;
        let status = r.status().as_u16();
        let text = r.text().await.ok()?;
        let body = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
        Some(Reply { status, body, text })
    }

    /// [`Shopper::try_call`] against a server that must be up.
    pub async fn call(&self, name: &str, form: &[(&str, &str)]) -> Reply {
        self.try_call(name, form).await.unwrap_or_else(|| panic!("calling {name}: no answer from {}", self.base))
    }

    /// A checkout that may meet a dead server: None when the connection failed.
    pub async fn try_checkout(&self, cart: &str, key: &str) -> Option<Reply> {
        self.try_call("place_order", &checkout_form(cart, key)).await
    }

    pub async fn register(&self, email: &str) -> Reply {
        let r = self.call("register", &[("name", "Test Shopper"), ("email", email), ("password", "correct-horse-battery")]).await;
        assert_eq!(r.status, 200, "register {email}: {}", r.text);
        r
    }

    pub async fn checkout(&self, cart: &str, key: &str) -> Reply {
        self.call("place_order", &checkout_form(cart, key)).await
    }

    pub fn cookie_header(&self) -> Option<String> {
        self.jar.cookies(&self.base.parse().unwrap()).map(|h| h.to_str().unwrap().to_owned())
    }

    pub async fn socket(&self) -> Socket {
        self.socket_at(&self.base, "/ws").await
    }

    /// This shopper's socket opened at another address of the same shop (one instance behind
    /// the balancer), with the same session.
    pub async fn socket_on(&self, base: &str) -> Socket {
        self.socket_at(base, "/ws").await
    }

    /// A socket that also takes the public catalog frames, as the browser's does; without a
    /// session, a visitor's.
    pub async fn catalog_socket(&self) -> Socket {
        self.socket_at(&self.base, "/ws?catalog=1").await
    }

    async fn socket_at(&self, base: &str, path: &str) -> Socket {
        let url = base.replace("http://", "ws://") + path;
        let mut req = url.into_client_request().unwrap();
        if let Some(c) = self.cookie_header() {
            req.headers_mut().insert("cookie", c.parse().unwrap());
        }
        let (ws, _) = tokio_tungstenite::connect_async(req).await.expect("websocket upgrade");
        let mut s = Socket { ws };
        let hello = s.next_json(Duration::from_secs(2)).await.expect("hello");
        assert_eq!(hello["kind"], "hello");
        s
    }

    /// A socket that may meet a dead server (a reconnect, as the browser makes one): None when
    /// the upgrade failed or the greeting did not come.
    pub async fn try_socket(&self) -> Option<Socket> {
        let mut req = (self.base.replace("http://", "ws://") + "/ws").into_client_request().ok()?;
        if let Some(c) = self.cookie_header() {
            req.headers_mut().insert("cookie", c.parse().ok()?);
        }
        let (mut ws, _) = tokio_tungstenite::connect_async(req).await.ok()?;
        loop {
            match tokio::time::timeout(Duration::from_secs(2), ws.next()).await {
                Ok(Some(Ok(Message::Text(t)))) if t.as_str().contains("\"hello\"") => return Some(Socket { ws }),
                Ok(Some(Ok(Message::Text(_) | Message::Ping(_) | Message::Pong(_)))) => {}
                _ => return None,
            }
        }
    }
}

/// Tries a `/ws` upgrade with this `Cookie` header: the HTTP status it was refused with, or
/// `None` when the socket opened (it is closed again at once).
pub async fn ws_refusal(base: &str, cookie: &str) -> Option<u16> {
    let mut req = (base.replace("http://", "ws://") + "/ws").into_client_request().unwrap();
    req.headers_mut().insert("cookie", cookie.parse().unwrap());
    match tokio_tungstenite::connect_async(req).await {
        Ok(_) => None,
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => Some(resp.status().as_u16()),
        Err(e) => panic!("/ws upgrade failed without an HTTP answer: {e}"),
    }
}

pub struct Socket {
    pub ws: tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
}

impl Socket {
    /// The next JSON text frame within `wait` (heartbeats skipped), or None when none came in
    /// time. A socket that was closed or failed is not "nothing received": the test fails.
    pub async fn next_json(&mut self, wait: Duration) -> Option<serde_json::Value> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let Ok(msg) = tokio::time::timeout_at(deadline, self.ws.next()).await else { return None };
            match msg {
                Some(Ok(Message::Text(t))) => {
                    let v: serde_json::Value = serde_json::from_str(t.as_str()).unwrap();
                    if v["kind"] != "heartbeat" {
                        return Some(v);
                    }
                }
                Some(Ok(Message::Close(frame))) => panic!("the server closed the socket: {frame:?}"),
                Some(Ok(_)) => {}
                Some(Err(e)) => panic!("the socket failed: {e}"),
                None => panic!("the socket ended"),
            }
        }
    }

    /// The next frame of `kind` ("event", "catalog", "notification"…) within `wait`; frames of
    /// other kinds are skipped.
    pub async fn next_of_kind(&mut self, kind: &str, wait: Duration) -> Option<serde_json::Value> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let v = self.next_json(left).await?;
            if v["kind"] == kind {
                return Some(v);
            }
        }
    }

    /// Collects order events until `n` distinct order ids were seen or `wait` passed.
    pub async fn collect_orders(&mut self, n: usize, wait: Duration) -> std::collections::HashSet<String> {
        let deadline = tokio::time::Instant::now() + wait;
        let mut seen = std::collections::HashSet::new();
        while seen.len() < n {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next_json(left).await {
                Some(v) if v["kind"] == "event" => {
                    seen.insert(v["event"]["order_id"].as_str().unwrap().to_owned());
                }
                Some(_) => {}
                None => break,
            }
        }
        seen
    }
}
