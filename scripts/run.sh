#!/usr/bin/env bash
# Build and serve the shop (release) at http://127.0.0.1:3000 (LEPTOS_SITE_ADDR to change it).
# The server starts its own Kafka-protocol broker (`shop-broker`, built beside it), which dies
# with it, and keeps its SQLite DB under data/. Ctrl-C or a SIGTERM to this script (the server, after the build) stops both.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh
started=$SECONDS
shop_setup run

shop_build_release

# The last line a first run prints: where the shop is and how long it took to get there.
addr=${LEPTOS_SITE_ADDR:-127.0.0.1:3000}
server_pid=$$
(
    while kill -0 "$server_pid" 2>/dev/null; do
        if curl -fsS -o /dev/null "http://$addr/healthz" 2>/dev/null; then
            took=$((SECONDS - started))
            printf '\nPulse Shop is up at http://%s (%d:%02d after the command started; set-up %d:%02d)\n' \
                "$addr" $((took / 60)) $((took % 60)) $((SHOP_SETUP_SECONDS / 60)) $((SHOP_SETUP_SECONDS % 60)) >&2
            exit 0
        fi
        sleep 1
    done
) &
exec "$CARGO_TARGET_DIR/release/server"
