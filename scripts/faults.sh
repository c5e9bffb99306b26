#!/usr/bin/env bash
# The fault suite on its own, in a release build: broker killed during 100 checkouts, server
# SIGKILLed under load, 50 buyers for 10 units, a client that stops reading. (The same tests
# also run, in a debug build, in scripts/test.sh.) Add --nocapture to see timings.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh
shop_setup

# The release broker the tests start (beside the release test binaries' directory).
shop_build_server_release
exec cargo test -p server --release --test suite faults:: -- "$@"
