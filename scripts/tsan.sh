#!/usr/bin/env bash
# The concurrency tests under ThreadSanitizer: the runtime's (8 threads x
# CVC_STRESS_RUNS runs, default 10,000, on one model.so, a session each and
# one shared; three model.so files in one process; sessions of different
# thread counts side by side; the thread pool alone) and libcvc_data's (the
# loader's worker threads, prefetching, augmentation in parallel).
#
# Only the runtime (linked into every model.so), the host loader,
# libcvc_data and the tests are instrumented, in build-tsan/ (CVC_TSAN_DIR); the models are
# compiled by the normal build's cvc against the instrumented runtime
# ($CVC_RUNTIME_DIR), so the compiler is not built a second time. The
# Halide-generated kernels are not instrumented: TSan sees the runtime's
# threads, locks and buffers, not the arithmetic inside a kernel.
#
#   scripts/tsan.sh [gtest arguments for both]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
normal="${CVC_BUILD_DIR:-$root/build}"
build="${CVC_TSAN_DIR:-$root/build-tsan}"

[ -x "$normal/bin/cvc" ] || bash "$root/scripts/build.sh"
command -v clang++-19 >/dev/null || { echo "tsan: clang++-19 is missing; run scripts/setup.sh" >&2; exit 1; }
if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19 \
    -DCVC_SANITIZE=thread -DCVC_TEST_CVC_DIR="$normal/bin" >/dev/null
fi
cmake --build "$build" --target cvc_runtime cvc-runtime-tests cvc-data-tests -- -j"$(nproc)" \
  >"$build/build.log" 2>&1 || { tail -40 "$build/build.log" >&2; exit 1; }

export CVC_RUNTIME_DIR="$build"
export CVC_STRESS_RUNS="${CVC_STRESS_RUNS:-10000}"
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 ${TSAN_OPTIONS:-}"
start=$SECONDS
"$build/bin/cvc-runtime-tests" "$@"
"$build/bin/cvc-data-tests" "$@"
echo "tsan: the runtime and data tests pass under ThreadSanitizer ($CVC_STRESS_RUNS stress runs per thread, $((SECONDS - start)) s)"
