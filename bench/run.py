#!/usr/bin/python3
"""The benchmark: cvc against ONNX Runtime and PyTorch on this machine, in one run.

    /usr/bin/python3 bench/run.py [--models lenet5,resnet18] [--batches 1,16]
        [--threads 1,all] [--iterations N] [--seconds S] [--out bench/results]
        [--cvc-variant 'tuned=--tuning-db=bench/tuning.db --tuning-batch={batch}']
        [--tune 3m]

For each model: export ONNX once with fixed weights, compile it with
build/bin/cvc (timing the compile, sizing model.so), check that cvc's output
matches ONNX Runtime's at every batch, then time cvc (bench/cvc_time.c), ONNX
Runtime (bench/ort_run.js) and PyTorch (bench/torch_time.py), each in its own
process so that its peak resident memory is its own, at every batch and thread
count. GFLOP/s counts 2 flops per multiply-accumulate of the ONNX graph's
convolutions and matrix products; % of peak is against the fp32 FMA peak that
bench/fma_peak.c measures at the same thread count in the same run.

Each --cvc-variant NAME=[@CVC] FLAGS adds a runtime: the model compiled
again with those cvc flags (by another cvc binary when @CVC is given, e.g.
an older build), checked and timed like cvc; {batch} in the flags is the
batch being timed, so a tuning database's entries for that batch are used.

--tune BUDGET first runs cvc-tune on each model at each batch (at the largest
thread count, BUDGET per run, one database per batch in OUT) and adds two
variants: "tuned" (each batch compiled with its own batch's database) and
"warm" (every batch compiled with the first batch's database only, so larger
batches take warm starts from kernels tuned at another batch: what a database
gives shapes it never saw).

Writes OUT/results.md (also printed) and OUT/results.json; progress goes to
stderr. bench/README.md explains every column.
"""
import argparse
import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnx
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "test", "e2e"))
import common  # noqa: E402
import cvclib  # noqa: E402

# ORT first in each setting: its output is the reference the others are checked against.
# --cvc-variant adds runtimes after "cvc".
RUNTIMES = ("ort", "cvc", "torch")
LABELS = {"cvc": "cvc", "ort": "ORT", "torch": "PyTorch"}


class Variant:
    """cvc with other flags (or another cvc binary): NAME=[@CVC] FLAGS."""

    def __init__(self, spec):
        name, sep, rest = spec.partition("=")
        if not sep or not name.isidentifier():
            raise ValueError(f"--cvc-variant '{spec}': expected NAME=[@CVC] FLAGS")
        words = rest.split()
        self.cvc = words.pop(0)[1:] if words and words[0].startswith("@") else None
        self.name, self.flags = name, words
        self.runtime = "cvc-" + name

    def per_batch(self):
        return any("{batch}" in f for f in self.flags)

    def compile(self, onnx_path, so_path, batch):
        flags = [f.replace("{batch}", str(batch)) for f in self.flags]
        start = time.time()
        proc = subprocess.run([self.cvc or cvclib.tool("cvc"), onnx_path, "-o", so_path, *flags],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            raise cvclib.Failure(f"cvc ({self.name}) failed:\n{proc.stderr}")
        return time.time() - start
ATOL = RTOL = 1e-3


def log(message):
    print(message, file=sys.stderr, flush=True)


class ChildFailed(Exception):
    pass


def run_child(cmd):
    """Runs cmd to completion and returns its stdout. Each harness reports its
    own peak memory (VmHWM): a child's ru_maxrss would start from this
    process's, which holds PyTorch."""
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        lines = (proc.stderr.strip() or proc.stdout.strip()
                 or f"exit status {proc.returncode}").splitlines()
        raise ChildFailed(f"{os.path.basename(cmd[0])} failed: {lines[-1]}")
    return proc.stdout


def last_json(stdout):
    return json.loads(stdout.strip().splitlines()[-1])


def build_tools(work):
    """Compiles the C harnesses for this host into `work`."""
    tools = {}
    for name, flags in (("fma_peak", ["-pthread", "-lm"]),
                        ("cvc_time", ["-I", os.path.join(ROOT, "runtime", "include"), "-ldl",
                                      "-lpthread"])):
        tools[name] = os.path.join(work, name)
        subprocess.run(["cc", "-O2", os.path.join(HERE, name + ".c"), "-o", tools[name], *flags],
                       check=True)
    return tools


def cpu_name():
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown CPU"


def onnx_macs(path):
    """Multiply-accumulates of one image: Conv N*Cout*Hout*Wout*(Cin/group)*kh*kw,
    Gemm and MatMul M*N*K; every other op counts nothing."""
    model = onnx.load(path)
    # One image: with the batch fixed, data propagation folds the shape
    # arithmetic exporters emit (ShuffleNet's channel shuffle reshapes by
    # Shape -> Gather -> Concat, which left every later shape unknown).
    for info in model.graph.input:
        for d in info.type.tensor_type.shape.dim[:1]:
            if not d.HasField("dim_value"):
                d.dim_value = 1
    graph = onnx.shape_inference.infer_shapes(model, data_prop=True).graph
    shapes = {init.name: list(init.dims) for init in graph.initializer}
    for info in [*graph.input, *graph.value_info, *graph.output]:
        if info.type.tensor_type.HasField("shape"):
            shapes.setdefault(info.name, [d.dim_value if d.HasField("dim_value") else 1
                                          for d in info.type.tensor_type.shape.dim])

    def shape(name, rank=0):
        if name not in shapes or len(shapes[name]) < rank:
            raise ValueError(f"{path}: no inferred shape for tensor '{name}'")
        return shapes[name]

    macs = 0
    for node in graph.node:
        if node.op_type == "Conv":  # weight: Cout x Cin/group x kh x kw
            macs += int(np.prod(shape(node.output[0]))) * int(np.prod(shape(node.input[1])[1:]))
        elif node.op_type == "Gemm":
            trans_a = any(a.name == "transA" and a.i for a in node.attribute)
            a = shape(node.input[0], 2)
            macs += int(np.prod(shape(node.output[0]))) * (a[0] if trans_a else a[1])
        elif node.op_type == "MatMul":
            macs += int(np.prod(shape(node.output[0]))) * shape(node.input[0])[-1]
    return macs


def mismatch(got, ref):
    """None if |got - ref| <= ATOL + RTOL*|ref| everywhere, else why not;
    also the worst error as a fraction of its tolerance."""
    if got.shape != ref.shape:
        return f"shape {got.shape} differs from ORT's {ref.shape}", float("inf")
    if not np.all(np.isfinite(got)):
        return "non-finite values", float("inf")
    ratio = np.abs(got.astype(np.float64) - ref) / (ATOL + RTOL * np.abs(ref.astype(np.float64)))
    worst = float(ratio.max()) if ratio.size else 0.0
    if worst > 1:
        i = np.unravel_index(np.argmax(ratio), ratio.shape)
        return (f"element {i} is {got[i]:.6g}, ORT {ref[i]:.6g} "
                f"(tolerance {ATOL} + {RTOL}*|ref|)"), worst
    return None, worst


class Bench:
    def __init__(self, args, tools, work):
        self.args, self.tools, self.work = args, tools, work
        self.variants = {v.runtime: v for v in args.variants}
        self.runtimes = ("ort", "cvc", *self.variants, "torch")

    def tune(self, name, onnx_path):
        """cvc-tune at every batch into OUT/tuning-b<batch>.db: seconds and its last lines."""
        out = {}
        for batch in self.args.batches:
            db = tuning_db(self.args, batch)
            log(f"[{name}] tuning at batch {batch} for {self.args.tune}")
            start = time.time()
            proc = subprocess.run(
                [cvclib.tool("cvc-tune"), onnx_path, "--db", db, "--budget", self.args.tune,
                 "--batch", str(batch), "--threads", str(max(self.args.threads)),
                 "--no-model-compare"], capture_output=True, text=True)
            seconds = time.time() - start
            summary = [l.strip() for l in proc.stdout.splitlines()
                       if l.startswith("kernels summed") or " candidates measured" in l]
            out[str(batch)] = {"seconds": seconds, "status": "ok" if proc.returncode == 0
                               else "cvc-tune failed: " + proc.stderr.strip()[-200:],
                               "summary": "; ".join(summary[-2:])}
            log(f"[{name}] tuned at batch {batch} in {seconds:.0f} s: "
                f"{out[str(batch)]['summary'] or out[str(batch)]['status']}")
        return out

    def so_of(self, runtime, files, batch):
        """The model.so a cvc runtime times at `batch`."""
        if runtime == "cvc":
            return files["so"]
        v = self.variants[runtime]
        return files[runtime, batch if v.per_batch() else None]

    def timing_flags(self, iterations=None):
        a = self.args
        if iterations is not None:  # a correctness run: once, no warm-up
            return ["--warmup", "0", "--iterations", str(iterations), "--min-iterations", "1"]
        return ["--warmup", str(a.warmup), "--iterations", str(a.iterations),
                "--min-iterations", str(min(a.min_iterations, a.iterations)),
                "--seconds", str(a.seconds)]

    def command(self, runtime, files, x_path, out_path, threads, iterations=None, batch=None):
        timing = self.timing_flags(iterations)
        if runtime == "cvc" or runtime in self.variants:
            return [self.tools["cvc_time"], self.so_of(runtime, files, batch), "--input", x_path,
                    "--threads", str(threads), "--output", out_path, *timing]
        if runtime == "ort":
            return ["node", os.path.join(HERE, "ort_run.js"), files["onnx"], "--input", x_path,
                    "--threads", str(threads), "--output", out_path, *timing]
        return [sys.executable, os.path.join(HERE, "torch_time.py"), files["pt"], "--input",
                x_path, "--threads", str(threads), "--output", out_path, *timing]

    def model(self, name, peaks):
        """Everything measured for one model, as a dict for results.json."""
        a, work = self.args, self.work
        shape = common.model_spec(name)[1]
        result = {"name": name, "input_shape": list(shape), "status": "ok", "runs": []}
        start = time.time()
        model = common.build_model(name)
        files = {k: os.path.join(work, f"{name}.{k}") for k in ("onnx", "so", "pt")}
        cvclib.export(model, torch.randn(1, *shape), files["onnx"])
        torch.save(model, files["pt"])
        del model
        try:
            result["macs_per_image"] = onnx_macs(files["onnx"])
            log(f"[{name}] exported in {time.time() - start:.1f} s, "
                f"{result['macs_per_image'] / 1e6:.1f} MMAC per image")
        except ValueError as e:
            # ONNX's shape inference gave up somewhere: cvc's count, once it
            # has compiled the model, stands in (and the report says so).
            result["macs_per_image"] = None
            log(f"[{name}] exported in {time.time() - start:.1f} s; {e}: MACs from cvc's count")
        try:
            result["compile_s"] = cvclib.compile_model(files["onnx"], files["so"])
        except cvclib.Failure as e:
            result["status"] = "compile failed: " + str(e).strip().splitlines()[-1]
            log(f"[{name}] {result['status']}")
        else:
            result["so_bytes"] = os.path.getsize(files["so"])
            log(f"[{name}] compiled in {result['compile_s']:.1f} s, "
                f"model.so {result['so_bytes'] / 1e6:.1f} MB")
        if a.tune and result["status"] == "ok":
            result["tune"] = self.tune(name, files["onnx"])
        result["variant_status"] = {}
        for runtime, v in self.variants.items():
            try:
                for batch in (a.batches if v.per_batch() else [None]):
                    so = os.path.join(work, f"{name}.{v.name}.b{batch}.so")
                    seconds = v.compile(files["onnx"], so, batch or 1)
                    files[runtime, batch] = so
                    log(f"[{name}] {v.name}: compiled in {seconds:.1f} s")
                result["variant_status"][runtime] = "ok"
            except cvclib.Failure as e:
                result["variant_status"][runtime] = "compile failed: " + str(e).strip()[-200:]
                log(f"[{name}] {v.name}: {result['variant_status'][runtime]}")

        rng = np.random.default_rng(0)
        inputs = {}
        for batch in a.batches:
            inputs[batch] = os.path.join(work, f"{name}_x{batch}.npy")
            np.save(inputs[batch], rng.standard_normal((batch, *shape)).astype(np.float32))

        # Checked once per batch before any timing, so a wrong model costs no time.
        result["check"] = {}
        for batch in a.batches if result["status"] == "ok" else ():
            outs = {}
            try:
                checked = ["ort", "cvc"] + [r for r in self.variants
                                            if result["variant_status"][r] == "ok"]
                for runtime in checked:
                    outs[runtime] = os.path.join(work, f"{name}_check_{runtime}.npy")
                    stdout = run_child(self.command(runtime, files, inputs[batch], outs[runtime],
                                                    max(a.threads), iterations=1, batch=batch))
                    if runtime == "cvc":
                        result["cvc_macs_per_image"] = last_json(stdout)["macs_per_image"]
                why, worst = mismatch(np.load(outs["cvc"]), np.load(outs["ort"]))
                for runtime in checked[2:]:
                    vwhy, _ = mismatch(np.load(outs[runtime]), np.load(outs["ort"]))
                    if vwhy:
                        result["variant_status"][runtime] = f"FAILED at batch {batch}: {vwhy}"
                        log(f"[{name}] {runtime}: {result['variant_status'][runtime]}")
            except ChildFailed as e:
                why, worst = str(e), float("inf")
            result["check"][str(batch)] = worst if np.isfinite(worst) else None
            if why:
                result["status"] = f"FAILED at batch {batch}: {why}"
                log(f"[{name}] {result['status']}")
                break
            log(f"[{name}] batch {batch}: cvc matches ORT "
                f"(worst error {worst:.2g} of the tolerance)")
        # cvc counts MACs its own way; a gap means that one of the counts misses a layer.
        cvc_macs, macs = result.get("cvc_macs_per_image"), result["macs_per_image"]
        if macs is None:
            if cvc_macs is None:
                result["status"] = "not measured: no MAC count (ONNX's shape inference failed)"
                log(f"[{name}] {result['status']}")
                return result
            result["macs_per_image"] = macs = cvc_macs
            result["macs_source"] = "cvc"
        if cvc_macs is not None and abs(cvc_macs - macs) > 0.01 * macs:
            log(f"[{name}] warning: cvc counts {cvc_macs:,} MACs per image, "
                f"the ONNX graph {macs:,}")

        for batch in a.batches:
            for threads in a.threads:
                runtimes = self.runtimes
                outs = {rt: os.path.join(work, f"{name}_{rt}_b{batch}_t{threads}.npy")
                        for rt in runtimes}
                rounds = {rt: [] for rt in runtimes}
                # Interleaved rounds, each starting with a different runtime: on a shared
                # machine the load drifts over seconds, and a single back-to-back
                # measurement per runtime lets that drift decide the ratio.
                for i in range(a.rounds):
                    for runtime in runtimes[i % len(runtimes):] + runtimes[:i % len(runtimes)]:
                        rounds[runtime].append(self.time_one(name, result, runtime, files,
                                                             inputs[batch], outs, batch,
                                                             threads, peaks))
                for runtime in runtimes:
                    result["runs"].append(median_round(rounds[runtime]))
                log(f"[{name}] batch {batch}, {threads} thread(s): " + ", ".join(
                    f"{label(r['runtime'])} " + (f"{r['median_ms']:.2f} ms ({r['rss_mb']:.0f} MB)"
                                                 if r["status"] == "ok" else r["status"])
                    for r in result["runs"][-len(runtimes):]))
        return result

    def time_one(self, name, result, runtime, files, x_path, outs, batch, threads, peaks):
        run = {"runtime": runtime, "batch": batch, "threads": threads, "status": "ok"}
        if runtime == "cvc" and result["status"] != "ok":
            run["status"] = "FAILED" if result["status"].startswith("FAILED") else "not compiled"
            return run
        if runtime in self.variants and (result["status"] != "ok"
                                         or result["variant_status"][runtime] != "ok"):
            run["status"] = "FAILED"
            return run
        try:
            stdout = run_child(self.command(runtime, files, x_path, outs[runtime], threads,
                                            batch=batch))
        except ChildFailed as e:
            run["status"] = "error"
            run["error"] = str(e)
            log(f"[{name}] {e}")
            return run
        run.update(last_json(stdout))
        run["rss_mb"] = run.pop("peak_rss_mb")
        run.pop("macs_per_image", None)  # the model's, kept once in `result`
        # Every timed run's output is checked too: some bugs need threads or a batch.
        if runtime != "ort" and os.path.exists(outs["ort"]):
            why, _ = mismatch(np.load(outs[runtime]), np.load(outs["ort"]))
            if why:
                run["status"] = "FAILED"
                run["error"] = why
                log(f"[{name}] {label(runtime)} differs from ORT at batch {batch}, "
                    f"{threads} thread(s): {why}")
        flops = 2.0 * result["macs_per_image"] * batch
        run["images_per_s"] = batch * 1e3 / run["median_ms"]
        run["gflops"] = flops / (run["median_ms"] * 1e6)
        run["pct_peak"] = 100 * run["gflops"] / peaks[threads]
        return run


def label(runtime):
    return LABELS.get(runtime) or "cvc " + runtime[len("cvc-"):]


def median_round(runs):
    """One runtime's rounds as one run: the round whose median is the median of
    the rounds' medians, with every round's median kept beside it."""
    failed = [r for r in runs if r["status"] != "ok"]
    if failed:
        return failed[0]
    ordered = sorted(runs, key=lambda r: r["median_ms"])
    run = dict(ordered[(len(ordered) - 1) // 2])
    run["round_medians_ms"] = [r["median_ms"] for r in runs]
    run["rss_mb"] = max(r["rss_mb"] for r in runs)
    return run


# ---------------------------------------------------------------------------- report

def fmt(value, digits=2):
    return "—" if value is None else f"{value:.{digits}f}"


def table_row(model, batch, threads):
    """One model at one batch and thread count: times, % of peak, speed-ups."""
    cells = {r["runtime"]: r for r in model["runs"]
             if (r["batch"], r["threads"]) == (batch, threads)}
    ok = {rt: c for rt, c in cells.items() if c["status"] == "ok"}

    def value(rt):
        if rt not in ok:
            return cells[rt]["status"] if rt in cells else "—"
        return fmt(ok[rt]["median_ms"], 2) if batch == 1 else fmt(ok[rt]["images_per_s"], 1)

    def speedup(rt):  # > 1: cvc is faster
        ok_both = "cvc" in ok and rt in ok
        return f"{ok[rt]['median_ms'] / ok['cvc']['median_ms']:.2f}×" if ok_both else "—"

    pct = [fmt(ok[rt]["pct_peak"], 1) if rt in ok else "—" for rt in ("cvc", "ort", "torch")]
    gflops = fmt(ok["cvc"]["gflops"], 1) if "cvc" in ok else "—"
    return " | ".join(["", model["name"], str(threads), value("cvc"), value("ort"),
                       value("torch"), gflops, *pct, speedup("ort"), speedup("torch"), ""]).strip()


def spread_text(report):
    """The largest round-to-round spread, so a reader knows what a ratio is worth."""
    worst = None
    for model in report["models"]:
        for r in model["runs"]:
            medians = r.get("round_medians_ms", [])
            if len(medians) > 1:
                spread = max(medians) / min(medians) - 1
                if worst is None or spread > worst[0]:
                    worst = (spread, model["name"], label(r["runtime"]), r["batch"], r["threads"])
    if worst is None:
        return ""
    spread, name, runtime, batch, threads = worst
    return (f"The largest spread between a cell's rounds was {100 * spread:.0f}% ({runtime}, "
            f"{name}, batch {batch}, {threads} thread(s)); results.json keeps every round. ")


def markdown(report):
    m, s, v = report["machine"], report["settings"], report["versions"]
    peak = m["peak"]
    peak_text = "; ".join(
        f"{r['threads']} thread{'s' if r['threads'] > 1 else ''} {r['gflops']:.0f} GFLOP/s"
        + ("" if r["plausible"] and not r["busy"] else " (see the warning in results.json)")
        for r in peak["runs"])
    lines = [
        "# cvc benchmark", "",
        f"Machine: {m['cpu']}, {m['cores']} cores. Measured fp32 FMA peak ({peak['isa']}, "
        f"{peak['runs'][0]['fma_units']} FMA units per core, one core at "
        f"{peak['solo_clock_mhz']:.0f} MHz): {peak_text}.", "",
        f"Runtimes: cvc {v['cvc']} (target {v.get('cvc_target', '?')}), ONNX Runtime "
        f"{v.get('onnxruntime', '?')} (graph optimisation 'all'), PyTorch {v['torch']} (eager, "
        f"no_grad). {report['date']}.", "",
        f"Each time is the median of {min(s['min_iterations'], s['iterations'])} to "
        f"{s['iterations']} timed runs (timing stops at {s['iterations']}, or once "
        f"{s['seconds']:g} s have passed), after 1 to {s['warmup']} warm-up runs. "
        f"The three runtimes take turns for {s.get('rounds', 1)} round(s), each round starting "
        "with a different one, and each cell is the runtime's median round. "
        f"{spread_text(report)}"
        "GFLOP/s = 2 × MACs × batch / median; % peak is of the FMA peak measured at the same "
        "thread count. **Speed-up = the other runtime's median / cvc's median: above 1× cvc is "
        "faster.** FAILED: cvc's output differs from ONNX Runtime's by more than "
        f"{ATOL:g} + {RTOL:g}·|ref|.", ""]
    for batch in s["batches"]:
        lines += [f"## Batch {batch}: " + ("latency (median ms, lower is better)" if batch == 1
                                           else "throughput (images/s, higher is better)"), "",
                  "| model | threads | cvc | ORT | PyTorch | cvc GFLOP/s | cvc % peak | "
                  "ORT % peak | PyTorch % peak | cvc speed-up vs ORT | cvc speed-up vs PyTorch |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        lines += [table_row(model, batch, threads)
                  for model in report["models"] for threads in s["threads"]]
        lines.append("")
    variants = s.get("variants", [])
    if variants:
        lines += ["## cvc variants", "",
                  "The same models compiled again with other cvc flags (--cvc-variant), timed in "
                  "the same interleaved rounds. Speed-up = the other's median / the variant's.", ""]
        for spec in variants:
            lines.append(f"- **{spec['name']}**: `cvc {' '.join(spec['flags'])}`"
                         + (f" (cvc at `{spec['cvc']}`)" if spec.get("cvc") else ""))
        lines += ["", "| model | batch | threads | cvc | " + " | ".join(
            f"{v['name']} | {v['name']} vs cvc | {v['name']} vs ORT" for v in variants) + " |",
            "|---|---:|---:|---:|" + "---:|---:|---:|" * len(variants)]
        for model in report["models"]:
            for batch in s["batches"]:
                for threads in s["threads"]:
                    cells = {r["runtime"]: r for r in model["runs"]
                             if (r["batch"], r["threads"]) == (batch, threads)}

                    def ms(rt):
                        r = cells.get(rt)
                        return r["median_ms"] if r and r["status"] == "ok" else None

                    row = [model["name"], str(batch), str(threads), fmt(ms("cvc"), 2)]
                    for v in variants:
                        rt = "cvc-" + v["name"]
                        mine, base, ort = ms(rt), ms("cvc"), ms("ort")
                        row += [fmt(mine, 2) if mine else cells.get(rt, {}).get("status", "—"),
                                f"{base / mine:.2f}×" if mine and base else "—",
                                f"{ort / mine:.2f}×" if mine and ort else "—"]
                    lines.append("| " + " | ".join(row) + " |")
        lines.append("")
    tuned = [m for m in report["models"] if "tune" in m]
    if tuned:
        lines += ["## Tuning", "",
                  f"`cvc-tune --budget {s['tune']} --batch B --threads "
                  f"{max(s['threads'])} --no-model-compare` per model and batch, one database "
                  "per batch; its summary of the kernels it tuned (default → tuned, as "
                  "confirmed in its interleaved rounds).", "",
                  "| model | batch | tuning (s) | cvc-tune's summary |", "|---|---:|---:|---|"]
        for model in tuned:
            for batch, t in model["tune"].items():
                lines.append(f"| {model['name']} | {batch} | {t['seconds']:.0f} | "
                             f"{t['summary'] or t['status']} |")
        lines.append("")
    lines += ["## Model, compile and memory", "",
              "Peak RSS: the largest resident set of the runtime's whole process over the "
              "thread settings (cvc: a small C host; ORT: Node.js; PyTorch: Python), weights "
              "and input included.", "",
              "| model | MMAC/image | cvc compile (s) | model.so (MB) | batch | cvc RSS (MB) | "
              "ORT RSS (MB) | PyTorch RSS (MB) | status |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    for model in report["models"]:
        so_mb = model["so_bytes"] / 1e6 if "so_bytes" in model else None
        for batch in s["batches"]:
            rss = []
            for rt in ("cvc", "ort", "torch"):
                values = [r["rss_mb"] for r in model["runs"]
                          if (r["runtime"], r["batch"]) == (rt, batch) and "rss_mb" in r]
                rss.append(fmt(max(values), 0) if values else "—")
            macs = model["macs_per_image"]
            macs = "—" if macs is None else f"{macs / 1e6:.1f}" + (
                " (cvc's count)" if model.get("macs_source") == "cvc" else "")
            lines.append(f"| {model['name']} | {macs} | "
                         f"{fmt(model.get('compile_s'), 1)} | {fmt(so_mb, 1)} | {batch} | "
                         f"{' | '.join(rss)} | {model['status']} |")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------- main

def tuning_db(args, batch):
    return os.path.join(os.path.abspath(args.out), f"tuning-b{batch}.db")


def tuning_variants(args):
    """The variants --tune adds: each batch's own database, and the first batch's alone."""
    threads = f"--tuning-threads={max(args.threads)}"
    own = tuning_db(args, "{batch}")
    first = tuning_db(args, args.batches[0])
    return [Variant(f"tuned=--tuning-db={own} --tuning-batch={{batch}} {threads}"),
            Variant(f"warm=--tuning-db={first} --tuning-batch={{batch}} {threads}")]


def thread_counts(text):
    cores = len(os.sched_getaffinity(0))
    counts = [cores if t == "all" else int(t) for t in text.split(",")]
    return sorted(set(counts))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--models", default=",".join(common.MODELS),
                   help="comma-separated, of: " + ", ".join(common.MODELS) +
                   ", or torchvision.NAME for any torchvision classifier (e.g. "
                   "torchvision.convnext_tiny)")
    p.add_argument("--batches", default="1,16")
    p.add_argument("--threads", default="1,all", help="comma-separated counts; all = every core")
    p.add_argument("--iterations", type=int, default=1000, help="most timed runs per measurement")
    p.add_argument("--min-iterations", type=int, default=5)
    p.add_argument("--seconds", type=float, default=1.0,
                   help="stop timing after this long once --min-iterations are done")
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--rounds", type=int, default=3,
                   help="interleaved rounds of the three runtimes; each reports the median round")
    p.add_argument("--out", default=os.path.join(HERE, "results"))
    p.add_argument("--keep", help="keep the ONNX files, model.so files and inputs in this folder")
    p.add_argument("--cvc-variant", action="append", default=[], metavar="NAME=[@CVC] FLAGS",
                   help="also time the model compiled with these cvc flags ({batch}: the batch)")
    p.add_argument("--tune", metavar="BUDGET",
                   help="cvc-tune each model at each batch for BUDGET first (e.g. 3m), then "
                        "time the tuned and warm-started variants too")
    a = p.parse_args()
    try:
        a.variants = [Variant(spec) for spec in a.cvc_variant]
    except ValueError as e:
        p.error(str(e))
    a.models = a.models.split(",")
    unknown = [m for m in a.models if common.model_spec(m) is None]
    if unknown:
        p.error(f"unknown model(s) {', '.join(unknown)}; choose from {', '.join(common.MODELS)}, "
                "or torchvision.NAME with NAME a torchvision.models classifier")
    if a.rounds < 1:
        p.error("--rounds must be at least 1")
    a.batches = sorted({int(b) for b in a.batches.split(",")})
    a.threads = thread_counts(a.threads)
    if a.tune:
        for batch in a.batches:  # a fresh database per run: the tuning times are this run's
            if os.path.exists(tuning_db(a, batch)):
                p.error(f"{tuning_db(a, batch)} exists; move it away or choose another --out")
        a.variants += tuning_variants(a)
    try:
        cvclib.tool("cvc")
    except cvclib.Failure as e:
        sys.exit(f"run.py: error: {e}")
    if not shutil.which("node") or not os.path.isdir(
            os.path.join(ROOT, "third_party", "ort", "node_modules", "onnxruntime-node")):
        sys.exit("run.py: error: ONNX Runtime needs node and third_party/ort "
                 "(scripts/setup.sh installs both)")
    started = time.time()

    work = a.keep or tempfile.mkdtemp(prefix="cvc-bench-")
    os.makedirs(work, exist_ok=True)
    os.makedirs(a.out, exist_ok=True)
    try:
        tools = build_tools(work)
        log(f"measuring the FMA peak at {', '.join(map(str, a.threads))} thread(s)")
        peak = last_json(run_child([tools["fma_peak"], *map(str, a.threads)]))
        peaks = {r["threads"]: r["gflops"] for r in peak["runs"]}
        report = {
            "date": datetime.datetime.now().isoformat(timespec="seconds"),
            "machine": {"cpu": cpu_name(), "cores": os.cpu_count(), "peak": peak},
            "settings": {**{k: getattr(a, k) for k in ("models", "batches", "threads",
                                                      "iterations", "min_iterations", "seconds",
                                                      "warmup", "rounds", "tune")},
                         "variants": [{"name": v.name, "flags": v.flags, "cvc": v.cvc}
                                      for v in a.variants]},
            "versions": {"cvc": subprocess.run(["git", "describe", "--always", "--dirty"],
                                               cwd=ROOT, capture_output=True,
                                               text=True).stdout.strip() or "?",
                         "torch": torch.__version__},
            "models": [],
        }
        bench = Bench(a, tools, work)
        for name in a.models:
            report["models"].append(bench.model(name, peaks))
            for r in report["models"][-1]["runs"]:
                if r["runtime"] == "ort" and "version" in r:
                    report["versions"]["onnxruntime"] = r["version"]
                if r["runtime"] == "cvc" and "target" in r:
                    report["versions"]["cvc_target"] = r["target"]
            # Written after every model so that a long run's partial results survive.
            text = markdown(report)
            with open(os.path.join(a.out, "results.md"), "w") as f:
                f.write(text)
            with open(os.path.join(a.out, "results.json"), "w") as f:
                json.dump(report, f, indent=1)
    finally:
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(text)
    log(f"done in {time.time() - started:.0f} s; wrote {a.out}/results.md and results.json")


if __name__ == "__main__":
    main()
