//! The first-run set-up's step runner (`scripts/steps.sh`), driven through bash as the scripts
//! use it: a first build that fails is reported in one line and the installs beside it go on (the
//! command builds it again next and shows the error); an install that fails stops the set-up
//! and says which step, why and where its log is.

use std::path::PathBuf;
use std::process::Command;

/// Runs `script` after sourcing steps.sh, with a cache of its own; returns whether it succeeded
/// and what the runner printed.
fn run_steps(name: &str, script: &str) -> (bool, String) {
    let steps = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scripts/steps.sh");
    let cache = std::env::temp_dir().join(format!("shop-steps-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&cache);
    std::fs::create_dir_all(&cache).unwrap();
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!("SHOP_CACHE='{}'; SHOP_LOGS=\"$SHOP_CACHE/logs\"; source '{}'; {script}", cache.display(), steps.display()))
        .output()
        .expect("bash runs");
    std::fs::remove_dir_all(&cache).unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn a_failed_first_build_is_reported_and_the_installs_go_on() {
    let (ok, printed) = run_steps(
        "build",
        r#"
        install() { sleep 1; touch "$SHOP_CACHE/installed"; }
        build() { echo "error: the build broke"; return 101; }
        steps_add install "An install" 5 "" install
        steps_add build "A first build" 5 "" build head-start
        steps_run && test -f "$SHOP_CACHE/installed"
        "#,
    );
    assert!(ok, "the install was stopped or steps_run failed:\n{printed}");
    assert!(printed.contains("A first build — failed after") && printed.contains("the command builds it next"), "{printed}");
    assert!(printed.contains("✓ [1/2] An install"), "{printed}");
}

#[test]
fn a_failed_install_stops_the_set_up_and_says_why() {
    let (ok, printed) = run_steps(
        "install",
        r#"
        build() { sleep 30; }
        install() { echo "E: Unable to locate package"; return 100; }
        steps_add build "A first build" 5 "" build head-start
        steps_add install "An install" 5 "" install
        steps_run
        "#,
    );
    assert!(!ok, "{printed}");
    assert!(printed.contains("FAILED: [2/2] An install") && printed.contains("E: Unable to locate package"), "{printed}");
    assert!(printed.contains("install.log"), "the log's path is named:\n{printed}");
}
