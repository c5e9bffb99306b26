//! The shop facing the internet: requests meant to stall it (oversized carts for the parsers,
//! connections that never finish their headers, more connections or sockets than one visitor
//! should hold), and what it must not give away (metrics, cached private pages, secrets on disk
//! or in the broker's environment, cookies and transport security in production). Each test
//! names the attack; the shop must answer others at once and hold only what the caps allow.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

use crate::common::{new_key, start_broker, Db, TestApp};

/// A cart of `n` distinct, well-formed lines (`p0:1|p1:1|…`).
fn distinct_lines(n: usize, separator: &str) -> String {
    (0..n).map(|i| format!("p{i}:1")).collect::<Vec<_>>().join(separator)
}

/// How long `GET /` takes with this `Cookie` header (the page is read to the end).
async fn time_home(base: &str, cookie: &str) -> Duration {
    let client = reqwest::Client::new();
    let start = Instant::now();
    let r = client.get(format!("{base}/")).header("cookie", cookie).send().await.unwrap();
    assert_eq!(r.status(), 200);
    r.text().await.unwrap();
    start.elapsed()
}

#[tokio::test]
async fn an_oversized_cart_cookie_or_field_costs_no_more_than_a_normal_request() {
    let broker = start_broker().await;
    let app = TestApp::spawn(Db::Sqlite, &broker).await;
    // ~300 KB of distinct lines: a parser that is not bounded before it starts would spend
    // seconds of CPU on this, on every page render.
    let huge = format!("cart={}", distinct_lines(30_000, "|"));
    assert!(huge.len() > 250_000);
    let normal = time_home(&app.base, "cart=aurora-headphones:1").await;
    let hostile = time_home(&app.base, &huge).await;
    assert!(hostile < normal + Duration::from_millis(150), "GET / with a huge cart cookie took {hostile:?} (a normal one {normal:?})");
    let overflow = time_home(&app.base, "cart=aurora-headphones:1|aurora-headphones:9223372036854775807").await;
    assert!(overflow < Duration::from_secs(2));

    // The same shape through a server function: refused with a message, quickly.
    let s = app.registered("big-cart@example.com").await;
    let start = Instant::now();
    let r = s.call("quote", &[("cart", &distinct_lines(5_000, ","))]).await;
    assert!(start.elapsed() < normal + Duration::from_millis(150), "quote took {:?}", start.elapsed());
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.body["problems"][0].as_str().unwrap().contains("At most 50"), "{}", r.text);
    let order = s.checkout(&distinct_lines(5_000, ","), &new_key()).await;
    assert_eq!(order.status, 422, "{}", order.text);
    app.app.shutdown().await;
}

/// Whether the server closed this connection within `wait` (EOF or reset; anything it sent
/// first, such as a 408, is read and ignored).
async fn closed_within(stream: &mut TcpStream, wait: Duration) -> bool {
    let mut buf = [0u8; 1024];
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue,
        }
    }
}

async fn connect_from(source: [u8; 4], to: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::from((source, 0))).unwrap();
    socket.connect(to).await.unwrap()
}

#[tokio::test]
async fn connections_that_never_finish_their_headers_are_closed() {
    let broker = start_broker().await;
    let app = TestApp::spawn_with(Db::Sqlite, &broker, &[("HEADER_TIMEOUT_MS", "500")]).await;
    let mut held = Vec::new();
    for _ in 0..200 {
        let mut c = TcpStream::connect(app.app.addr).await.unwrap();
        c.write_all(b"GET / HTTP/1.1\r\nHost: shop\r\nX-Slow: ").await.unwrap();
        held.push(c);
    }
    tokio::time::sleep(Duration::from_millis(700)).await;
    for (i, c) in held.iter_mut().enumerate() {
        assert!(closed_within(c, Duration::from_secs(3)).await, "half-sent request {i} still held after the header timeout");
    }
    // An idle keep-alive connection is closed the same way.
    let mut idle = TcpStream::connect(app.app.addr).await.unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: shop\r\n\r\n").await.unwrap();
    assert!(closed_within(&mut idle, Duration::from_secs(3)).await, "idle keep-alive connection still held");
    app.app.shutdown().await;
}

#[tokio::test]
async fn one_address_cannot_hold_more_than_its_share_and_shoppers_still_check_out() {
    let broker = start_broker().await;
    let app = TestApp::spawn_with(Db::Sqlite, &broker, &[("MAX_CONNECTIONS", "60"), ("MAX_CONNECTIONS_PER_IP", "40")]).await;
    // One address opens 100 connections and sends nothing: only its newest 40 stay open.
    let mut flood = Vec::new();
    for _ in 0..100 {
        flood.push(connect_from([127, 0, 0, 2], app.app.addr).await);
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let mut open = 0;
    for c in flood.iter_mut() {
        if !closed_within(c, Duration::from_millis(100)).await {
            open += 1;
        }
    }
    assert!(open <= 40, "{open} connections of one address held (cap 40)");
    // A second address fills the process-wide cap of 60: still, a shopper checks out.
    let mut more = Vec::new();
    for _ in 0..60 {
        more.push(connect_from([127, 0, 0, 3], app.app.addr).await);
    }
    let shopper = app.registered("at-the-cap@example.com").await;
    let order = shopper.checkout("aurora-headphones:1", &new_key()).await;
    assert_eq!(order.status, 200, "checkout at the connection cap: {}", order.text);
    drop((flood, more));
    app.app.shutdown().await;
}

#[tokio::test]
async fn one_account_cannot_open_unbounded_sockets() {
    let broker = start_broker().await;
    let app = TestApp::spawn_with(Db::Sqlite, &broker, &[("WS_PER_USER", "3")]).await;
    let s = app.registered("many-tabs@example.com").await;
    let mut open = Vec::new();
    for _ in 0..3 {
        open.push(s.socket().await);
    }
    let cookie = s.cookie_header().unwrap();
    assert_eq!(crate::common::ws_refusal(&app.base, &cookie).await, Some(429), "a fourth socket for one account was not refused");
    open.pop();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(crate::common::ws_refusal(&app.base, &cookie).await, None, "a closed socket frees its place");
    app.app.shutdown().await;
}

#[tokio::test]
async fn metrics_are_private_and_private_answers_are_not_cached() {
    let broker = start_broker().await;
    let app = TestApp::spawn(Db::Sqlite, &broker).await;
    let http = reqwest::Client::new();
    assert_eq!(http.get(format!("{}/metrics", app.base)).send().await.unwrap().status(), 401);
    let wrong = http.get(format!("{}/metrics", app.base)).bearer_auth("not-the-metrics-token").send().await.unwrap();
    assert_eq!(wrong.status(), 401);
    assert!(crate::common::metrics(&app.base).await.contains("shop_events_produced_total"));
    let s = app.registered("no-store@example.com").await;
    for path in ["/", "/orders", "/cart"] {
        let r = s.http.get(format!("{}{path}", app.base)).send().await.unwrap();
        assert_eq!(r.headers().get("cache-control").map(|v| v.to_str().unwrap()), Some("no-store"), "{path}");
    }
    let r = s.http.post(format!("{}/api/current_user", app.base)).send().await.unwrap();
    assert_eq!(r.headers().get("cache-control").map(|v| v.to_str().unwrap()), Some("no-store"), "server function");
    app.app.shutdown().await;

    // Without METRICS_TOKEN there is no /metrics at all.
    let open = TestApp::spawn_with(Db::Sqlite, &broker, &[("METRICS_TOKEN", "")]).await;
    assert_eq!(http.get(format!("{}/metrics", open.base)).send().await.unwrap().status(), 404);
    open.app.shutdown().await;
}

#[tokio::test]
async fn the_database_file_is_private_and_the_broker_gets_no_secrets() {
    use std::os::unix::fs::PermissionsExt;
    let broker = start_broker().await;
    let app = TestApp::spawn(Db::Sqlite, &broker).await;
    let db = app.app.shop.db().get_sqlite_connection_pool().connect_options().get_filename().to_owned();
    let mode = std::fs::metadata(&db).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "{} is {mode:o}", db.display());
    app.app.shutdown().await;

    // The embedded broker's environment holds none of the server's variables.
    let pid = broker.pid().expect("the test broker runs");
    let environ = std::fs::read(format!("/proc/{pid}/environ")).unwrap();
    let environ = String::from_utf8_lossy(&environ);
    for secret in ["DATABASE_URL", "ADMIN_PASSWORD", "METRICS_TOKEN", "CARGO_"] {
        assert!(!environ.contains(secret), "the broker inherited {secret}");
    }
}

#[tokio::test]
async fn in_production_cookies_are_host_only_and_secure_and_transport_security_is_asked_for() {
    let broker = start_broker().await;
    let app = TestApp::spawn_with(Db::Sqlite, &broker, &[("APP_ENV", "production")]).await;
    let http = reqwest::Client::new();
    let r = http
        .post(format!("{}/api/register", app.base))
        .form(&[("name", "Prod"), ("email", "prod@example.com"), ("password", "correct-horse-battery")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("__Host-session=") && cookie.contains("; Secure") && cookie.contains("Path=/") && !cookie.contains("Domain"), "{cookie}");
    assert_eq!(r.headers()["strict-transport-security"], "max-age=31536000; includeSubDomains");
    let page = http.get(format!("{}/", app.base)).send().await.unwrap();
    assert!(page.headers().contains_key("strict-transport-security"));
    app.app.shutdown().await;

    // In development over http, neither (the browser would drop a Secure cookie on http).
    let dev = TestApp::spawn(Db::Sqlite, &broker).await;
    let page = http.get(format!("{}/", dev.base)).send().await.unwrap();
    assert!(!page.headers().contains_key("strict-transport-security"));
    dev.app.shutdown().await;
}

/// A registration sent on a raw connection that starts with a PROXY v1 header claiming the
/// client is 203.0.113.7: the status line and the session cookie, if one was set.
async fn register_behind_proxy_header(base: &str, email: &str) -> (String, Option<String>) {
    let addr: SocketAddr = base.trim_start_matches("http://").parse().unwrap();
    let body = format!("name=Proxied&email={}&password=correct-horse-battery", email.replace('@', "%40"));
    let request = format!(
        "PROXY TCP4 203.0.113.7 {ip} 40000 {port}\r\nPOST /api/register HTTP/1.1\r\nHost: {addr}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len(),
        ip = addr.ip(),
        port = addr.port()
    );
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    tcp.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), tcp.read_to_end(&mut answer)).await;
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer.lines().next().unwrap_or_default().to_owned();
    let cookie = answer
        .lines()
        .filter_map(|l| l.strip_prefix("set-cookie: ").or_else(|| l.strip_prefix("Set-Cookie: ")))
        .find(|c| c.starts_with("session=") || c.starts_with("__Host-session="))
        .map(|c| c.split(';').next().unwrap().to_owned());
    (status, cookie)
}

/// Behind a load balancer every connection comes from the balancer; the balancer says whose it
/// is in a PROXY header, and the shop takes the shopper's address from it (the per-address caps
/// and the sign-in throttle count shoppers, not the balancer) — but only from `TRUSTED_PROXIES`:
/// from anyone else the header is not HTTP and is refused, so no visitor can claim an address.
#[tokio::test]
async fn a_proxy_header_names_the_client_only_from_a_trusted_balancer() {
    let broker = start_broker().await;
    let trusting = TestApp::spawn_with(Db::Sqlite, &broker, &[("TRUSTED_PROXIES", "127.0.0.1")]).await;
    let (status, cookie) = register_behind_proxy_header(&trusting.base, "proxied@example.com").await;
    assert!(status.contains(" 200 "), "registration behind the balancer: {status}");
    let cookie = cookie.expect("a session cookie");
    let account = reqwest::Client::new().post(format!("{}/api/my_account", trusting.base)).header("cookie", &cookie).send().await.unwrap();
    let account: serde_json::Value = account.json().await.unwrap();
    assert_eq!(account["sessions"][0]["ip"], "203.0.113.7", "the session records the shopper's address, not the balancer's: {account}");
    // Plain requests from the trusted address (a health check) are served as before.
    assert_eq!(reqwest::get(format!("{}/healthz", trusting.base)).await.unwrap().status(), 200);

    let untrusting = TestApp::spawn(Db::Sqlite, &broker).await;
    let users = untrusting.count("users").await;
    let (status, cookie) = register_behind_proxy_header(&untrusting.base, "claimer@example.com").await;
    assert!(status.contains(" 400 "), "a PROXY header from an untrusted address is refused: {status:?}");
    assert!(cookie.is_none());
    assert_eq!(untrusting.count("users").await, users, "nothing was registered");
    trusting.app.shutdown().await;
    untrusting.app.shutdown().await;
}
