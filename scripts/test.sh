#!/usr/bin/env bash
# Everything CI checks: formatting, the build with clippy's lints, host tests, browser tests on the
# real server.
# Stops at the first failing step and says which one.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh
shop_setup test

# The backend tests use PostgreSQL at 127.0.0.1:5432 (started before each session and CI run;
# start it here if it is not, e.g. after a reboot).
ensure_postgres() {
    pg_isready -q -h 127.0.0.1 && return 0
    local conf version
    for conf in /etc/postgresql/*/main; do
        [[ -d $conf ]] || continue
        version=$(basename "$(dirname "$conf")")
        echo "PostgreSQL is not answering on 127.0.0.1:5432: starting cluster $version/main"
        pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    done
    for _ in $(seq 1 20); do
        pg_isready -q -h 127.0.0.1 && return 0
        sleep 0.5
    done
    echo "PostgreSQL is not running on 127.0.0.1:5432 and could not be started" \
        "(clusters under /etc/postgresql); the backend tests need it." >&2
    return 1
}

# The code is formatted as rustfmt.toml says (`cargo fmt` fixes it). First: it takes a second.
formatting() {
    command -v rustfmt >/dev/null 2>&1 || {
        echo "rustfmt is not installed: rustup component add rustfmt" >&2
        return 1
    }
    cargo fmt --all --check
}

# Everything the tests run, compiled with clippy's lints on our own crates, every warning an error
# (shop_setup test set RUSTC_WORKSPACE_WRAPPER): the host crates and their tests, the site
# builder and its tests, and the browser crate in its real WASM build (`hydrate` on), which also
# writes the debug site the browser tests load. The server binary they run is the one built here
# (target/debug/server, which the integration tests need anyway).
build() {
    "$RUSTC_WORKSPACE_WRAPPER" --version >/dev/null 2>&1 || {
        echo "clippy is not installed ($RUSTC_WORKSPACE_WRAPPER does not run): Debian's" \
            "rust-web-clippy (fallback toolchain) or rustup's clippy component" >&2
        return 1
    }
    cargo test --no-run --locked
    cargo test --no-run --profile=tool --package=site --locked
    shop_build_site
}

host_tests() {
    ensure_postgres || return 1
    # Plain `cargo test` (not --workspace) so that default-members applies: testing the WASM
    # crate `frontend` would switch on `hydrate` in `app` and break server-side rendering.
    # The site builder's own tests, in the profile its binary is built in (no second build of
    # its dependencies). `--tests`: every test target but documentation examples, which the
    # crates have none of (rustdoc spent 20 s finding none in six crates).
    { cargo test --no-fail-fast --tests && cargo test --profile=tool --package=site; } 2>&1 | tee "$RESULTS/cargo-test.log"
}

browser_tests() {
    local server_bin="$CARGO_TARGET_DIR/debug/server" site_root="$PWD/target/site"
    [[ -x $server_bin ]] || {
        echo "no server binary at $server_bin after the build" >&2
        return 1
    }
    cd end2end
    SHOP_SERVER_BIN="$server_bin" SHOP_SITE_ROOT="$site_root" TANSU_BIN="$CARGO_TARGET_DIR/debug/shop-broker" \
        npx playwright test 2>&1 | tee "$RESULTS/playwright.log"
}

# The host and the browser tests side by side: both spend most of their time waiting (on
# timeouts, sleeps, the browser), not computing. The browser tests' output is printed after the
# host tests'; each fails the step on its own and says so.
tests() {
    browser_tests >"$RESULTS/browser.out" 2>&1 &
    local browser=$! host_status=0 browser_status=0
    host_tests || host_status=$?
    wait "$browser" || browser_status=$?
    echo "==> browser tests (they ran beside the host tests)"
    cat "$RESULTS/browser.out"
    ((host_status == 0)) || echo "test.sh: the host tests FAILED (exit $host_status)" >&2
    ((browser_status == 0)) || echo "test.sh: the browser tests FAILED (exit $browser_status)" >&2
    ((host_status == 0 && browser_status == 0))
}

# Adds up what the runners reported: cargo's "test result" lines and Playwright's summary.
count_tests() {
    local passed=0 failed=0 p f
    if [[ -f $RESULTS/cargo-test.log ]]; then
        while read -r p f; do
            passed=$((passed + p))
            failed=$((failed + f))
        done < <(sed -nE 's/^test result: [a-zA-Z]+\. ([0-9]+) passed; ([0-9]+) failed.*/\1 \2/p' "$RESULTS/cargo-test.log")
    fi
    if [[ -f $RESULTS/playwright.log ]]; then
        p=$(sed -nE 's/^ *([0-9]+) passed.*/\1/p' "$RESULTS/playwright.log" | tail -n 1)
        f=$(sed -nE 's/^ *([0-9]+) failed.*/\1/p' "$RESULTS/playwright.log" | tail -n 1)
        passed=$((passed + ${p:-0}))
        failed=$((failed + ${f:-0}))
    fi
    echo "$passed $failed"
}

# The last line is the plain "N passed, N failed" summary of the tests the runners reported.
RESULTS=$(mktemp -d)
trap 'rm -rf "$RESULTS"' EXIT
STEPS=(formatting build tests)
passed=0
for step in "${STEPS[@]}"; do
    echo "==> $step"
    start=$SECONDS
    # A subshell outside any `if`, so that `set -e` stays in force inside the step.
    set +e
    (
        set -e
        "$step"
    )
    status=$?
    set -e
    if [[ $status -ne 0 ]]; then
        echo "test.sh: step '$step' FAILED (exit $status) after $((SECONDS - start)) s; later steps not run" >&2
        read -r tp tf < <(count_tests)
        # A failed step with no failing test counted (a build error, say) still counts as one.
        [[ $tf -gt 0 ]] || tf=1
        echo "tests: $tp passed, $tf failed"
        exit 1
    fi
    echo "==> $step passed in $((SECONDS - start)) s"
    passed=$((passed + 1))
done
read -r tp tf < <(count_tests)
echo "all $passed steps passed"
echo "tests: $tp passed, $tf failed"
