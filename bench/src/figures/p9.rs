//! P9: click → next page painted, in Chromium on loopback. The browser side is
//! `end2end/p9.mjs` (Playwright, Debian's Chromium); this runs it against the bench's server and
//! turns its answer into a row.

use std::path::Path;

use crate::Row;

const GOAL: &str = "p95 ≤ 100 ms";

pub async fn click_to_paint(base: &str, rounds: usize) -> Row {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../end2end/p9.mjs");
    let out = tokio::process::Command::new("node").arg(&script).arg(base).arg(rounds.to_string()).output().await;
    let out = match out {
        Ok(o) if o.status.success() => o,
        Ok(o) => return failed(format!("{} exited with {}: {}", script.display(), o.status, String::from_utf8_lossy(&o.stderr).trim())),
        Err(e) => return failed(format!("could not run node {}: {e}", script.display())),
    };
    let figures: serde_json::Value = match serde_json::from_slice(&out.stdout) {
        Ok(v) => v,
        Err(e) => return failed(format!("unreadable answer from p9.mjs ({e}): {}", String::from_utf8_lossy(&out.stdout))),
    };
    let f = |k: &str| figures[k].as_f64().unwrap_or(f64::NAN);
    Row {
        figure: "P9 click → next page painted (Chromium, loopback)",
        goal: GOAL,
        measured: format!(
            "p50 {} ms, p95 {} ms over {} clicks (islands hydrated: p50 {} ms, p95 {} ms); as full page loads: first paint p50 {} ms, p95 {} ms",
            f("painted_p50"),
            f("painted_p95"),
            f("clicks"),
            f("hydrated_p50"),
            f("hydrated_p95"),
            f("full_fcp_p50"),
            f("full_fcp_p95")
        ),
        met: Some(f("painted_p95") <= 100.0),
    }
}

fn failed(why: String) -> Row {
    Row { figure: "P9 click → next page painted", goal: GOAL, measured: format!("failed: {why}"), met: Some(false) }
}
