#!/usr/bin/python3
"""Runs the ONNX backend test data (Debian's libonnx-testdata) through cvc.

Each test directory holds model.onnx and test_data_set_*/{input,output}_K.pb.
Every test is compiled with `cvc`, run with `cvc-run` on every data set, and
compared with the expected outputs (rtol 1e-3, atol 1e-7, ONNX's own
tolerances). A test ends as
  pass         every data set matches;
  unsupported  cvc refused the model with its clear "not supported" message;
  fail         anything else (wrong numbers, a crash, an unclear error);
  excluded     listed in EXCLUDED with the reason no implementation can pass it.

The test format has no constants: scales, shapes, masks and repeat counts
arrive as graph inputs. When cvc refuses a model, it is compiled again per
data set with every input but the first float32 one fixed to that data
set's value (`cvc --constant-input`, what a user does for such a model);
a test that passes so counts as "pass (bound)" and says so in the report.

    run_backend.py [--data DIR] [--filter REGEX] [--jobs N] [--report FILE]

Exits non-zero if any test fails. Writes a per-operator table to --report.
"""
import argparse
import collections
import concurrent.futures
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import numpy_helper

DATA = "/usr/share/libonnx-testdata/data"
SUITES = ("node", "pytorch-converted", "pytorch-operator", "simple")
BIN = os.environ.get("CVC_BIN_DIR") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "build", "bin")
RTOL, ATOL = 1e-3, 1e-7

# Tests whose expected outputs no other implementation reproduces (ONNX
# Runtime's backend run excludes them too), by exact suite/name.
EXCLUDED = {
    **{name: "the expected output is one random draw of dropout masks (training_mode true); "
             "cvc's Dropout is the identity in an inference build and draws its own masks "
             "in a --train build"
       for name in ("node/test_training_dropout", "node/test_training_dropout_default")},
    # Scales 0.6 and 0.8 on lengths 4: the resized lengths are 2 and 3, but
    # ONNX's reference code divides by in * scale - 1 (1.4 and 2.2) instead.
    **{name: "align_corners with a non-integer in * scale: the expected output divides by "
             "in * scale - 1, where the specification's text, ONNX Runtime and PyTorch "
             "divide by the resized length - 1, as cvc does"
       for name in ("node/test_resize_downsample_scales_linear_align_corners",
                    "node/test_resize_downsample_scales_cubic_align_corners")},
}


def sanitize(name):
    return re.sub(r"[^A-Za-z0-9._-]", "_", name) or "output"


def compile_model(model_path, so, bound=()):
    """None when compiled, else (status, message)."""
    args = [os.path.join(BIN, "cvc"), model_path, "-o", so]
    for name, path in bound:
        args.append(f"--constant-input={name}={path}")
    proc = subprocess.run(args, capture_output=True, text=True, timeout=600)
    if proc.returncode == 0:
        return None
    message = proc.stderr.strip()
    if proc.returncode > 0 and ("not supported" in message or "unsupported" in message):
        return "unsupported", message.splitlines()[0]
    return "fail", f"cvc exited with {proc.returncode}: {message[-2000:]}"


def check_data_set(so, directory, inputs, outputs, work, data_set):
    """None when cvc-run's outputs match the expected ones, else why not."""
    args = [os.path.join(BIN, "cvc-run"), so, "--iterations", "1", "--warmup", "0",
            "--output-dir", os.path.join(work, data_set)]
    for k, name in inputs:
        args += ["--input", f"{name}={os.path.join(directory, f'input_{k}.pb')}"]
    run = subprocess.run(args, capture_output=True, text=True, timeout=600)
    if run.returncode != 0:
        return f"{data_set}: cvc-run exited with {run.returncode}: {run.stderr[-2000:]}"
    for k, name in enumerate(outputs):
        expected = numpy_helper.to_array(
            onnx.load_tensor(os.path.join(directory, f"output_{k}.pb")))
        got = np.load(os.path.join(work, data_set, sanitize(name) + ".npy"))
        if got.shape != expected.shape:
            return f"{data_set}: output {name} shape {got.shape} != {expected.shape}"
        if not np.allclose(got, expected, rtol=RTOL, atol=ATOL, equal_nan=True):
            err = np.max(np.abs(got.astype(np.float64) - expected))
            return f"{data_set}: output {name} differs (max abs error {err:.3g})"
    return None


def run_test(test_dir, work):
    """Returns (status, op types, detail)."""
    model_path = os.path.join(test_dir, "model.onnx")
    try:
        model = onnx.load(model_path)
        ops = sorted({n.op_type for n in model.graph.node}) or ["(none)"]
    except Exception as e:  # the data itself is unreadable: not cvc's fault
        return "fail", ["(unreadable)"], f"cannot read the test model: {e}"
    initializers = {i.name for i in model.graph.initializer}
    inputs = [(k, i) for k, i in enumerate(
        i for i in model.graph.input if i.name not in initializers)]
    outputs = [o.name for o in model.graph.output]
    sets = sorted(d for d in os.listdir(test_dir) if d.startswith("test_data_set_"))
    so = os.path.join(work, "model.so")
    refused = compile_model(model_path, so)
    if refused is None:
        for data_set in sets:
            why = check_data_set(so, os.path.join(test_dir, data_set),
                                 [(k, i.name) for k, i in inputs], outputs, work, data_set)
            if why:
                return "fail", ops, why
        return "pass", ops, f"{len(sets)} data sets"
    if refused[0] == "fail":
        return "fail", ops, refused[1]
    floats = [k for k, i in inputs if i.type.tensor_type.elem_type == onnx.TensorProto.FLOAT]
    kept = floats[0] if floats else None
    bound = [(k, i.name) for k, i in inputs if k != kept]
    if not bound or not sets:
        return "unsupported", ops, refused[1]
    for data_set in sets:
        directory = os.path.join(test_dir, data_set)
        again = compile_model(model_path, so,
                              [(name, os.path.join(directory, f"input_{k}.pb"))
                               for k, name in bound])
        if again is not None:
            return again[0], ops, again[1] + " (with --constant-input)"
        why = check_data_set(so, directory, [(k, i.name) for k, i in inputs if k == kept],
                             outputs, work, data_set)
        if why:
            return "fail", ops, why + " (with --constant-input)"
    names = ", ".join(name for _, name in bound)
    return "pass (bound)", ops, f"{len(sets)} data sets, {names} fixed with --constant-input"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default=DATA)
    parser.add_argument("--filter", default="")
    parser.add_argument("--jobs", type=int, default=os.cpu_count())
    parser.add_argument("--report", default="onnx-backend-report.md")
    args = parser.parse_args()
    tests = []
    for suite in SUITES:
        root = os.path.join(args.data, suite)
        if not os.path.isdir(root):
            continue
        for name in sorted(os.listdir(root)):
            if re.search(args.filter, f"{suite}/{name}"):
                tests.append((suite, name, os.path.join(root, name)))
    if not tests:
        print(f"no ONNX backend tests found under {args.data}", file=sys.stderr)
        return 1

    def one(test):
        suite, name, path = test
        if f"{suite}/{name}" in EXCLUDED:
            return test, ("excluded", ["-"], EXCLUDED[f"{suite}/{name}"])
        with tempfile.TemporaryDirectory(prefix="cvc-backend-") as work:
            try:
                return test, run_test(path, work)
            except subprocess.TimeoutExpired:
                return test, ("fail", ["?"], "timed out")

    results = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for (suite, name, _), (status, ops, detail) in pool.map(one, tests):
            results.append((suite, name, status, ops, detail))
            if status == "fail":
                print(f"FAIL {suite}/{name}: {detail}", flush=True)

    per_op = collections.defaultdict(collections.Counter)
    per_suite = collections.defaultdict(collections.Counter)
    for suite, name, status, ops, _ in results:
        per_suite[suite][status] += 1
        if status == "excluded":
            continue
        for op in ops:
            per_op[op][status] += 1
    with open(args.report, "w") as report:
        report.write("# ONNX backend tests through cvc\n\n"
                     "\"pass (bound)\": passes with its scale, shape or mask inputs fixed by "
                     "`cvc --constant-input`.\n\n"
                     "| suite | pass | pass (bound) | fail | unsupported | excluded |\n"
                     "|---|---:|---:|---:|---:|---:|\n")
        for suite in SUITES:
            c = per_suite[suite]
            report.write(f"| {suite} | {c['pass']} | {c['pass (bound)']} | {c['fail']} | "
                         f"{c['unsupported']} | {c['excluded']} |\n")
        report.write("\n| operator | pass | pass (bound) | fail | unsupported |\n"
                     "|---|---:|---:|---:|---:|\n")
        for op in sorted(per_op):
            c = per_op[op]
            report.write(f"| {op} | {c['pass']} | {c['pass (bound)']} | {c['fail']} | "
                         f"{c['unsupported']} |\n")
        report.write("\n## Every test\n\n")
        for suite, name, status, ops, detail in results:
            report.write(f"- {status}: {suite}/{name} ({', '.join(ops)}): {detail}\n")
    total = collections.Counter(status for _, _, status, _, _ in results)
    for suite in SUITES:
        c = per_suite[suite]
        print(f"  {suite}: {c['pass']} passed, {c['pass (bound)']} passed with "
              f"--constant-input, {c['fail']} failed, {c['unsupported']} unsupported")
    print(f"report: {os.path.abspath(args.report)}")
    print(f"onnx-backend: {total['pass']} passed, {total['pass (bound)']} passed with "
          f"--constant-input, {total['fail']} failed, "
          f"{total['unsupported']} unsupported, {total['excluded']} excluded")
    return 1 if total["fail"] else 0


if __name__ == "__main__":
    sys.exit(main())
