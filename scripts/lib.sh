# shellcheck shell=bash
# Shared set-up for scripts/run.sh and scripts/test.sh (sourced, not run).
#
# shop_setup [run|test|all] installs whatever this machine lacks for that command (fresh Debian 12
# + rustup + node/npm, as root) and exports the environment the builds need. On a fresh machine
# the installs run in parallel with a progress display (scripts/steps.sh), and the first builds
# start beside them; once everything is installed it takes a second and prints nothing.
# Why each install is done the way it is: the README's "Set-up" section.
#
# After it returns:
#   PATH              in fallback mode /usr/bin (Debian's cargo) before ~/.cargo/bin
#   CARGO_TARGET_DIR  $HOME/.cache/shop/target unless already set
#   SHOP_TOOLCHAIN_MODE  native | fallback
#   SHOP_SETUP_SECONDS   how long the installs took (0 when nothing was installed)
#   RUSTC_WORKSPACE_WRAPPER, CLIPPY_ARGS  for `test`: clippy's lints inside the builds

# rust-web-clippy: the test command's lints, by the clippy of this same compiler.
SHOP_FALLBACK_DEBS=(rustc-web cargo-web rust-web-src rust-web-llvm lld-22 rust-web-clippy)

SHOP_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SHOP_CACHE="$HOME/.cache/shop"
SHOP_LOGS="$SHOP_CACHE/logs"
SHOP_CARGO_BIN="${CARGO_HOME:-$HOME/.cargo}/bin"
# The PATH we were started with: every call rebuilds PATH from it, so sourcing twice or
# calling shop_setup twice does not stack entries.
: "${SHOP_ORIG_PATH:=$PATH}"
export SHOP_ORIG_PATH
SHOP_SETUP_SECONDS=0

# shellcheck source=scripts/steps.sh
source "$SHOP_ROOT/scripts/steps.sh"

_shop_say() { printf 'setup: %s\n' "$*" >&2; }

# rustup's default toolchain has the wasm32 std.
_shop_rustup_has_wasm() {
    local rustc sysroot
    command -v rustup >/dev/null 2>&1 || return 1
    rustc=$(PATH="$SHOP_CARGO_BIN:$SHOP_ORIG_PATH" rustup which rustc 2>/dev/null) || return 1
    sysroot=$("$rustc" --print sysroot 2>/dev/null) || return 1
    [[ -d $sysroot/lib/rustlib/wasm32-unknown-unknown ]]
}

# (a) Choose how the browser crate is built: rustup's target, or Debian's rustc + -Zbuild-std.
_shop_toolchain() {
    local decision="$SHOP_CACHE/toolchain-mode" mode=fallback
    mkdir -p "$SHOP_CACHE"
    if _shop_rustup_has_wasm; then
        mode=native
    elif [[ ${SHOP_TRY_RUSTUP_TARGET:-0} == 1 ]] && command -v rustup >/dev/null 2>&1; then
        # Opt-in: on a normal developer machine rustup can fetch the target. It is not fetched by
        # default because its download host is not one of the package registries this project
        # may rely on (and it has hung on build machines). A plain
        # `rustup target add wasm32-unknown-unknown` done by hand is detected above.
        local limit="${SHOP_RUSTUP_TIMEOUT:-60}"
        _shop_say "trying: rustup target add wasm32-unknown-unknown ($limit s at most)"
        if PATH="$SHOP_CARGO_BIN:$SHOP_ORIG_PATH" timeout -k 5 "$limit" \
            rustup target add wasm32-unknown-unknown >/dev/null 2>&1 && _shop_rustup_has_wasm; then
            mode=native
        fi
    fi

    if [[ $mode == fallback ]]; then
        [[ $(cat "$decision" 2>/dev/null || true) == fallback ]] || echo fallback >"$decision"
        # Debian's cargo drives every build (one cargo, one set of artifacts), and it accepts
        # -Z (for the WASM build's -Zbuild-std) only with RUSTC_BOOTSTRAP.
        PATH="/usr/bin:$SHOP_CARGO_BIN:$SHOP_ORIG_PATH"
        export RUSTC_BOOTSTRAP=1
        # Host binaries are linked by LLVM's lld (lld-22, one of the debs above), as rustup's
        # toolchains do by default; Debian's rustc would use GNU ld, which takes seconds per test
        # binary where lld takes a fraction (README, "Set-up"). Always set in this mode: a
        # change of flags rebuilds every crate.
        export CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS="-Clink-arg=-fuse-ld=lld -Clink-arg=-B/usr/lib/llvm-22/bin"
    else
        PATH="$SHOP_CARGO_BIN:$SHOP_ORIG_PATH"
        unset RUSTC_BOOTSTRAP
    fi
    export PATH
    SHOP_TOOLCHAIN_MODE=$mode
    export SHOP_TOOLCHAIN_MODE
}

# apt, once per hour at most (the steps that use it run one after the other: dpkg has one lock).
_shop_apt_install() {
    local sudo=()
    [[ $EUID -eq 0 ]] || sudo=(sudo)
    local stamp="$SHOP_CACHE/apt-updated"
    if [[ -z $(find "$stamp" -mmin -60 2>/dev/null) ]]; then
        "${sudo[@]}" apt-get update
        touch "$stamp"
    fi
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@"
}

_shop_fallback_debs_missing() {
    [[ $SHOP_TOOLCHAIN_MODE == fallback ]] || return 1
    [[ ! -x /usr/bin/cargo || ! -d /usr/lib/rustlib/src/rust/library || ! -e /usr/bin/rust-lld || ! -x /usr/bin/clippy-driver ]]
}

# npm packages of one directory: `npm ci` only when node_modules is missing or stale.
_shop_npm_fresh() {
    local dir=$1 stamp="$1/node_modules/.package-lock.json"
    [[ -f $stamp && ! $dir/package-lock.json -nt $stamp && ! $dir/package.json -nt $stamp ]]
}
_shop_npm() { npm --prefix "$1" ci --no-audit --no-fund; }
_shop_step_npm_root() { _shop_npm "$SHOP_ROOT"; }
_shop_step_npm_end2end() { _shop_npm "$SHOP_ROOT/end2end"; }

_shop_step_rust_debs() { _shop_apt_install "${SHOP_FALLBACK_DEBS[@]}"; }
# For the tests: the browser of the end-to-end tests (Playwright cannot download its own here),
# the TLS proxy and certificate tool of the Kafka TLS/SASL test, and the load balancer of the
# cluster tests and scripts/cluster.sh.
SHOP_TEST_DEBS=(chromium socat openssl haproxy)
_shop_test_debs_missing() { [[ ! -x /usr/bin/chromium || ! -x /usr/bin/socat || ! -x /usr/bin/openssl || ! -x /usr/sbin/haproxy ]]; }
_shop_step_test_debs() { _shop_apt_install "${SHOP_TEST_DEBS[@]}"; }

# The site builder (site/, built in the `tool` profile) and what it writes to target/site: the
# WASM (compiled, split, wasm-bindgen; for a release wasm-opt, minified JS, precompressed files),
# the CSS and the static files.
shop_build_site() {
    cargo build --quiet --package=site --profile=tool || return 1
    local args=("$@")
    [[ $SHOP_TOOLCHAIN_MODE == fallback ]] && args+=(-- -Zbuild-std=std,panic_abort)
    (cd "$SHOP_ROOT" && "$CARGO_TARGET_DIR/tool/site" "${args[@]}")
}
# The server and the broker it starts (`broker/`, Tansu's library) in one cargo build, so that the
# dependencies they share are compiled once; cargo puts `shop-broker` beside `server`, where the
# server looks for it.
shop_build_server_release() { cargo build --release --package=server --package=broker --bin=server --bin=shop-broker; }

# The release site and the release server with its broker, built at once (their cargo builds lock
# different directories): what the run command, the benchmark and the cluster serve.
shop_build_release() {
    shop_build_server_release &
    local server_build=$!
    # shellcheck disable=SC2064 # the pid is known now
    trap "kill -TERM $server_build 2>/dev/null || true" EXIT
    local site_status=0 server_status=0
    shop_build_site --release --precompress || site_status=$?
    wait "$server_build" || server_status=$?
    trap - EXIT
    if ((site_status != 0 || server_status != 0)); then
        echo "the release build failed (site: exit $site_status, server: exit $server_status); see above" >&2
        return 1
    fi
}

# The test command's lints: clippy-driver compiles the workspace's own crates in the builds the
# tests need anyway (cargo's RUSTC_WORKSPACE_WRAPPER and clippy's CLIPPY_ARGS, the two variables
# `cargo clippy` itself sets), every warning an error. `cargo clippy` would type-check every
# dependency again in a build of its own, the longest step of a cold test run after the builds.
# Dependencies are compiled by plain rustc as before; cargo keeps the linted builds of our crates
# apart from unlinted ones, so switching between the two rebuilds nothing.
_shop_lint_env() {
    local driver="$SHOP_CARGO_BIN/clippy-driver"
    # Debian's clippy for Debian's compiler (installed by the rust_debs step).
    [[ $SHOP_TOOLCHAIN_MODE == fallback ]] && driver=/usr/bin/clippy-driver
    export RUSTC_WORKSPACE_WRAPPER=$driver
    export CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__"
}

# The first builds, started beside the installs they do not need: the same commands that
# scripts/run.sh and scripts/test.sh run next, so that those find everything built. (Not run on a
# warm machine: there cargo's own progress is the display.)
_shop_step_server_release() { shop_build_server_release; }
_shop_step_site_release() { shop_build_site --release --precompress; }
_shop_step_site_debug() { shop_build_site; }
# (The broker's own test makes cargo build `shop-broker` here too, beside the server's tests.)
_shop_step_test_build() { cargo test --no-run; }

# The target dir is shared by every checkout on the machine (that is what keeps CI's fresh clones
# warm). Cargo names the final binaries by crate only (debug/server, front/…/frontend.wasm), so
# after another checkout built there, cargo may find this checkout's crates "fresh" and leave the
# other checkout's binaries in place. When the last builder was another checkout, touch our own
# crates' sources so cargo rebuilds them (dependencies stay cached), and delete the other
# checkout's builds of the workspace crates first: cargo keeps one set per checkout path (a few
# GB of debug builds and incremental state each), so every fresh clone CI makes would otherwise
# add its own until the disk is full (seen: 74 GB).
_shop_claim_target_dir() {
    local marker="$CARGO_TARGET_DIR/.last-checkout"
    mkdir -p "$CARGO_TARGET_DIR"
    if [[ -f $marker && $(cat "$marker") != "$SHOP_ROOT" ]]; then
        (cd "$SHOP_ROOT" && cargo clean --quiet -p server -p app -p backend -p domain -p migration -p bench -p site -p broker) || true
        rm -rf "$CARGO_TARGET_DIR"/debug/incremental "$CARGO_TARGET_DIR"/release/incremental \
            "$CARGO_TARGET_DIR"/front/*/incremental "$CARGO_TARGET_DIR"/front/*/*/incremental
        find "$SHOP_ROOT"/{app,backend,broker,domain,frontend,migrations,server} -name '*.rs' -exec touch {} +
    fi
    echo "$SHOP_ROOT" >"$marker"
}

# shop_setup run|test|all: install what that command needs and export its environment. On a
# first run, `run` and `test` also start their command's builds beside the installs; `all` (the
# benchmark, the fault suite) installs only: its callers build what they need themselves.
shop_setup() {
    local what=${1:-all}
    # Playwright must never try to download browsers (no internet but the registries).
    export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
    _shop_toolchain || return 1
    export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$SHOP_CACHE/target}"
    _shop_claim_target_dir
    if [[ $what == test ]]; then _shop_lint_env; fi
    local cargo_after=""
    if _shop_fallback_debs_missing; then
        steps_add rust_debs "Debian's Rust for the WASM build (apt)" 25 "" _shop_step_rust_debs
        cargo_after=rust_debs
    fi
    _shop_npm_fresh "$SHOP_ROOT" ||
        steps_add npm_root "npm: Tailwind CSS, wasm-opt and esbuild" 6 "" _shop_step_npm_root
    if [[ $what != run ]]; then
        if _shop_test_debs_missing; then
            steps_add test_debs "Chromium, socat, openssl and HAProxy for the tests (apt)" 15 "$cargo_after" _shop_step_test_debs
        fi
        _shop_npm_fresh "$SHOP_ROOT/end2end" ||
            steps_add npm_end2end "npm: Playwright" 5 "" _shop_step_npm_end2end
    fi
    if ((${#STEP_IDS[@]} > 0)); then
        # Something is being installed, so this is a first run: start the builds that follow
        # beside the installs instead of after them.
        local site_after=$cargo_after
        [[ " ${STEP_IDS[*]} " == *" npm_root "* ]] && site_after="$site_after npm_root"
        if [[ $what == run ]]; then
            steps_add server_release "Shop server and its broker (release build)" 1830 "$cargo_after" _shop_step_server_release head-start
            steps_add site_release "Shop in the browser (site builder, WASM release build)" 840 "$site_after" _shop_step_site_release head-start
        elif [[ $what == test ]]; then
            steps_add test_build "Tests and the broker (debug build)" 2030 "$cargo_after" _shop_step_test_build head-start
            steps_add site_debug "Shop in the browser (site builder, WASM debug build)" 1220 "$site_after" _shop_step_site_debug head-start
        fi
    fi
    steps_run || return 1
}
