#!/usr/bin/env bash
# Runs cvc's fuzz targets (fuzz/README.md).
#
#   scripts/fuzz.sh --replay          every target over its seeds and every
#                                     regression input, in the normal build
#   scripts/fuzz.sh --smoke [SECONDS] builds the leaf targets, their unit
#                                     tests and the runtime's with Clang, ASan
#                                     and UBSan, runs the unit tests and each
#                                     fuzzer for a fixed number of runs from
#                                     a fixed seed, about SECONDS each
#                                     (default 8)
#   scripts/fuzz.sh [--time SECONDS | --runs N] [TARGET...]
#                                     long runs: every target (or those
#                                     named) with ASan and UBSan for SECONDS
#                                     each (default 600) or N executions,
#                                     corpus kept in build-fuzz/corpus/TARGET,
#                                     crashes in build-fuzz/crashes/TARGET
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
leaf=(tensor_file checkpoint augment_spec dataset tuning_db)
frontend=(onnx_import cvm)
onnx_seeds="${CVC_ONNX_SEEDS:-/usr/share/libonnx-testdata/data/node}"

# Seed folders of a target: committed files, regressions, and for the
# frontends real models (the ONNX backend's, the repository's own), copied
# into $2/seeds/TARGET since libFuzzer takes folders.
seed_dirs() {
  local name=$1 scratch=$2
  for d in "$root/fuzz/seeds/$name" "$root/fuzz/regressions/$name"; do
    [ -d "$d" ] && echo "$d"
  done
  local into="$scratch/seeds/$name"
  case $name in
    onnx_import)
      if [ ! -d "$into" ]; then
        mkdir -p "$into"
        cp "$root/models/onnx/lenet5_fashion.onnx" "$into/"
        if [ -d "$onnx_seeds" ]; then
          find "$onnx_seeds" -name model.onnx -size -256k | while read -r f; do
            cp "$f" "$into/$(basename "$(dirname "$f")").onnx"
          done
        fi
      fi
      echo "$into" ;;
    cvm)
      if [ ! -d "$into" ]; then
        mkdir -p "$into"
        cp "$root"/models/{lenet5,lenet5_modern,nin,alexnet,resnet_blocks}.cvm "$into/"
        cp "$root"/test/lit/frontends/dsl/*.cvm "$into/" 2>/dev/null || true
      fi
      echo "$into" ;;
  esac
}

# A Clang tree with libFuzzer's coverage, ASan and UBSan; further
# arguments go to CMake (the smoke tree is built -O1 with line tables only:
# it runs seconds, and builds in every test run).
configure_fuzz_build() {
  local dir=$1
  shift
  if [ ! -f "$dir/build.ninja" ]; then
    command -v clang++-19 >/dev/null || {
      echo "fuzz: clang++-19 is missing; run scripts/setup.sh" >&2
      exit 1
    }
    cmake -S "$root" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19 \
      -DCVC_FUZZ=ON -DCVC_SANITIZE=address,undefined "$@" >/dev/null
  fi
}

# Runs one libFuzzer engine on a fresh copy of its seeds; prints its counts.
# With a sixth argument N, a fixed number of runs from a fixed seed instead
# of a time: the same inputs every time, as a test must be.
run_fuzzer() {
  local bin=$1 name=$2 seconds=$3 corpus=$4 crashes=$5 runs=${6:-}
  mkdir -p "$corpus" "$crashes"
  local log="$crashes/../$name.log"
  local -a seeds
  mapfile -t seeds < <(seed_dirs "$name" "$(dirname "$corpus")/..")
  # -rss_limit_mb bounds what a hostile input may make a reader allocate.
  # allow_user_poisoning=0: LLVM's allocator code in the uninstrumented
  # libMLIR.so and in cvc disagree about poisoning (fuzz/README.md).
  if ! ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1:allow_user_poisoning=0 \
      "$bin" ${runs:+-runs=$runs -seed=1} -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$crashes/" "$corpus" "${seeds[@]}" >"$log" 2>&1; then
    echo "fuzz: $name FOUND A PROBLEM; input in $crashes, log $log:" >&2
    grep -E "ERROR|SUMMARY|runtime error|Test unit written" "$log" | head -20 >&2
    return 1
  fi
  local executed
  executed=$(grep -oE "stat::number_of_executed_units: *[0-9]+" "$log" | grep -oE "[0-9]+$" || echo "?")
  local cov
  cov=$(grep -oE "cov: [0-9]+" "$log" | tail -1 || true)
  printf "fuzz: %-13s %10s runs in %ss, %s, corpus %s files, no crash\n" \
    "$name" "$executed" "$(grep -oE "Done [0-9]+ runs in [0-9]+ second" "$log" | grep -oE "in [0-9]+" | cut -c4- || echo "$seconds")" \
    "${cov:-cov: ?}" "$(ls "$corpus" | wc -l)"
}

mode=long seconds=600 runs=
targets=()
while (($#)); do
  case $1 in
    --replay) mode=replay ;;
    --smoke) mode=smoke; seconds=8
      if [[ ${2:-} =~ ^[0-9]+$ ]]; then seconds=$2; shift; fi ;;
    --time) seconds=$2; shift ;;
    --runs) runs=$2; seconds=86400; shift ;;
    -h|--help) sed -n 2,17p "$0"; exit 0 ;;
    *) targets+=("$1") ;;
  esac
  shift
done

case $mode in
  replay)
    bin="${CVC_FUZZ_BIN:-$root/build/bin}"
    scratch=$(mktemp -d)
    trap 'rm -rf "$scratch"' EXIT
    for name in "${leaf[@]}" "${frontend[@]}"; do
      mapfile -t seeds < <(seed_dirs "$name" "$scratch")
      printf "fuzz: replay %-13s " "$name"
      "$bin/cvc-fuzz-$name-replay" "${seeds[@]}" 2>"$scratch/replay-$name.log" || {
        echo "FAILED"; tail -30 "$scratch/replay-$name.log" >&2; exit 1; }
    done ;;
  smoke)
    build="${CVC_FUZZ_SMOKE_DIR:-$root/build/fuzz-smoke}"
    normal="${CVC_BUILD_DIR:-$root/build}"
    configure_fuzz_build "$build" -DCMAKE_BUILD_TYPE=Release \
      "-DCMAKE_C_FLAGS_RELEASE=-O1 -DNDEBUG" "-DCMAKE_CXX_FLAGS_RELEASE=-O1 -DNDEBUG"
    # The runtime tests' models are compiled by the normal build's cvc
    # against this tree's sanitized runtime: the compiler is not built here.
    cmake "$build" -DCVC_TEST_CVC_DIR="$normal/bin" >/dev/null
    cmake --build "$build" --target fuzz-leaf cvc-tensorio-tests cvc-data-tests cvc_runtime \
      cvc-runtime-tests -- -j"$(nproc)" \
      >"$build/build.log" 2>&1 || { tail -40 "$build/build.log" >&2; exit 1; }
    [ -x "$build/bin/cvc-fuzz-tensor_file" ] || { echo "fuzz: smoke build failed" >&2; exit 1; }
    # The sanitized unit tests of the same libraries, and of the runtime
    # inside every model.so (its stress runs fewer than in the normal build).
    for t in cvc-tensorio-tests cvc-data-tests cvc-runtime-tests; do
      CVC_RUNTIME_DIR="$build" CVC_STRESS_RUNS=500 \
        "$build/bin/$t" --gtest_brief=1 >"$build/$t.log" 2>&1 || {
        echo "fuzz: $t fails under ASan/UBSan:" >&2; tail -40 "$build/$t.log" >&2; exit 1; }
      echo "fuzz: $t passes under ASan and UBSan"
    done
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    # A fixed number of runs from a fixed seed, about $seconds s each on a
    # 2-core machine (the time is only a bound): the same inputs every time.
    declare -A smoke_runs=([tensor_file]=20000 [checkpoint]=20000 [augment_spec]=30000
                           [dataset]=8000 [tuning_db]=12000)
    for name in "${leaf[@]}"; do
      run_fuzzer "$build/bin/cvc-fuzz-$name" "$name" 120 "$work/corpus/$name" \
        "$build/crashes/$name" $((smoke_runs[$name] * seconds))
    done ;;
  long)
    build="${CVC_FUZZ_BUILD_DIR:-$root/build-fuzz}"
    configure_fuzz_build "$build"
    cmake --build "$build" --target fuzz-all -- -j"$(nproc)"
    ((${#targets[@]})) || targets=("${leaf[@]}" "${frontend[@]}")
    for name in "${targets[@]}"; do
      run_fuzzer "$build/bin/cvc-fuzz-$name" "$name" "$seconds" "$build/corpus/$name" \
        "$build/crashes/$name" $runs
    done ;;
esac
