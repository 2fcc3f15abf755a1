"""Does training wait for augmentation? LeNet-5 (ReLU, max pooling) trained
one epoch on Fashion-MNIST by cvc-train without augmentation, then with a
pipeline (mirror, shifted crop, rotation) produced by 0 (in the trainer's
thread) and by 2 loader threads while the steps run.

    /usr/bin/python3 bench/augment_training.py

Reports images/s of the epoch and the seconds the step waited for batches;
writes bench/results/augment_training.{md,json}.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "test", "e2e"))
import cvclib  # noqa: E402
import models  # noqa: E402

PIPELINE = "mirror:p=0.5,crop:size=28,pad=2,rotate:deg=10"


def main():
    rows, results = [], []
    with tempfile.TemporaryDirectory(prefix="cvc-bench-augment-") as work:
        torch.manual_seed(0)
        onnx_path = cvclib.export(models.LeNet5Modern(), torch.randn(1, 1, 28, 28),
                                  os.path.join(work, "lenet.onnx"))
        so = os.path.join(work, "lenet.so")
        cvclib.compile_model(onnx_path, so, "--train", "--train-batch", "64", "--optimizer", "adam")
        for label, args in [("no augmentation", []),
                            ("augmented, 0 loader threads", ["--augment", PIPELINE,
                                                             "--loader-threads", "0"]),
                            ("augmented, 2 loader threads", ["--augment", PIPELINE,
                                                             "--loader-threads", "2"])]:
            metrics = os.path.join(work, f"m{len(rows)}.jsonl")
            proc = subprocess.run([cvclib.tool("cvc-train"), so, "--epochs", "1", "--lr", "0.004",
                                   "--test", "", "--metrics", metrics, *args], capture_output=True,
                                  text=True)
            if proc.returncode != 0:
                sys.exit(proc.stderr)
            epoch = json.loads(open(metrics).read().splitlines()[-1])
            waited = float(re.search(r"waited ([0-9.]+) s", proc.stdout).group(1))
            results.append({"run": label, "images_per_second": epoch["images_per_second"],
                            "seconds": epoch["seconds"], "waited_seconds": waited})
            rows.append(f"| {label} | {epoch['images_per_second']:,.0f} | {epoch['seconds']:.2f} | "
                        f"{waited:.2f} |")
    text = (f"One epoch of LeNet-5 on Fashion-MNIST, batch 64, augmentation `{PIPELINE}`:\n\n"
            "| run | images/s | s | step waited for data (s) |\n|---|---:|---:|---:|\n"
            + "\n".join(rows) + "\n")
    print(text)
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    open(os.path.join(HERE, "results", "augment_training.md"), "w").write(text)
    json.dump(results, open(os.path.join(HERE, "results", "augment_training.json"), "w"), indent=2)


if __name__ == "__main__":
    main()
