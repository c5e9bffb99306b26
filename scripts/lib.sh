# shellcheck shell=bash
# Shared set-up for scripts/run.sh and scripts/test.sh (sourced, not run).
#
# shop_setup installs whatever this machine lacks (fresh Debian 12 + rustup + node/npm, as root)
# and exports the environment the builds need. Once everything is installed it takes seconds
# and prints nothing. Background: shared/TOOLCHAIN.md.
#
# After it returns:
#   PATH              node_modules/.bin first (wasm-opt, tailwindcss for cargo-leptos), then in
#                     fallback mode /usr/bin (Debian's cargo) before ~/.cargo/bin
#   CARGO_TARGET_DIR  $HOME/.cache/shop/target unless already set
#   TANSU_BIN         absolute path of the tansu broker
#   LEPTOS_LIB_ARGS   array of the cargo-leptos arguments every build needs: `--split` (most
#                     pages are lazy routes, split into their own WASM chunks) and, in
#                     fallback mode, -Zbuild-std
#   SHOP_TOOLCHAIN_MODE  native | fallback

SHOP_LEPTOS_VERSION=0.3.11
SHOP_WASM_BINDGEN_VERSION=0.2.130
SHOP_TANSU_VERSION=0.6.0
SHOP_TANSU_FEATURES=dynostore,libsql,postgres
SHOP_FALLBACK_DEBS=(rustc-web cargo-web rust-web-src rust-web-llvm lld-22)

SHOP_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SHOP_CACHE="$HOME/.cache/shop"
SHOP_LOGS="$SHOP_CACHE/logs"
SHOP_CARGO_BIN="${CARGO_HOME:-$HOME/.cargo}/bin"
# The PATH we were started with: every call rebuilds PATH from it, so sourcing twice or
# calling shop_setup twice does not stack entries.
: "${SHOP_ORIG_PATH:=$PATH}"
export SHOP_ORIG_PATH
LEPTOS_LIB_ARGS=()

_shop_say() { printf 'setup: %s\n' "$*" >&2; }

# Run a long, noisy command with its output in a log; on failure show the log's tail.
_shop_logged() {
    local name=$1
    shift
    local log="$SHOP_LOGS/$name.log"
    mkdir -p "$SHOP_LOGS"
    if ! "$@" >"$log" 2>&1; then
        tail -n 40 "$log" >&2
        _shop_say "FAILED: $* (full log: $log)"
        return 1
    fi
}

_SHOP_APT_UPDATED=0
_shop_apt_install() {
    local sudo=()
    [[ $EUID -eq 0 ]] || sudo=(sudo)
    if [[ $_SHOP_APT_UPDATED -eq 0 ]]; then
        _shop_logged apt-update "${sudo[@]}" apt-get update || return 1
        _SHOP_APT_UPDATED=1
    fi
    _shop_logged apt-install "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y "$@"
}

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
        if [[ ! -x /usr/bin/cargo || ! -d /usr/lib/rustlib/src/rust/library || ! -e /usr/bin/rust-lld ]]; then
            _shop_say "installing Debian's Rust for the WASM build: ${SHOP_FALLBACK_DEBS[*]}"
            _shop_apt_install "${SHOP_FALLBACK_DEBS[@]}" || return 1
        fi
        [[ $(cat "$decision" 2>/dev/null || true) == fallback ]] || echo fallback >"$decision"
        # Debian's cargo must drive both builds (cargo-leptos runs `cargo` from PATH), and it
        # accepts -Z only with RUSTC_BOOTSTRAP; ~/.cargo/bin still supplies cargo-leptos etc.
        PATH="/usr/bin:$SHOP_CARGO_BIN:$SHOP_ORIG_PATH"
        export RUSTC_BOOTSTRAP=1
        # One argument (cargo-leptos does not split it on the comma).
        LEPTOS_LIB_ARGS=(--split "--lib-cargo-args=-Zbuild-std=std,panic_abort")
    else
        PATH="$SHOP_CARGO_BIN:$SHOP_ORIG_PATH"
        unset RUSTC_BOOTSTRAP
        # shellcheck disable=SC2034 # used by the scripts that source this file
        LEPTOS_LIB_ARGS=(--split)
    fi
    export PATH
    SHOP_TOOLCHAIN_MODE=$mode
    export SHOP_TOOLCHAIN_MODE
}

# cargo install NAME SEARCH-PATH ARGS...: the cargo found on SEARCH-PATH, without the
# project's target dir (keeps tool builds out of it) and without RUSTC_BOOTSTRAP (tools are
# built as on stable).
_shop_cargo_install() {
    local name=$1 search_path=$2
    shift 2
    _shop_logged "install-$name" env -u CARGO_TARGET_DIR -u RUSTC_BOOTSTRAP PATH="$search_path" \
        cargo install "$@"
}

# (c) cargo-leptos, with the chosen cargo.
_shop_cargo_leptos() {
    [[ $(cargo leptos --version 2>/dev/null || true) == *" $SHOP_LEPTOS_VERSION"* ]] && return 0
    _shop_say "installing cargo-leptos $SHOP_LEPTOS_VERSION with $(command -v cargo) (several minutes)"
    if [[ $SHOP_TOOLCHAIN_MODE == fallback ]]; then
        _shop_cargo_install cargo-leptos "$PATH" --locked "cargo-leptos@$SHOP_LEPTOS_VERSION"
        return
    fi
    # Its lock needs rustc >= 1.96 (Debian's has it): with an older rustup stable, resolve afresh.
    _shop_cargo_install cargo-leptos-locked "$PATH" --locked "cargo-leptos@$SHOP_LEPTOS_VERSION" 2>/dev/null &&
        return 0
    _shop_say "cargo install --locked failed (rustc too old?): retrying without --locked"
    _shop_cargo_install cargo-leptos "$PATH" "cargo-leptos@$SHOP_LEPTOS_VERSION"
}

# (d) wasm-bindgen CLI: must equal the wasm-bindgen crate pinned in Cargo.toml.
_shop_wasm_bindgen() {
    [[ $(wasm-bindgen --version 2>/dev/null || true) == *" $SHOP_WASM_BINDGEN_VERSION"* ]] && return 0
    _shop_say "installing wasm-bindgen-cli $SHOP_WASM_BINDGEN_VERSION with $(command -v cargo)"
    # No --locked: its lock names a crate version the registry mirror lacks.
    _shop_cargo_install wasm-bindgen-cli "$PATH" "wasm-bindgen-cli@$SHOP_WASM_BINDGEN_VERSION"
}

# Did `cargo install` record tansu $SHOP_TANSU_VERSION with the storage features we need?
_shop_tansu_features_recorded() {
    local crates2="${CARGO_HOME:-$HOME/.cargo}/.crates2.json"
    [[ -f $crates2 ]] || return 1
    # shellcheck disable=SC2016 # JavaScript, not shell
    node -e '
        const [file, version, wanted] = process.argv.slice(1);
        const installs = JSON.parse(require("fs").readFileSync(file, "utf8")).installs || {};
        const ok = Object.entries(installs).some(([key, v]) =>
            key.startsWith(`tansu ${version} `) &&
            wanted.split(",").every((f) => (v.features || []).includes(f)));
        process.exit(ok ? 0 : 1);
    ' "$crates2" "$SHOP_TANSU_VERSION" "$SHOP_TANSU_FEATURES" 2>/dev/null
}

# (e) Tansu, the Kafka-API broker the server starts. Plain `cargo install tansu` has no storage
# engine, so the version alone is not enough: the features are checked too, in cargo's own
# install record, else by `tansu --version` plus a marker we write after our own install.
_shop_tansu_ok() {
    local bin=$1 marker=$2
    [[ -x $bin ]] || return 1
    if _shop_tansu_features_recorded; then
        [[ -f $marker ]] || echo "$SHOP_TANSU_FEATURES" >"$marker"
        return 0
    fi
    [[ $("$bin" --version 2>/dev/null || true) == *"$SHOP_TANSU_VERSION"* ]] &&
        [[ $(cat "$marker" 2>/dev/null || true) == "$SHOP_TANSU_FEATURES" ]]
}

_shop_tansu() {
    local bin="$SHOP_CARGO_BIN/tansu"
    local marker="$SHOP_CACHE/tansu-$SHOP_TANSU_VERSION-features"
    if ! _shop_tansu_ok "$bin" "$marker"; then
        _shop_say "installing tansu $SHOP_TANSU_VERSION ($SHOP_TANSU_FEATURES) with rustup's cargo (about 17 minutes)"
        # rustup's cargo, as verified; --locked matters (the postgres feature breaks unlocked).
        _shop_cargo_install tansu "$SHOP_CARGO_BIN:$SHOP_ORIG_PATH" \
            tansu --version "$SHOP_TANSU_VERSION" --locked --features "$SHOP_TANSU_FEATURES" || return 1
        echo "$SHOP_TANSU_FEATURES" >"$marker"
    fi
    export TANSU_BIN="$bin"
}

# (f) npm packages of one directory: `npm ci` only when node_modules is missing or stale.
_shop_npm() {
    local dir=$1
    local stamp="$dir/node_modules/.package-lock.json" rel=${dir#"$SHOP_ROOT"}
    rel=${rel#/}
    if [[ -f $stamp && ! $dir/package-lock.json -nt $stamp && ! $dir/package.json -nt $stamp ]]; then
        return 0
    fi
    if [[ -f $dir/package-lock.json ]]; then
        _shop_say "npm ci in ${rel:-.}"
        _shop_logged npm-"$(basename "$dir")" npm --prefix "$dir" ci --no-audit --no-fund
    else
        _shop_say "npm install in ${rel:-.} (no package-lock.json)"
        _shop_logged npm-"$(basename "$dir")" npm --prefix "$dir" install --no-audit --no-fund
    fi
}

# (g) The browser for the end-to-end tests (Playwright cannot download its own here).
_shop_chromium() {
    [[ -x /usr/bin/chromium ]] && return 0
    _shop_say "installing Debian's chromium"
    _shop_apt_install chromium
}

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
        (cd "$SHOP_ROOT" && cargo clean --quiet -p server -p app -p backend -p domain -p migration -p bench) || true
        rm -rf "$CARGO_TARGET_DIR"/debug/incremental "$CARGO_TARGET_DIR"/release/incremental \
            "$CARGO_TARGET_DIR"/front/*/incremental "$CARGO_TARGET_DIR"/front/*/*/incremental
        find "$SHOP_ROOT"/{app,backend,domain,frontend,migrations,server} -name '*.rs' -exec touch {} +
    fi
    echo "$SHOP_ROOT" >"$marker"
}

shop_setup() {
    # Playwright must never try to download browsers (no internet but the registries).
    export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
    _shop_toolchain || return 1
    export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$SHOP_CACHE/target}"
    _shop_claim_target_dir
    _shop_cargo_leptos || return 1
    _shop_wasm_bindgen || return 1
    _shop_tansu || return 1
    _shop_npm "$SHOP_ROOT" || return 1
    _shop_npm "$SHOP_ROOT/end2end" || return 1
    _shop_chromium || return 1
    # (h) npm's wasm-opt 132 and tailwindcss before anything else (Debian's binaryen 108
    # breaks hydration); cargo-leptos adds this too, but cargo and we may call them directly.
    export PATH="$SHOP_ROOT/node_modules/.bin:$PATH"
}
