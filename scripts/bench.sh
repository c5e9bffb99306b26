#!/usr/bin/env bash
# The benchmark (BENCHMARKS.md): builds the release site and server, then runs `bench`, which
# starts that server with its own data and broker on free loopback ports and prints one table.
# Arguments go to bench: --quick (smaller numbers), --only P1,P5, …
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh
shop_setup

shop_build_release
cargo build --release -p bench
exec "$CARGO_TARGET_DIR/release/bench" --server "$CARGO_TARGET_DIR/release/server" --site target/site "$@"
