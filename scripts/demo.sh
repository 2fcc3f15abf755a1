#!/usr/bin/env bash
# The main job on the bundled default model: compiles LeNet-5 (trained on
# Fashion-MNIST) to a shared library, then a C host program dlopens it and
# classifies a real Fashion-MNIST test image, printing the result and the time.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/build.sh"
build="${CVC_BUILD_DIR:-$root/build}"
model="${1:-$root/models/onnx/lenet5_fashion.onnx}"
out="$build/demo"
mkdir -p "$out"

echo "== cvc $(basename "$model") -o $out/model.so"
start=$(date +%s%N)
"$build/bin/cvc" "$model" -o "$out/model.so" -v 2>&1 | grep -v "] compiled"
echo "compiled in $(( ($(date +%s%N) - start) / 1000000 )) ms, $(stat -c %s "$out/model.so") bytes"

# Fashion-MNIST test image #0, padded to 32x32 and normalised as in training.
/usr/bin/python3 "$root/scripts/fashion_image.py" 0 "$out/image.f32"
echo "== cvc-example-c $out/model.so image.f32   (C host, dlopen, cvc.h)"
"$build/bin/cvc-example-c" "$out/model.so" "$out/image.f32" | tee "$out/result.txt"
top=$(sed -n 's/^top-5: \([0-9]*\) .*/\1/p' "$out/result.txt")
classes=("T-shirt/top" Trouser Pullover Dress Coat Sandal Shirt Sneaker Bag "Ankle boot")
echo "prediction: class $top (${classes[$top]})"
