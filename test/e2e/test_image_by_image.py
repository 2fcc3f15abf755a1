#!/usr/bin/python3
"""Batches run image by image (runtime/include/cvc/image_stretches.hpp).

A network of stock PyTorch modules with the patterns a stretch must carry
(a stem, an inverted residual with its depthwise layer, squeeze-and-
excitation, a dense block whose concats share one buffer, pooling) and a
classifier whose first fully connected layer has 2 MiB of weights used once
per image, which must run on the whole batch:

- `cvc --summary` names the kernels that run image by image: every one
  before that layer;
- at batches 2, 5 and 7 on 1, 2 and 3 threads (streams with a remainder
  run on every thread), the outputs are bit-identical to the same model.so
  with CVC_WHOLE_BATCH=1, and match PyTorch within 1e-4 + 1e-3 |ref|;
- at batch 32 the run needs less memory than on the whole batch: the
  tensors inside the stretch exist once per thread, for one image (peak
  resident memory, expected to drop by some 100 MB)."""
import json
import os
import re
import subprocess
import tempfile

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

import cvclib
from models import calibrate_batchnorm


class Network(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 32, 3, 1, 1, bias=False), nn.BatchNorm2d(32),
                                  nn.ReLU6())
        self.expand = nn.Sequential(nn.Conv2d(32, 96, 1, bias=False), nn.BatchNorm2d(96),
                                    nn.ReLU6())
        self.depthwise = nn.Sequential(nn.Conv2d(96, 96, 3, 2, 1, groups=96, bias=False),
                                       nn.BatchNorm2d(96), nn.ReLU6())
        self.project = nn.Sequential(nn.Conv2d(96, 32, 1, bias=False), nn.BatchNorm2d(32))
        self.se_reduce = nn.Conv2d(32, 8, 1)
        self.se_expand = nn.Conv2d(8, 32, 1)
        self.grow1 = nn.Sequential(nn.BatchNorm2d(32), nn.ReLU(), nn.Conv2d(32, 16, 3, 1, 1))
        self.grow2 = nn.Sequential(nn.BatchNorm2d(48), nn.ReLU(), nn.Conv2d(48, 16, 3, 1, 1))
        self.fc1 = nn.Linear(64 * 4 * 4 * 2, 512)
        self.fc2 = nn.Linear(512, 10)

    def forward(self, x):
        x = self.stem(x)
        x = self.project(self.depthwise(self.expand(x)))
        x = x * torch.sigmoid(self.se_expand(F.silu(self.se_reduce(F.adaptive_avg_pool2d(x, 1)))))
        x = torch.cat([x, self.grow1(x)], 1)
        x = torch.cat([x, self.grow2(x)], 1)
        x = F.adaptive_avg_pool2d(x, (8, 4)).flatten(1)
        return self.fc2(F.relu(self.fc1(x)))


SHAPE = (3, 64, 64)


def image_by_image(onnx_path):
    """The kernel indices the summary says run image by image, and the kernels."""
    proc = subprocess.run([cvclib.tool("cvc"), onnx_path, "--summary"], capture_output=True,
                          text=True)
    if proc.returncode != 0:
        raise cvclib.Failure(f"cvc --summary failed:\n{proc.stderr}")
    launches = proc.stdout.split("computed from the weights alone")[0]
    kernels = [line.split()[1] for line in launches.splitlines()
               if line.split() and line.split()[0].isdigit()]
    line = next((l for l in proc.stdout.splitlines() if l.startswith("image by image")), None)
    if line is None:
        raise cvclib.Failure("the summary does not say which kernels run image by image")
    print(line)
    inside = set()
    for first, last in re.findall(r"(\d+)-(\d+)", line):
        inside.update(range(int(first), int(last) + 1))
    return inside, kernels


def environment(whole_batch):
    env = dict(os.environ)
    env.pop("CVC_WHOLE_BATCH", None)
    if whole_batch:
        env["CVC_WHOLE_BATCH"] = "1"
    return env


def run(so, x, work, threads, whole_batch):
    x_path, out = os.path.join(work, "x.npy"), os.path.join(work, "out")
    np.save(x_path, x)
    proc = subprocess.run([cvclib.tool("cvc-run"), so, "--input", f"input={x_path}", "--threads",
                           str(threads), "--iterations", "1", "--warmup", "0", "--output-dir",
                           out], capture_output=True, text=True, env=environment(whole_batch))
    if proc.returncode != 0:
        raise cvclib.Failure(f"cvc-run failed ({proc.returncode}):\n{proc.stdout}{proc.stderr}")
    return np.load(os.path.join(out, "output.npy"))


def peak_memory_mb(cvc_time, so, batch, whole_batch):
    """Peak resident memory of a process that runs `so` once at `batch` on 2
    threads (bench/cvc_time.c reads its own VmHWM: a child's rusage would
    count the Python process it was forked from)."""
    proc = subprocess.run([cvc_time, so, "--batch", str(batch), "--threads", "2", "--warmup", "0",
                           "--iterations", "1", "--min-iterations", "1", "--seconds", "0"],
                          capture_output=True, text=True, env=environment(whole_batch))
    if proc.returncode != 0:
        raise cvclib.Failure(f"cvc_time failed ({proc.returncode}):\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])["peak_rss_mb"]


def test():
    torch.manual_seed(0)
    model = calibrate_batchnorm(Network().eval(), SHAPE)
    with tempfile.TemporaryDirectory(prefix="cvc-image-by-image-") as work:
        onnx_path = cvclib.export(model, torch.randn(1, *SHAPE), os.path.join(work, "net.onnx"))
        inside, kernels = image_by_image(onnx_path)
        outside = [f"{i} {k}" for i, k in enumerate(kernels) if i not in inside]
        print(f"on the whole batch: {outside}")
        # Everything up to the 2 MiB layer, which the last (20 kB, alone
        # behind it: no stretch) follows.
        if outside != [f"{len(kernels) - 2} fully_connected+relu",
                       f"{len(kernels) - 1} fully_connected"]:
            raise cvclib.Failure("expected every kernel before the 2 MiB fully connected layer "
                                 f"to run image by image; on the whole batch: {outside}")
        so = os.path.join(work, "net.so")
        cvclib.compile_model(onnx_path, so)
        for batch in (2, 5, 7):
            x = np.random.RandomState(batch).randn(batch, *SHAPE).astype(np.float32)
            with torch.no_grad():
                ref = model(torch.from_numpy(x)).numpy()
            for threads in (1, 2, 3):
                images = run(so, x, work, threads, whole_batch=False)
                whole = run(so, x, work, threads, whole_batch=True)
                if not np.array_equal(images, whole):
                    raise cvclib.Failure(
                        f"batch {batch}, {threads} threads: image by image differs from the "
                        f"whole batch by {np.abs(images - whole).max():.3g}")
                cvclib.compare(f"batch {batch}, {threads} threads, against PyTorch", images, ref,
                               **cvclib.SHALLOW)
        root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
        cvc_time = os.path.join(work, "cvc_time")
        subprocess.run(["cc", "-O2", "-I", os.path.join(root, "runtime", "include"),
                        os.path.join(root, "bench", "cvc_time.c"), "-o", cvc_time, "-ldl",
                        "-lpthread"], check=True)
        images_mb = peak_memory_mb(cvc_time, so, 32, whole_batch=False)
        whole_mb = peak_memory_mb(cvc_time, so, 32, whole_batch=True)
        print(f"batch 32, 2 threads: peak resident memory {images_mb:.1f} MB image by image, "
              f"{whole_mb:.1f} MB on the whole batch")
        # The stem and expansion alone hold 32 x (32 + 96) x 64 x 64 floats
        # (64 MiB) at once on the whole batch.
        if whole_mb - images_mb < 32:
            raise cvclib.Failure("running image by image did not save the activation memory "
                                 "of a batch")


if __name__ == "__main__":
    cvclib.main(test)
