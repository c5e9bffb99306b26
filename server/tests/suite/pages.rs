//! Every server-rendered page must finish: under concurrent requests, for signed-in and
//! signed-out visitors, owners and non-owners, while other apps start in the same process.
//! A response that stalls until the request timeout is a failure, as is a wrong status or a
//! document cut short.
//!
//! This caught the intermittent 408 the other suites showed: leptos suppresses resource loading
//! process-wide while it generates an app's route list, so one test's app starting could stall
//! a page another test's app was rendering (before the fix: 3–4 stalled of 9,600 per run).

use std::time::Duration;

use futures::StreamExt;

use crate::common::{start_broker, Db, Shopper, TestApp};

/// Requests per page: enough that the hammering outlasts the other apps' starts.
const ROUNDS: usize = 600;
/// How many requests are in flight at once.
const IN_FLIGHT: usize = 16;
/// Apps started in the same process while the first one serves.
const OTHER_APPS: usize = 8;
/// A page that takes this long is stalled, not slow (a normal render is milliseconds).
const STALLED: Duration = Duration::from_secs(15);
/// After this many failures the rest are not sent: with every page stalled, sending all of them
/// would keep the test waiting for hours instead of failing.
const ENOUGH_FAILURES: usize = 20;

struct Case {
    who: &'static str,
    path: String,
    status: u16,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_completes_under_concurrent_requests() {
    let broker = start_broker().await;
    let app = TestApp::spawn(Db::Sqlite, &broker).await;

    let (alice, id) = app.shopper_with_order("alice-pages@example.com", "ridge-mug").await;
    let mallory = app.registered("mallory-pages@example.com").await;
    let staff = app.staff().await;
    let anon = app.shopper();

    let case = |who, path: &str, status| Case { who, path: path.to_owned(), status };
    let order = format!("/orders/{id}");
    let cases = vec![
        case("anon", "/", 200),
        case("anon", "/products", 200),
        case("anon", "/cart", 200),
        case("anon", "/checkout", 200),
        case("anon", "/orders", 200),
        case("anon", &order, 200),
        case("anon", "/login", 200),
        case("alice", "/products?category=kitchen", 200),
        case("alice", "/checkout", 200),
        case("alice", "/orders", 200),
        case("alice", &order, 200),
        case("mallory", &order, 404),
        case("mallory", "/orders/01ARZ3NDEKTSV4RRFFQ69G5FAV", 404),
        case("staff", "/staff", 200),
        case("staff", &order, 200),
        case("alice", "/no-such-page", 404),
    ];
    let client = |who: &str| -> &Shopper {
        match who {
            "alice" => &alice,
            "mallory" => &mallory,
            "staff" => &staff,
            _ => &anon,
        }
    };

    let mut jobs = Vec::new();
    for _ in 0..ROUNDS {
        for c in &cases {
            jobs.push((client(c.who).http.clone(), c));
        }
    }
    let base = app.base.clone();
    let failed = std::sync::atomic::AtomicUsize::new(0);
    let hammer = futures::stream::iter(jobs)
        .map(|(http, c)| {
            let url = format!("{base}{}", c.path);
            let failed = &failed;
            async move {
                if failed.load(std::sync::atomic::Ordering::Relaxed) >= ENOUGH_FAILURES {
                    return None;
                }
                let got = tokio::time::timeout(STALLED, async {
                    let r = http.get(&url).send().await.map_err(|e| e.to_string())?;
                    let status = r.status().as_u16();
                    let body = r.text().await.map_err(|e| e.to_string())?;
                    Ok::<_, String>((status, body))
                })
                .await;
                let failure = match got {
                    Err(_) => Some(format!("{} {}: no complete answer within {STALLED:?}", c.who, c.path)),
                    Ok(Err(e)) => Some(format!("{} {}: {e}", c.who, c.path)),
                    Ok(Ok((status, _))) if status != c.status => Some(format!("{} {}: status {status}, expected {}", c.who, c.path, c.status)),
                    // Leptos appends the resolved resources' scripts after `</html>`.
                    Ok(Ok((_, body))) if !body.contains("</html>") => Some(format!("{} {}: the document is cut short: …{}", c.who, c.path, tail(&body))),
                    Ok(Ok(_)) => None,
                };
                if failure.is_some() {
                    failed.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                failure
            }
        })
        .buffer_unordered(IN_FLIGHT)
        .filter_map(|f| async move { f })
        .collect::<Vec<_>>();
    // Meanwhile other apps start in this same process, as the other tests of a test binary do:
    // building an app's route list must not stall the pages another app is rendering (leptos
    // suppresses resource loading process-wide while a route list is generated).
    let others = async {
        let mut started = Vec::new();
        for _ in 0..OTHER_APPS {
            started.push(TestApp::spawn(Db::Sqlite, &broker).await);
        }
        started
    };
    let (failures, others) = tokio::join!(hammer, others);
    drop(others);
    assert!(
        failures.is_empty(),
        "{} of {} page requests failed (the rest not sent after {ENOUGH_FAILURES}); the broker: {}\n{}",
        failures.len(),
        ROUNDS * cases.len(),
        broker.state(),
        failures.iter().take(ENOUGH_FAILURES).cloned().collect::<Vec<_>>().join("\n")
    );
}

fn tail(body: &str) -> &str {
    let start = body.len().saturating_sub(120);
    let start = (start..body.len()).find(|&i| body.is_char_boundary(i)).unwrap_or(body.len());
    &body[start..]
}
