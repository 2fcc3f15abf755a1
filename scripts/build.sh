#!/usr/bin/env bash
# Sets up the machine (idempotently) and builds cvc into build/.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/setup.sh"
build="${CVC_BUILD_DIR:-$root/build}"
cmake --build "$build" -- -j"$(nproc)"
