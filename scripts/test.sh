#!/usr/bin/env bash
# Runs every test: lit (FileCheck), unit tests (GoogleTest) and end-to-end
# tests against PyTorch and ONNX Runtime. Sets up and builds first.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/build.sh"
build="${CVC_BUILD_DIR:-$root/build}"
# Tests run side by side, one per core (CVC_TEST_JOBS overrides): most of
# them wait on single-threaded Python, export and compile steps. The ONNX
# backend runner (parallel itself) and the tuner's tests run alone.
ctest --test-dir "$build" --output-on-failure --timeout 1500 \
  --parallel "${CVC_TEST_JOBS:-$(nproc)}" "$@"
