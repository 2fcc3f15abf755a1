#!/usr/bin/python3
"""Damaged copies of a real model, each through cvc under a time limit.

A ResNet-18 exported by torch.onnx (46 MB) is cut at every 1% of its length
(each cut compiled with `cvc -o`: a clean error naming the file, exit 1, no
output file left) and damaged byte by byte over the start of the file,
where the graph's nodes and attributes are, and at random places with
random bytes (each run with `cvc check`: exit 0 when the damage landed in
weight values, or exit 1 with a message naming the file; never a signal,
an abort or a hang).

The test command runs a short form (every 10%, 64 positions, 16 random
damages); `--full` runs the whole sweep of the reliability issue: every 1%,
every byte of the first 4 KiB and 10,000 random damages (about two hours
on 2 cores), printing its progress and each file not handled cleanly as
it is found. `--jobs A:B` runs only jobs A to B-1 of the same list (the
cuts, then the bytes, then the random damages, always drawn alike), to
resume a long sweep or re-run part of it.
"""
import concurrent.futures
import os
import random
import subprocess
import sys
import tempfile

import torch
import torchvision

import cvclib

TIME_LIMIT = 60  # seconds per run; a hang is a failure


def run(args, path, out=None):
    """(verdict, detail): 'ok', 'refused', or a failure description."""
    try:
        proc = subprocess.run(args, capture_output=True, text=True, errors="replace",
                              timeout=TIME_LIMIT)
    except subprocess.TimeoutExpired:
        return "hang", f"no answer in {TIME_LIMIT} s"
    if proc.returncode == 0:
        return "ok", ""
    message = proc.stderr.strip()
    if proc.returncode != 1:
        return "crash", f"exit {proc.returncode}: {message[-400:]}"
    if os.path.basename(path) not in message or "error" not in message:
        return "unclear", f"message does not name the file: {message[:300]}"
    if out and os.path.exists(out):
        return "leftover", f"{out} left behind"
    return "refused", message.splitlines()[0]


def damaged(data, work, name, edits):
    blob = bytearray(data)
    for pos, value in edits:
        blob[pos] = value
    path = os.path.join(work, name)
    with open(path, "wb") as f:
        f.write(blob)
    return path


def test():
    full = "--full" in sys.argv
    cvc = cvclib.tool("cvc")
    with tempfile.TemporaryDirectory(prefix="cvc-sweep-") as work:
        torch.manual_seed(0)
        model = torchvision.models.resnet18(weights=None).eval()
        source = cvclib.export(model, torch.randn(1, 3, 224, 224), os.path.join(work, "r18.onnx"))
        data = open(source, "rb").read()
        rng = random.Random(1)

        # (kind, file name, bytes to keep, edits); files are written by the
        # worker that runs them and removed after, 46 MB each.
        jobs = []
        percents = range(1, 100) if full else range(5, 100, 10)
        for p in percents:
            jobs.append(("cut", f"cut{p:02d}.onnx", len(data) * p // 100, []))
        positions = range(min(4096, len(data))) if full else sorted(rng.sample(range(4096), 64))
        for pos in positions:
            value = data[pos] ^ (0xFF if pos % 2 else rng.randrange(1, 256))
            jobs.append(("byte", f"byte{pos:04d}.onnx", len(data), [(pos, value)]))
        for i in range(10000 if full else 16):
            edits = [(rng.randrange(len(data)), rng.randrange(256))
                     for _ in range(rng.randrange(1, 9))]
            jobs.append(("random", f"random{i:05d}.onnx", len(data), edits))

        if "--jobs" in sys.argv:
            first, last = (int(x) for x in sys.argv[sys.argv.index("--jobs") + 1].split(":"))
            jobs = jobs[first:last]
            print(f"  jobs {first} to {last - 1}")
        counts = {}
        failures = []

        def one(job):
            kind, name, keep, edits = job
            path = damaged(data[:keep], work, name, edits)
            out = path[:-5] + ".so" if kind == "cut" else None
            args = [cvc, path, "-o", out] if kind == "cut" else [cvc, "check", path]
            verdict, detail = run(args, path, out)
            os.remove(path)
            if out and os.path.exists(out):
                os.remove(out)
            return kind, path, verdict, detail

        with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
            for done, (kind, path, verdict, detail) in enumerate(pool.map(one, jobs), 1):
                counts[(kind, verdict)] = counts.get((kind, verdict), 0) + 1
                if verdict not in ("ok", "refused") or (kind == "cut" and verdict == "ok"):
                    failures.append(f"{os.path.basename(path)}: {verdict}: {detail}")
                    if full:
                        print(f"  not handled cleanly: {failures[-1]}", flush=True)
                if full and done % 250 == 0:
                    print(f"  {done} of {len(jobs)} damaged files run: " +
                          ", ".join(f"{k} {v} {n}" for (k, v), n in sorted(counts.items())),
                          flush=True)
        for kind in ("cut", "byte", "random"):
            print(f"  {kind:6s}: " + ", ".join(f"{v} {n}" for (k, v), n in sorted(counts.items())
                                               if k == kind))
        if failures:
            raise cvclib.Failure(f"{len(failures)} damaged files were not handled cleanly:\n" +
                                 "\n".join(failures[:20]))


if __name__ == "__main__":
    cvclib.main(test)
