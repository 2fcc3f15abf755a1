"""Shared helpers of the end-to-end tests: export a PyTorch model to ONNX,
compile it with cvc, run it with cvc-run, compare with PyTorch.

Tolerances follow DESIGN.md: |cvc - ref| <= atol + rtol * |ref| per element,
plus a relative L2 bound for deep networks. Every comparison prints its
measured errors, pass or fail.
"""
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

BIN = os.environ.get("CVC_BIN_DIR") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "build", "bin")
SHALLOW = dict(atol=1e-4, rtol=1e-3, rel_l2=None)
# The first end-to-end path (LeNet-5, AlexNet, VGG-16) is held to 1e-4 + 1e-4.
FIRST_PATH = dict(atol=1e-4, rtol=1e-4, rel_l2=None)
# The conformance tolerance: deep networks against PyTorch, and any model
# compiled at -O0 against the same model at -O2.
CONFORMANCE = dict(atol=1e-3, rtol=1e-3, rel_l2=1e-3)
DEEP = CONFORMANCE


class Failure(Exception):
    pass


def tool(name):
    path = os.path.join(BIN, name)
    if not os.path.exists(path):
        raise Failure(f"{path} does not exist; build cvc first")
    return path


def export(model, example, path, opset=13, dynamic_batch=True, input_name="input",
           output_name="output", unfolded=False):
    """Exports to ONNX. By default PyTorch folds constants and batch norms into
    convolutions; `unfolded` keeps the BatchNormalization nodes and the
    exporter's shape arithmetic, as other tools write them, for cvc to fold."""
    model.eval()
    axes = {input_name: {0: "batch"}, output_name: {0: "batch"}} if dynamic_batch else None
    with torch.no_grad():
        torch.onnx.export(model, example, path, opset_version=opset, input_names=[input_name],
                          output_names=[output_name], dynamic_axes=axes,
                          do_constant_folding=not unfolded,
                          training=(torch.onnx.TrainingMode.PRESERVE if unfolded
                                    else torch.onnx.TrainingMode.EVAL))
    return path


def compile_model(onnx_path, so_path, *flags):
    start = time.time()
    proc = subprocess.run([tool("cvc"), onnx_path, "-o", so_path, *flags],
                          capture_output=True, text=True)
    elapsed = time.time() - start
    if proc.returncode != 0:
        raise Failure(f"cvc failed ({proc.returncode}):\n{proc.stderr}")
    return elapsed


def run_model(so_path, inputs, workdir, iterations=1, warmup=0, threads=0):
    """Runs so_path on {name: array}; returns ({output name: array}, median ms)."""
    args = [tool("cvc-run"), so_path, "--iterations", str(iterations), "--warmup", str(warmup),
            "--threads", str(threads), "--output-dir", os.path.join(workdir, "out")]
    for name, array in inputs.items():
        path = os.path.join(workdir, f"in_{name}.npy")
        np.save(path, np.ascontiguousarray(array, dtype=np.float32))
        args += ["--input", f"{name}={path}"]
    proc = subprocess.run(args, capture_output=True, text=True)
    if proc.returncode != 0:
        raise Failure(f"cvc-run failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    median = None
    for line in proc.stdout.splitlines():
        if line.startswith("median "):
            median = float(line.split()[1])
    outdir = os.path.join(workdir, "out")
    outputs = {f[:-4]: np.load(os.path.join(outdir, f)) for f in os.listdir(outdir)}
    return outputs, median


def run_ort(onnx_path, x, workdir):
    """ONNX Runtime's first output for the single input `x` (bench/ort_run.js,
    the npm package scripts/setup.sh installs)."""
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    x_path = os.path.join(workdir, "ort_in.npy")
    out_path = os.path.join(workdir, "ort_out.npy")
    np.save(x_path, np.ascontiguousarray(x, dtype=np.float32))
    proc = subprocess.run(["node", os.path.join(root, "bench", "ort_run.js"), onnx_path,
                           "--input", x_path, "--output", out_path, "--iterations", "1",
                           "--warmup", "0", "--min-iterations", "1"],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise Failure(f"ONNX Runtime failed on {onnx_path}:\n{proc.stderr[-2000:]}")
    return np.load(out_path)


def compare(name, got, ref, atol, rtol, rel_l2=None):
    got = np.asarray(got, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    if got.shape != ref.shape:
        raise Failure(f"{name}: shape {got.shape} differs from the reference {ref.shape}")
    err = np.abs(got - ref)
    bound = atol + rtol * np.abs(ref)
    worst = float(np.max(err / bound)) if err.size else 0.0
    l2 = float(np.linalg.norm(got - ref) / max(np.linalg.norm(ref), 1e-30))
    spread = float(np.std(ref))
    print(f"  {name}: max abs err {err.max():.3e}, max err/tolerance {worst:.3f}, "
          f"relative L2 {l2:.3e}, reference std {spread:.3e}")
    if not np.all(np.isfinite(got)):
        raise Failure(f"{name}: non-finite values in cvc's output")
    if spread < 1e-3 * max(float(np.mean(np.abs(ref))), 1e-12):
        raise Failure(f"{name}: the reference is near-constant; the comparison would be meaningless")
    if worst > 1.0:
        i = np.unravel_index(np.argmax(err / bound), err.shape)
        raise Failure(f"{name}: element {i} is {got[i]:.7g}, reference {ref[i]:.7g} "
                      f"(tolerance {atol} + {rtol}*|ref|)")
    if rel_l2 is not None and l2 > rel_l2:
        raise Failure(f"{name}: relative L2 error {l2:.3e} exceeds {rel_l2}")


def summary_totals(onnx_path, *flags):
    """(parameters, MACs per image, kernel launches) from `cvc --summary`.
    cvc counts every constant tensor, so models whose graphs hold constants
    that are not PyTorch parameters (scalars in arithmetic) opt out."""
    proc = subprocess.run([tool("cvc"), onnx_path, "--summary", *flags], capture_output=True,
                          text=True)
    if proc.returncode != 0:
        raise Failure(f"cvc --summary failed ({proc.returncode}):\n{proc.stderr}")
    for line in proc.stdout.splitlines():
        m = re.match(r"total: ([\d,]+) parameters, .*\(([\d,]+)\), (\d+) kernel launches", line)
        if m:
            return (int(m.group(1).replace(",", "")), int(m.group(2).replace(",", "")),
                    int(m.group(3)))
    raise Failure(f"no totals line in cvc --summary output:\n{proc.stdout}")


def check_parameter_count(name, model, onnx_path):
    """Without batch norms (whose running statistics PyTorch keeps as buffers
    and cvc folds), cvc's parameter count is PyTorch's exactly."""
    expected = sum(p.numel() for p in model.parameters())
    params, macs, kernels = summary_totals(onnx_path)
    print(f"  {name}: {params:,} parameters (PyTorch {expected:,}), {macs:,} MACs per image, "
          f"{kernels} kernels")
    if params != expected:
        raise Failure(f"{name}: cvc --summary counts {params:,} parameters, PyTorch {expected:,}")


def check_against_torch(name, model, input_shape, batches=(1,), opsets=(13,), tol=SHALLOW,
                        seed=0, count_parameters=True):
    """Exports `model` once per opset (the first without PyTorch's constant
    folding, so that batch norms and shape arithmetic reach cvc), compiles at
    -O2 and the first opset also at -O0, and checks every batch size against
    PyTorch; -O0 and -O2 must also agree with each other, so a rewrite that
    changes results fails here."""
    torch.manual_seed(seed)
    model.eval()
    with tempfile.TemporaryDirectory(prefix="cvc-e2e-") as work:
        inputs = {batch: torch.randn(batch, *input_shape) for batch in batches}
        with torch.no_grad():
            refs = {batch: model(x).numpy() for batch, x in inputs.items()}
        for opset in opsets:
            onnx_path = os.path.join(work, f"{name}_op{opset}.onnx")
            export(model, torch.randn(batches[0], *input_shape), onnx_path, opset=opset,
                   unfolded=opset == opsets[0] and len(opsets) > 1)
            if count_parameters and opset == opsets[-1] and not any(isinstance(m, torch.nn.modules.batchnorm._BatchNorm)
                                               for m in model.modules()):
                check_parameter_count(name, model, onnx_path)
            levels = ("-O2", "-O0") if opset == opsets[0] else ("-O2",)
            outputs = {}
            for level in levels:
                so_path = os.path.join(work, f"{name}_op{opset}{level}.so")
                seconds = compile_model(onnx_path, so_path, level)
                print(f"{name} (opset {opset}, {level}): compiled in {seconds:.2f} s")
                for batch in batches:
                    outs, _ = run_model(so_path, {"input": inputs[batch].numpy()}, work)
                    outputs[level, batch] = outs["output"]
                    compare(f"{name} opset {opset} {level} batch {batch}", outs["output"],
                            refs[batch], **tol)
            if len(levels) == 2:
                for batch in batches:
                    compare(f"{name} opset {opset} -O0 vs -O2 batch {batch}",
                            outputs["-O0", batch], outputs["-O2", batch], **CONFORMANCE)


def main(test):
    """Runs test(), turning a Failure into exit status 1 with its message."""
    try:
        test()
    except Failure as e:
        print(f"FAILED: {e}", file=sys.stderr)
        sys.exit(1)
    print("PASSED")


class Checks:
    """Named pass/fail results of a test script, each printed as it is made."""

    def __init__(self):
        self.failed = []

    def record(self, name, ok, detail=""):
        print(f"{'ok  ' if ok else 'FAIL'} {name}{': ' + detail if detail else ''}")
        if not ok:
            self.failed.append(name)

    def close(self, tol, name, ours, ref):
        """|ours - ref| <= tol everywhere, same shapes."""
        err = float(np.abs(ours - ref).max()) if ours.shape == ref.shape else float("inf")
        self.record(name, err <= tol, f"shape {ours.shape}, max abs error {err:.2e} (tolerance {tol:g})")

    def exit(self, success_message, body):
        """Runs body(); exit status 1 if it raised Failure or a check failed."""
        try:
            body()
        except Failure as e:
            print(f"error: {e}")
            sys.exit(1)
        if self.failed:
            print("failed:", ", ".join(self.failed))
            sys.exit(1)
        print(success_message)
        sys.exit(0)
