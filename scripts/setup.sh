#!/usr/bin/env bash
# Installs everything cvc needs on Debian 12 and configures the build.
# Idempotent: packages already present and an existing build tree are reused.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

packages=(
  build-essential cmake ninja-build ccache pkg-config
  llvm-19-dev llvm-19-tools libmlir-19-dev mlir-19-tools
  libhalide14-0-dev
  libonnx-dev libprotobuf-dev protobuf-compiler libonnx-testdata
  libgtest-dev
  clang-19 libfuzzer-19-dev libclang-rt-19-dev
  python3 python3-dev python3-numpy python3-torch python3-torchvision python3-onnx pybind11-dev
  dataset-fashion-mnist zlib1g-dev libpng-dev
  nodejs
  libopenmpi-dev openmpi-bin openssh-client
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# ONNX Runtime (CPU) for reference outputs and the benchmark: the npm package ships the
# shared library; its install script tries a download that fails here, so skip it.
if ! command -v npm >/dev/null; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends npm
fi
# Only the benchmarks need it, so a failed download warns instead of stopping the tests.
if [ ! -d "$root/third_party/ort/node_modules/onnxruntime-node" ]; then
  echo "setup: installing onnxruntime-node (npm)"
  mkdir -p "$root/third_party/ort"
  (cd "$root/third_party/ort" && npm install --ignore-scripts --no-audit --no-fund --silent onnxruntime-node@1.30 >/dev/null) ||
    echo "setup: warning: could not install onnxruntime-node; bench/ will not run ONNX Runtime" >&2
fi

build="${CVC_BUILD_DIR:-$root/build}"
if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release
fi
