#!/usr/bin/env bash
# Build and serve the shop (release) at the site-addr of Cargo.toml (127.0.0.1:3000).
# The server starts its own Tansu broker (TANSU_BIN) and keeps its SQLite DB under data/.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh
shop_setup

# cargo-leptos runs in a session (and process group) of its own, with the server and the
# server's broker under it; an interrupt or a SIGTERM/SIGHUP to this script stops that whole
# group. With a plain `exec`, a `kill` of this script reached cargo-leptos alone and left the
# server (and so its broker) running.
setsid cargo leptos serve --release --precompress "${LEPTOS_LIB_ARGS[@]}" &
leader=$!
stop() {
    kill -TERM -- "-$leader" 2>/dev/null || true
    wait "$leader" 2>/dev/null || true
    exit "$1"
}
trap 'stop 130' INT
trap 'stop 143' TERM HUP
wait "$leader"
