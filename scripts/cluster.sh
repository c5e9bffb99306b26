#!/usr/bin/env bash
# The shop as a cluster on this machine, at http://127.0.0.1:3000: a PostgreSQL of its own, two
# Tansu brokers sharing one storage, three shop instances (release build) on both, and HAProxy
# in front. Everything lives under data/cluster/ (a second start finds the same shop). Arguments
# go to the `cluster` command: --port, --instances, --brokers, --dir. Ctrl-C stops all of it.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh
shop_setup

shop_build_release
cargo build --release --package=testkit --bin=cluster
exec "$CARGO_TARGET_DIR/release/cluster" --server "$CARGO_TARGET_DIR/release/server" --site target/site "$@"
