#!/usr/bin/env bash
# The test suite in a build with AddressSanitizer and
# UndefinedBehaviorSanitizer: every cvc library, tool and test, and the
# runtime inside every model.so the tests compile. Libraries from Debian
# (MLIR, Halide, ONNX, protobuf) and the Halide-generated kernels are not
# instrumented.
#
#   scripts/sanitize.sh [ctest arguments, e.g. -R lit]
#       everything (build-asan/, or CVC_ASAN_DIR): a long run, the build
#       about 15 minutes on 2 cores and the suite about an hour
#   scripts/sanitize.sh --compiler
#       what the test command runs (the `sanitize.compiler` test): the
#       compiler's tools built -O0 (build-asan-compiler/, or CVC_ASAN_DIR),
#       the lit tests and the compiler's unit tests; about 9 minutes on
#       2 cores. The leaf readers and the runtime are covered by
#       scripts/fuzz.sh --smoke, the concurrency tests by scripts/tsan.sh.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
compiler_only=0
if [ "${1:-}" = --compiler ]; then compiler_only=1; shift; fi
if ((compiler_only)); then
  build="${CVC_ASAN_DIR:-$root/build-asan-compiler}"
  # -O0 builds in about half the time of -O1; what runs here is small
  # inputs through the compiler, where that costs little.
  opt=-O0
else
  build="${CVC_ASAN_DIR:-$root/build-asan}"
  # -O1, as sanitizer builds usually are: about as fast to run, much faster
  # to build than -O3.
  opt=-O1
fi

command -v clang++-19 >/dev/null || { echo "sanitize: clang++-19 is missing; run scripts/setup.sh" >&2; exit 1; }
if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    "-DCMAKE_C_FLAGS_RELEASE=$opt -DNDEBUG" "-DCMAKE_CXX_FLAGS_RELEASE=$opt -DNDEBUG" \
    -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19 \
    -DCVC_SANITIZE=address,undefined >/dev/null
fi
start=$SECONDS
if ((compiler_only)); then
  compiler_tests=(cvc-plan-tests cvc-tune-tests cvc-schedule-tests cvc-train-tests)
  cmake --build "$build" --target cvc cvc-opt cvc-run cvc_runtime "${compiler_tests[@]}" \
    -- -j"$(nproc)" >"$build/build.log" 2>&1 || { tail -40 "$build/build.log" >&2; exit 1; }
  echo "sanitize: built the compiler with ASan and UBSan ($((SECONDS - start)) s)"
else
  cmake --build "$build" -- -j"$(nproc)"
fi

export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
# MLIR and LLVM from Debian are not instrumented but share inline code with
# cvc's, which is: LLVM's bump allocator, compiled into cvc, poisons its
# slabs for ASan, and the library's copy, allocating from the same slab,
# never unpoisons what it takes. Manual poisoning is off so that ASan
# reports only what its own instrumentation sees.
common="halt_on_error=1:allow_user_poisoning=0"
jobs="${CVC_TEST_JOBS:-$(nproc)}"
# Tests that give a tool a time budget (cvc-tune's) give it more.
export CVC_TEST_BUDGET_SCALE="${CVC_TEST_BUDGET_SCALE:-12}"

# Both parts run whatever the first gives; the script fails if either did.
status=0
# e2e.install is left out: its hosts link the installed static libraries
# with the system's cc, which cannot link sanitized objects (they need the
# sanitizer's runtime at link time); the normal build's run tests it.
unit='^unit\.' rest='^(unit\..*|fuzz\.smoke|e2e\.install)$' rest_mode=-E
if ((compiler_only)); then
  unit='^unit\.(plan|tune|schedules|train)$' rest='^lit$' rest_mode=-R
  # One random point per schedule algorithm instead of four: each point is
  # mostly LLVM's code generation, which is not instrumented (unit.schedules
  # took 184 s sanitized at four, 152 s at one).
  export CVC_SCHEDULE_POINTS="${CVC_SCHEDULE_POINTS:-1}"
fi
# The unit tests are sanitized programs themselves, and report leaks too.
ASAN_OPTIONS="detect_leaks=1:$common" \
  ctest --test-dir "$build" --output-on-failure --timeout 3000 --parallel "$jobs" \
    -R "$unit" "$@" || status=1
# Elsewhere hosts that are not instrumented (Python, the C hosts the tests
# build) load sanitized libraries, so the runtime is preloaded into every
# process; leaks are not reported, since those hosts (and the C compiler
# that links a model) keep memory until exit by design. fuzz.smoke builds
# its own sanitized tree and runs in the test command.
LD_PRELOAD="$(clang++-19 -print-file-name=libclang_rt.asan-x86_64.so)" \
ASAN_OPTIONS="detect_leaks=0:$common" \
  ctest --test-dir "$build" --output-on-failure --timeout 3000 --parallel "$jobs" \
    "$rest_mode" "$rest" "$@" || status=1
if ((status)); then
  echo "sanitize: some tests failed under AddressSanitizer and UBSan ($((SECONDS - start)) s)" >&2
  exit 1
fi
if ((compiler_only)); then
  echo "sanitize: lit and the compiler's unit tests pass under AddressSanitizer and UBSan ($((SECONDS - start)) s)"
else
  echo "sanitize: the suite passes under AddressSanitizer and UBSan ($((SECONDS - start)) s)"
fi
