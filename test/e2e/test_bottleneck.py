#!/usr/bin/python3
"""The opt-in low-rank bottleneck (--bottleneck) on a convolution whose
weights are close to rank 6: the relative error cvc reports for the layer
agrees with the error measured directly by running the factorised and the
exact model.so on the same Gaussian inputs, the multiply-accumulates it
reports are those `cvc --summary` counts, and a layer over the error bound
is left exact.
"""
import os
import re
import subprocess
import tempfile

import numpy as np
import torch

import cvclib


def compile_with(onnx_path, so_path, *flags):
    proc = subprocess.run([cvclib.tool("cvc"), onnx_path, "-o", so_path, *flags],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise cvclib.Failure(f"cvc failed ({proc.returncode}):\n{proc.stderr}")
    return proc.stderr


def test():
    torch.manual_seed(0)
    conv = torch.nn.Conv2d(32, 48, 3, padding=1, bias=False)
    with torch.no_grad():
        low = torch.randn(48 * 9, 6) @ torch.randn(6, 32)       # rank 6 over input channels
        w = low.reshape(48, 3, 3, 32).permute(0, 3, 1, 2)
        conv.weight.copy_(w + 0.15 * torch.randn_like(w))
    model = torch.nn.Sequential(conv).eval()
    with tempfile.TemporaryDirectory(prefix="cvc-bottleneck-") as work:
        onnx_path = cvclib.export(model, torch.randn(1, 32, 16, 16), os.path.join(work, "c.onnx"))
        exact = os.path.join(work, "exact.so")
        lossy = os.path.join(work, "lossy.so")
        compile_with(onnx_path, exact)
        remarks = compile_with(onnx_path, lossy, "--bottleneck=rank:6", "--bottleneck-max-error=1")
        print(remarks.strip())
        m = re.search(r"factorised: rank 6 of 32, (\d+) -> (\d+) MACs per image .* relative error "
                      r"([\d.]+)", remarks)
        if not m:
            raise cvclib.Failure(f"no factorisation reported:\n{remarks}")
        before, after, reported = int(m.group(1)), int(m.group(2)), float(m.group(3))
        expected_after = 6 * 32 * 16 * 16 + 48 * 6 * 9 * 16 * 16
        if (before, after) != (48 * 32 * 9 * 16 * 16, expected_after):
            raise cvclib.Failure(f"reported MACs {before} -> {after}, expected "
                                 f"{48 * 32 * 9 * 256} -> {expected_after}")
        _, macs, _ = cvclib.summary_totals(onnx_path, "--bottleneck=rank:6",
                                           "--bottleneck-max-error=1")
        if macs != after:
            raise cvclib.Failure(f"cvc --summary counts {macs} MACs, the pass reported {after}")

        for sub in "elk":
            os.makedirs(os.path.join(work, sub))
        x = np.random.default_rng(1).standard_normal((8, 32, 16, 16)).astype(np.float32)
        y_exact, _ = cvclib.run_model(exact, {"input": x}, os.path.join(work, "e"))
        y_lossy, _ = cvclib.run_model(lossy, {"input": x}, os.path.join(work, "l"))
        a, b = y_exact["output"].astype(np.float64), y_lossy["output"].astype(np.float64)
        measured = float(np.linalg.norm(b - a) / np.linalg.norm(a))
        print(f"  reported relative error {reported:.4f}, measured {measured:.4f}")
        if not 0.0 < measured < 0.5:
            raise cvclib.Failure(f"measured error {measured} is not that of a lossy rank-6 fit")
        if abs(measured - reported) > 0.25 * measured + 2e-3:
            raise cvclib.Failure(f"reported error {reported:.4f} disagrees with the measured "
                                 f"{measured:.4f}")

        bound = reported / 2
        remarks = compile_with(onnx_path, lossy, "--bottleneck=rank:6",
                               f"--bottleneck-max-error={bound}")
        if "refused" not in remarks:
            raise cvclib.Failure(f"a layer over the bound {bound} was not refused:\n{remarks}")
        y_kept, _ = cvclib.run_model(lossy, {"input": x}, os.path.join(work, "k"))
        cvclib.compare("refused layer against exact", y_kept["output"], a, **cvclib.CONFORMANCE)


if __name__ == "__main__":
    cvclib.main(test)
