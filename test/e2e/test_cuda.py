#!/usr/bin/python3
"""`cvc --target cuda` on a machine without a GPU (issue 21's compile-only
checks): networks of every layer family compile for CUDA, model.so holds
their kernels as PTX for the asked compute capability and none of their
work on the host (cvc refuses a kernel whose schedule would compute on the
host), the library loads and names its device, and a session fails with a
clear status and no crash: without a driver; with a stand-in driver
library built here, when the driver finds no device, when the ordinal asked
for is out of range, when the device is older than the compute capability
compiled for, and when the device is there (running is not
implemented yet, and says so). The training step compiles for CUDA as
well; an op without a GPU schedule (the blocked layout's, when its pass is
forced) is refused by name, tuning for CUDA before anything is measured,
and an unknown capability listing the known ones.
"""
import ctypes
import os
import re
import subprocess
import tempfile
import time

import torch
import torchvision

import cvclib

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")

# Convolutions (plain, depthwise, transposed), pooling, batch norm, residual
# adds, concat, upsampling, activations and classifiers; SqueezeNet as
# PyTorch's ONNX exporter writes it. (LRN and grouped convolutions, AlexNet's
# and GoogLeNet's, compile for CUDA in unit.schedules.)
ZOO = ["lenet5", "resnet18", "mobilenet_v2", "unet"]

STAND_IN_DRIVER = r"""
#include <stdlib.h>
static int env(const char *name, int fallback) {
  const char *v = getenv(name);
  return v ? atoi(v) : fallback;
}
int cuInit(unsigned flags) { (void)flags; return env("STAND_IN_CUINIT", 0); }
int cuDeviceGetCount(int *count) { *count = env("STAND_IN_DEVICES", 1); return 0; }
int cuDeviceGet(int *device, int ordinal) { *device = ordinal; return 0; }
int cuDeviceGetAttribute(int *value, int attribute, int device) {
  (void)device;
  int capability = env("STAND_IN_CAPABILITY", 90);
  *value = attribute == 75 ? capability / 10 : capability % 10;
  return 0;
}
int cuGetErrorName(int result, const char **name) {
  *name = result == 100 ? "CUDA_ERROR_NO_DEVICE" : "CUDA_ERROR_UNKNOWN";
  return 0;
}
"""


def ptx_entries(so_path):
    """The kernel entry points of the PTX text model.so carries."""
    with open(so_path, "rb") as f:
        data = f.read()
    return set(re.findall(rb"\.entry\s+([A-Za-z_][A-Za-z0-9_$]*)", data)), data


def run_session(so, env=None, device=0):
    return subprocess.run([cvclib.tool("cvc-run"), so, "--iterations", "1", "--warmup", "0",
                           "--device", str(device)],
                          capture_output=True, text=True, env=env, timeout=120)


def test():
    checks = cvclib.Checks()
    with tempfile.TemporaryDirectory(prefix="cvc-cuda-") as work:
        models = [(name, os.path.join(ROOT, "models", f"{name}.cvm")) for name in ZOO]
        squeeze = cvclib.export(torchvision.models.squeezenet1_1(),
                                torch.randn(1, 3, 224, 224),
                                os.path.join(work, "squeezenet1_1.onnx"))
        models.append(("squeezenet1_1 (ONNX)", squeeze))
        libraries = {}
        for name, path in models:
            so = os.path.join(work, re.sub(r"\W+", "_", name) + ".so")
            start = time.time()
            proc = subprocess.run([cvclib.tool("cvc"), path, "-o", so, "--target", "cuda-75"],
                                  capture_output=True, text=True)
            elapsed = time.time() - start
            if proc.returncode != 0:
                checks.record(f"{name} compiles for cuda-75", False, proc.stderr.strip()[-2000:])
                continue
            entries, data = ptx_entries(so)
            checks.record(f"{name} compiles for cuda-75", True,
                          f"{elapsed:.1f} s, {len(entries)} PTX kernels")
            checks.record(f"{name}: PTX for sm_75", b".target sm_75" in data)
            checks.record(f"{name}: GPU kernels", len(entries) > 0, f"{len(entries)} entries")
            libraries[name] = so

        so = libraries.get("lenet5")
        if so is None:
            raise cvclib.Failure("LeNet-5 did not compile for CUDA: " + ", ".join(checks.failed))

        # The model names its device before any session exists.
        proc = run_session(so)
        checks.record("cvc-run prints the device", "device cuda" in proc.stdout,
                      proc.stdout.strip().splitlines()[0] if proc.stdout.strip() else "no output")
        try:
            ctypes.CDLL("libcuda.so.1")
            has_driver = True
        except OSError:
            has_driver = False
        if has_driver:
            print("this machine has a CUDA driver: the no-driver case is left out")
        else:
            checks.record("no driver: a clear error, exit 1",
                          proc.returncode == 1 and "no CUDA driver was found" in proc.stderr,
                          proc.stderr.strip())

        # A stand-in libcuda.so.1 on the library path plays the driver.
        driver_dir = os.path.join(work, "driver")
        os.makedirs(driver_dir)
        source = os.path.join(work, "stand_in_driver.c")
        with open(source, "w") as f:
            f.write(STAND_IN_DRIVER)
        subprocess.run(["cc", "-shared", "-fPIC", "-o", os.path.join(driver_dir, "libcuda.so.1"),
                        source], check=True)

        def with_driver(**values):
            env = dict(os.environ, LD_LIBRARY_PATH=driver_dir)
            env.update({k: str(v) for k, v in values.items()})
            return env

        proc = run_session(so, with_driver(STAND_IN_CUINIT=100))
        checks.record("driver without a device: a clear error",
                      proc.returncode == 1 and
                      "cuInit failed with CUDA_ERROR_NO_DEVICE (100)" in proc.stderr,
                      proc.stderr.strip())
        proc = run_session(so, with_driver(STAND_IN_DEVICES=1), device=2)
        checks.record("ordinal out of range: a clear error",
                      proc.returncode == 1 and "device ordinal 2 was asked for, and this machine "
                      "has 1 CUDA device" in proc.stderr, proc.stderr.strip())
        proc = run_session(so, with_driver(STAND_IN_DEVICES=1, STAND_IN_CAPABILITY=61))
        checks.record("a device older than the compiled capability: a clear error",
                      proc.returncode == 1 and "has compute capability 6.1, older than the 7.5"
                      in proc.stderr and "--target cuda-61" in proc.stderr, proc.stderr.strip())
        proc = run_session(so, with_driver(STAND_IN_DEVICES=2), device=1)
        checks.record("device present: running is refused as not implemented yet",
                      proc.returncode == 1 and "cannot run them yet" in proc.stderr,
                      proc.stderr.strip())

        # The training step compiles for CUDA too (gradients, loss, optimizer).
        lenet = os.path.join(ROOT, "models", "lenet5.cvm")
        out = os.path.join(work, "train.so")
        proc = subprocess.run([cvclib.tool("cvc"), lenet, "-o", out, "--target", "cuda",
                               "--train"], capture_output=True, text=True)
        entries, data = ptx_entries(out) if proc.returncode == 0 else (set(), b"")
        checks.record("--train for cuda compiles", proc.returncode == 0 and
                      any(b"conv_bwd_weight" in e for e in entries) and
                      any(b"softmax_cross_entropy" in e for e in entries),
                      f"{len(entries)} PTX kernels" if proc.returncode == 0
                      else proc.stderr.strip()[-400:])
        # What has no GPU schedule is refused at compile time, by name: the
        # blocked layout's conversions, when a pass the GPU target leaves
        # out is asked for.
        resnet = os.path.join(ROOT, "models", "resnet18.cvm")
        out = os.path.join(work, "blocked.so")
        proc = subprocess.run([cvclib.tool("cvc"), resnet, "-o", out, "--target", "cuda",
                               "--enable-pass=cv-block-layout"], capture_output=True, text=True)
        checks.record("a CPU-only op for cuda: refused naming it",
                      proc.returncode == 1 and "_blocked' op has no GPU schedule yet"
                      in proc.stderr and not os.path.exists(out), proc.stderr.strip()[-400:])
        # A Halide target string naming CUDA without a capability gets the
        # default one (Halide alone would write sm_20 PTX); other GPU APIs
        # are refused.
        raw = os.path.join(work, "raw.so")
        proc = subprocess.run([cvclib.tool("cvc"), lenet, "-o", raw, "--target",
                               "x86-64-linux-avx2-cuda"], capture_output=True, text=True)
        checks.record("a Halide CUDA target without a capability: sm_70",
                      proc.returncode == 0 and b".target sm_70" in ptx_entries(raw)[1],
                      proc.stderr.strip()[-300:])
        proc = subprocess.run([cvclib.tool("cvc"), lenet, "-o", out, "--target",
                               "x86-64-linux-avx2-opencl"], capture_output=True, text=True)
        checks.record("another GPU API: refused",
                      proc.returncode == 1 and "GPU API other than CUDA" in proc.stderr
                      and not os.path.exists(out), proc.stderr.strip())
        proc = subprocess.run([cvclib.tool("cvc"), lenet, "-o", out, "--target", "cuda-99"],
                              capture_output=True, text=True)
        checks.record("unknown capability: refused, the known ones listed",
                      proc.returncode == 1 and "70, 75, 80, 86" in proc.stderr
                      and not os.path.exists(out), proc.stderr.strip())
        db = os.path.join(work, "tuning.db")
        proc = subprocess.run([cvclib.tool("cvc-tune"), lenet, "--db", db, "--target", "cuda",
                               "--budget", "5s"], capture_output=True, text=True)
        checks.record("cvc-tune for cuda: refused before measuring",
                      proc.returncode == 1 and "running GPU kernels is not implemented yet"
                      in proc.stderr and not os.path.exists(db), proc.stderr.strip())
    if checks.failed:
        raise cvclib.Failure("failed: " + ", ".join(checks.failed))


if __name__ == "__main__":
    cvclib.main(test)
