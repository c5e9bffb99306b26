//! What a shopper's or staff browser does, reduced to what the benchmark needs: sign up or in
//! (keeping the session cookie), check out through the real server-function endpoint, and open
//! `/ws` sockets or `/events` streams. Connections bind to many loopback source addresses (127.0.0.2, .3, …) so that
//! tens of thousands of them never run out of ephemeral ports.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::StreamExt;
use tokio::net::TcpSocket;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

pub type Socket = WebSocketStream<tokio::net::TcpStream>;

pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(1024)
        .timeout(Duration::from_secs(30))
        .build()
        .expect("HTTP client")
}

/// A signed-in user: its session cookie, `name=value` (`__Host-session` in production).
#[derive(Clone)]
pub struct User {
    pub cookie: String,
}

pub async fn register(http: &reqwest::Client, base: &str, email: &str) -> Result<User, String> {
    let r = http
        .post(format!("{base}/api/register"))
        .form(&[("name", "Bench Shopper"), ("email", email), ("password", "bench-password-123")])
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let cookie = testkit::session_cookie(r.headers()).ok_or_else(|| format!("register {email}: {}", r.status()))?;
    Ok(User { cookie })
}

pub async fn login(http: &reqwest::Client, base: &str, email: &str, password: &str) -> Result<User, String> {
    let r = http.post(format!("{base}/api/login")).form(&[("email", email), ("password", password)]).send().await.map_err(|e| e.to_string())?;
    let cookie = testkit::session_cookie(r.headers()).ok_or_else(|| format!("login {email}: {}", r.status()))?;
    Ok(User { cookie })
}

/// Registers `n` shoppers, a few at a time.
pub async fn register_many(http: &reqwest::Client, base: &str, tag: &str, n: usize) -> Result<Vec<User>, String> {
    let results: Vec<Result<User, String>> = futures::stream::iter(0..n)
        .map(|i| async move { register(http, base, &format!("{tag}-{i}-{}@example.test", ulid::Ulid::new().to_string().to_lowercase())).await })
        .buffer_unordered(16)
        .collect()
        .await;
    results.into_iter().collect()
}

/// One checkout of one unit of `product`; returns the order id.
pub async fn checkout(http: &reqwest::Client, base: &str, user: &User, product: &str) -> Result<String, String> {
    let key = testkit::new_key();
    let cart = format!("{product}:1");
    let r = http
        .post(format!("{base}/api/place_order"))
        .header("cookie", &user.cookie)
        .form(&testkit::checkout_form(&cart, &key))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = r.status();
    let text = r.text().await.map_err(|e| e.to_string())?;
    if status != 200 {
        return Err(format!("checkout: {status} {text}"));
    }
    let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    v["order"]["id"].as_str().map(str::to_owned).ok_or_else(|| format!("checkout: no order id in {text}"))
}

static NEXT_SOURCE: AtomicUsize = AtomicUsize::new(0);

/// Loopback source addresses used round-robin (each has its own ~28k ephemeral ports).
const SOURCES: usize = 32;

async fn connect(addr: SocketAddr) -> Result<tokio::net::TcpStream, String> {
    let n = NEXT_SOURCE.fetch_add(1, Ordering::Relaxed) % SOURCES;
    let source = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(127, 0, 1, 1 + n as u8)), 0);
    let tcp = TcpSocket::new_v4().map_err(|e| e.to_string())?;
    tcp.bind(source).map_err(|e| format!("bind {source}: {e}"))?;
    let stream = tcp.connect(addr).await.map_err(|e| format!("connect {addr}: {e}"))?;
    stream.set_nodelay(true).ok();
    Ok(stream)
}

pub async fn open_socket(addr: SocketAddr, user: &User) -> Result<Socket, String> {
    let stream = connect(addr).await?;
    let mut req = format!("ws://{addr}/ws").into_client_request().map_err(|e| e.to_string())?;
    req.headers_mut().insert("cookie", user.cookie.parse().map_err(|_| "cookie header")?);
    // Small buffers: the benchmark holds up to 20,000 of these itself.
    let config = WebSocketConfig::default().read_buffer_size(4096).write_buffer_size(0);
    let (mut ws, _) = tokio_tungstenite::client_async_with_config(req, stream, Some(config)).await.map_err(|e| format!("upgrade: {e}"))?;
    match tokio::time::timeout(Duration::from_secs(10), ws.next()).await {
        Ok(Some(Ok(Message::Text(t)))) if t.as_str().contains("\"hello\"") => Ok(ws),
        other => Err(format!("expected hello, got {other:?}")),
    }
}

/// Opens a `/events` stream (Server-Sent Events) as a browser's `EventSource` does and reads
/// it up to its hello; the stream is then read as plain bytes (`readers.rs`).
pub async fn open_stream(addr: SocketAddr, user: &User) -> Result<std::net::TcpStream, String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = connect(addr).await?;
    let request = format!("GET /events HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\nCookie: {}\r\n\r\n", user.cookie);
    stream.write_all(request.as_bytes()).await.map_err(|e| format!("request: {e}"))?;
    let mut head = Vec::new();
    let mut chunk = [0u8; 1024];
    let read_hello = async {
        loop {
            let n = stream.read(&mut chunk).await.map_err(|e| format!("read: {e}"))?;
            if n == 0 {
                return Err(format!("closed before its hello: {}", String::from_utf8_lossy(&head)));
            }
            head.extend_from_slice(&chunk[..n]);
            let text = String::from_utf8_lossy(&head);
            if !text.starts_with("HTTP/1.1 200") && text.contains("\r\n") {
                return Err(format!("refused: {}", text.lines().next().unwrap_or_default()));
            }
            if text.contains("\"hello\"") && text.ends_with("\n\n\r\n") {
                return Ok(());
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(10), read_hello).await.map_err(|_| "no hello within 10 s".to_owned())??;
    stream.into_std().map_err(|e| e.to_string())
}

/// Opens `n` streams for `users` (round-robin), `parallel` at a time.
pub async fn open_streams(addr: SocketAddr, users: &[User], n: usize, parallel: usize) -> Result<Vec<std::net::TcpStream>, String> {
    let results: Vec<Result<std::net::TcpStream, String>> =
        futures::stream::iter(0..n).map(|i| open_stream(addr, &users[i % users.len()])).buffer_unordered(parallel).collect().await;
    results.into_iter().collect()
}

/// Opens `n` sockets for `users` (round-robin), `parallel` handshakes at a time.
pub async fn open_many(addr: SocketAddr, users: &[User], n: usize, parallel: usize) -> Result<Vec<Socket>, String> {
    let results: Vec<Result<Socket, String>> =
        futures::stream::iter(0..n).map(|i| open_socket(addr, &users[i % users.len()])).buffer_unordered(parallel).collect().await;
    results.into_iter().collect()
}

/// The order id of an `order.created` frame's text, if it is one.
///
/// A plain text scan, not a JSON parse: in P4 this runs for 10,000 sockets per event on the same
/// two cores as the server, and a full parse per frame would be counted as delivery time.
/// (The frame's shape is fixed by `domain::event`; `reads_the_order_id_of_a_created_frame`
/// checks the scan against a real encoded frame.)
pub fn order_id_of_created(text: &str) -> Option<String> {
    if !text.contains(r#""kind":"event""#) || !text.contains(r#""type":"order.created""#) {
        return None;
    }
    let start = text.find(r#""order_id":""#)? + r#""order_id":""#.len();
    let len = text[start..].find('"')?;
    Some(text[start..start + len].to_owned())
}

#[cfg(test)]
mod tests {
    use domain::event::EventType;
    use domain::lifecycle::OrderStatus;
    use domain::ServerMessage;

    fn frame(kind: EventType) -> String {
        let event = domain::fixtures::order_event(kind, "01JORDER42", "01JUSER", OrderStatus::Pending, 1);
        ServerMessage::Event { event }.to_json()
    }

    #[test]
    fn reads_the_order_id_of_a_created_frame() {
        assert_eq!(super::order_id_of_created(&frame(EventType::OrderCreated)).as_deref(), Some("01JORDER42"));
        assert_eq!(super::order_id_of_created(&frame(EventType::OrderStatusChanged)), None);
        assert_eq!(super::order_id_of_created(&ServerMessage::Heartbeat.to_json()), None);
    }
}
