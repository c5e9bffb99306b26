#!/usr/bin/env bash
# Audits every page of a running shop with Lighthouse (end2end/lighthouse.mjs says what and how).
#   scripts/lighthouse.sh [BASE_URL] STAFF_EMAIL STAFF_PASSWORD
# Lighthouse is installed from the npm registry under ~/.cache/shop/lighthouse, outside the clone
# and outside end2end's lock file: the test command does not need it.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
version=12.8.2
dir="$HOME/.cache/shop/lighthouse"
installed=$(node -p "require('$dir/node_modules/lighthouse/package.json').version" 2>/dev/null || true)
if [[ $installed != "$version" ]]; then
    echo "lighthouse: installing Lighthouse $version into $dir" >&2
    mkdir -p "$dir"
    [[ -f $dir/package.json ]] || echo '{"private": true}' >"$dir/package.json"
    npm --prefix "$dir" install --no-audit --no-fund "lighthouse@$version" >&2
fi
if [[ $# -eq 2 ]]; then
    set -- http://127.0.0.1:3000 "$@"
fi
LIGHTHOUSE_DIR="$dir" exec node end2end/lighthouse.mjs "$@"
