#!/usr/bin/env bash
# Build and serve the shop (release) at the site-addr of Cargo.toml (127.0.0.1:3000).
# The server starts its own Tansu broker (TANSU_BIN) and keeps its SQLite DB under data/.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh
shop_setup

exec cargo leptos serve --release --precompress "${LEPTOS_LIB_ARGS[@]}"
