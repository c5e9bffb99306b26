#!/usr/bin/env bash
# Build and serve the shop (release) at the site-addr of Cargo.toml (127.0.0.1:3000).
# The server starts its own Tansu broker (TANSU_BIN) and keeps its SQLite DB under data/.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh
shop_setup

# cargo-leptos runs in a session of its own, with the server (in a process group of its own)
# and the server's broker under it; an interrupt or a SIGTERM/SIGHUP to this script sends
# SIGTERM to every process of that session, so none is left behind even if cargo-leptos is
# gone before it could stop the server; so does cargo-leptos ending.
setsid cargo leptos serve --release --precompress "${LEPTOS_LIB_ARGS[@]}" &
leader=$!
stop() {
    pkill -TERM -s "$leader" 2>/dev/null || kill -TERM -- "-$leader" 2>/dev/null || true
    wait "$leader" 2>/dev/null || true
    exit "$1"
}
trap 'stop 130' INT
trap 'stop 143' TERM HUP
# If cargo-leptos itself ends (a failed build, or killed), whatever it left running goes too.
status=0
wait "$leader" || status=$?
stop "$status"
