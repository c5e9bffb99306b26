#!/usr/bin/env bash
# Build and serve the shop (release) at the site-addr of Cargo.toml (127.0.0.1:3000).
# The server starts its own Tansu broker (TANSU_BIN) and keeps its SQLite DB under data/.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh
started=$SECONDS
shop_setup run

# cargo-leptos runs in a session of its own, with the server (in a process group of its own)
# and the server's broker under it; an interrupt or a SIGTERM/SIGHUP to this script sends
# SIGTERM to every process of that session, so none is left behind even if cargo-leptos is
# gone before it could stop the server; so does cargo-leptos ending.
setsid cargo leptos serve --release --precompress "${LEPTOS_LIB_ARGS[@]}" &
leader=$!
# The last line a first run prints: where the shop is and how long it took to get there.
addr=$(sed -nE 's/^site-addr = "(.*)"/\1/p' Cargo.toml)
addr=${LEPTOS_SITE_ADDR:-$addr}
(
    while kill -0 "$leader" 2>/dev/null; do
        if curl -fsS -o /dev/null "http://$addr/healthz" 2>/dev/null; then
            took=$((SECONDS - started))
            printf '\nPulse Shop is up at http://%s (%d:%02d after the command started; set-up %d:%02d)\n' \
                "$addr" $((took / 60)) $((took % 60)) $((SHOP_SETUP_SECONDS / 60)) $((SHOP_SETUP_SECONDS % 60)) >&2
            exit 0
        fi
        sleep 1
    done
) &
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
