"""Transfer learning on real data, with cvc alone: pre-train LeNet-5 (ReLU,
max pooling) on five Fashion-MNIST classes (0-4: T-shirt, trouser,
pullover, dress, coat), then learn the other five (5-9: sandal, shirt,
sneaker, bag, ankle boot) from 100 labelled images per class, four ways:

  (a) from scratch (the same untrained weights the pre-training started from),
  (b) the head only: a new classifier on the frozen network; cvc-train
      computes the frozen features once and trains from that cache,
  (c) the classifier block (fc1, fc2 and a new fc3), convolutions frozen,
  (d) everything, starting from the pre-trained weights (full fine-tune).

    /usr/bin/python3 bench/transfer.py

Writes bench/results/transfer.{md,json}: test accuracy on the 5000 test
images of classes 5-9, training seconds, and the head-only speed-up.
"""
import json
import re
import os
import subprocess
import sys
import tempfile

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "test", "e2e"))
import cvclib  # noqa: E402
import models  # noqa: E402

NORMALISE = ["--mean", "0.286", "--std", "0.353"]
OLD, NEW = "0,1,2,3,4", "5,6,7,8,9"


def train(so, work, name, *args):
    """Trains; returns the last test top-1, the seconds spent in training
    steps (evaluation excluded), and the seconds spent computing cached
    features (0 when none or reused)."""
    metrics = os.path.join(work, name + ".jsonl")
    proc = subprocess.run([cvclib.tool("cvc-train"), so, *NORMALISE, "--metrics", metrics, *args],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"cvc-train ({name}) failed:\n{proc.stderr}")
    epochs = [json.loads(line) for line in open(metrics)]
    found = re.search(r"once in ([0-9.]+) s", proc.stderr)
    return (epochs[-1]["test_top1"], sum(e["seconds"] for e in epochs),
            float(found.group(1)) if found else 0.0)


def main():
    results = {}
    with tempfile.TemporaryDirectory(prefix="cvc-transfer-") as work:
        path = lambda name: os.path.join(work, name)
        torch.manual_seed(0)
        model = models.LeNet5Modern()
        model.fc3 = nn.Linear(84, 5)
        cvclib.export(model, torch.randn(1, 1, 28, 28), path("untrained.onnx"))

        # Pre-training on the first five classes.
        cvclib.compile_model(path("untrained.onnx"), path("pre.so"), "--train", "--train-batch",
                             "64", "--optimizer", "adam")
        top1, seconds, _ = train(path("pre.so"), work, "pretrain", "--classes", OLD, "--epochs", "3",
                                 "--lr", "0.004", "--schedule", "cosine", "--export-onnx",
                                 path("pretrained.onnx"), "--onnx-source", path("untrained.onnx"))
        results["pretraining"] = {"classes": OLD, "test_top1": top1, "seconds": seconds}
        print(f"pre-trained on classes {OLD}: test top-1 {100 * top1:.2f}% in {seconds:.1f} s")

        transfer = ["--classes", NEW, "--per-class", "100", "--epochs", "40", "--lr", "0.002",
                    "--schedule", "cosine"]
        variants = [
            ("a", "from scratch", "untrained.onnx", []),
            ("b", "head only (cached features)", "pretrained.onnx", ["--freeze-until", "fc3"]),
            ("c", "classifier block + head", "pretrained.onnx", ["--freeze-until", "fc1"]),
            ("d", "full fine-tune", "pretrained.onnx", []),
        ]
        for key, label, source, flags in variants:
            so = path(f"transfer_{key}.so")
            cvclib.compile_model(path(source), so, "--train", "--train-batch", "32", "--optimizer",
                                 "adam", "--replace-head", "5", "--seed", "1", *flags)
            top1, seconds, features = train(so, work, key, *transfer)
            results[key] = {"variant": label, "test_top1": top1, "training_seconds": seconds,
                            "feature_seconds": features}
            print(f"({key}) {label}: test top-1 {100 * top1:.2f}%, {seconds:.3f} s of steps"
                  + (f" + {features:.3f} s computing the features once" if features else ""))
    head = results["b"]["training_seconds"] + results["b"]["feature_seconds"]
    speedup = results["d"]["training_seconds"] / head
    rows = ["| variant | test top-1 (classes 5-9) | seconds training (steps) |",
            "| --- | ---: | ---: |"]
    for key in "abcd":
        r = results[key]
        extra = f" + {r['feature_seconds']:.3f} features" if r["feature_seconds"] else ""
        rows.append(f"| ({key}) {r['variant']} | {100 * r['test_top1']:.2f}% | "
                    f"{r['training_seconds']:.3f}{extra} |")
    text = (f"Pre-training on classes {OLD} (3 epochs): {100 * results['pretraining']['test_top1']:.2f}% "
            f"test top-1. Transfer to classes {NEW} with 100 images per class, 40 epochs:\n\n"
            + "\n".join(rows) + "\n\nThe head alone, from features computed once: "
            f"{head:.3f} s in all, {speedup:.1f}x faster than the full fine-tune's steps "
            "(evaluation after each epoch excluded everywhere).\n")
    print(text)
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    open(os.path.join(HERE, "results", "transfer.md"), "w").write(text)
    json.dump(results, open(os.path.join(HERE, "results", "transfer.json"), "w"), indent=2)


if __name__ == "__main__":
    main()
