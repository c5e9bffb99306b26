//! P6: server time to render /products with 100 products.

use std::time::{Duration, Instant};

use crate::server::Server;
use crate::stats::{ms, Samples};
use crate::{Row, Scale};

pub async fn render(http: &reqwest::Client, srv: &Server, scale: &Scale) -> Row {
    let figure = "P6 server time to render /products, 100 products, p50";
    let goal = "≤ 2 ms";
    let url = format!("{}/products", srv.base);
    // Warm up (fills the catalog cache, as any running shop has it filled).
    for _ in 0..20 {
        let _ = http.get(&url).send().await.map(|r| r.bytes());
    }
    let mut lat = Samples::default();
    let mut size = 0;
    for _ in 0..scale.p6_requests {
        let t = Instant::now();
        // No Accept-Encoding: the time is rendering, not compressing.
        match http.get(&url).send().await {
            Ok(r) => {
                let body = r.bytes().await.unwrap_or_default();
                lat.push(t.elapsed());
                size = body.len();
            }
            Err(e) => return Row { figure, goal, measured: format!("failed: {e}"), met: Some(false) },
        }
    }
    let p50 = lat.percentile(50.0);
    Row {
        figure,
        goal,
        measured: format!(
            "p50 {} ms, p99 {} ms ({} sequential requests over loopback, {} KB of HTML; includes the HTTP round trip)",
            p50.map(ms).unwrap_or_default(),
            lat.percentile(99.0).map(ms).unwrap_or_default(),
            lat.len(),
            size / 1000
        ),
        met: p50.map(|p| p <= Duration::from_millis(2)),
    }
}
