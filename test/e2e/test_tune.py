#!/usr/bin/python3
"""cvc-tune with budgets of seconds.

- The bundled LeNet-5: the database gets tuned records; `cvc --tuning-db`
  compiles with them (`--summary` and `cvc-run --profile` say "database")
  and the tuned model.so computes what the default one does, at batches 1
  and 3, within 1e-4 + 1e-4 relative.
- Warm starts: the modern LeNet (another network, other shapes) compiled
  with LeNet-5's database takes neighbours' points ("warm start"), none
  with --no-warm-start, and still computes its default's outputs.
- Kills: cvc-tune killed with SIGKILL at several moments leaves a database
  whose every line is a whole record (at most one unfinished last line,
  which readers skip), no child process behind, and a next run that
  resumes from the trials already measured.
- A deliberately wrong candidate (fast: it writes zeros without computing)
  and a crashing one, chosen through the test-only hooks
  CVC_TUNE_TEST_WRONG_POINT and CVC_TUNE_TEST_CRASH_POINT, are recorded as
  wrong and crashed and never chosen.
- --train tunes the training step's kernels (the gradients' too).
"""
import os
import shutil
import random
import signal
import subprocess
import tempfile
import time

import numpy as np

import cvclib

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
LENET = os.path.join(ROOT, "models", "onnx", "lenet5_fashion.onnx")
LENET_MODERN = os.path.join(ROOT, "models", "lenet5_modern.cvm")
TOL = dict(atol=1e-4, rtol=1e-4, rel_l2=None)

TANH_MLIR = """
func.func @main(%x: tensor<2x3x4x4xf32>) -> tensor<2x3x4x4xf32> {
  %y = cv.tanh %x : tensor<2x3x4x4xf32>
  return %y : tensor<2x3x4x4xf32>
}
"""


# Budgets (and the kill test's moments) are for the normal build; a
# sanitized one (scripts/sanitize.sh) compiles and runs several times
# slower and scales them.
BUDGET_SCALE = float(os.environ.get("CVC_TEST_BUDGET_SCALE", "1"))


def budget(seconds):
    return f"{round(seconds * BUDGET_SCALE)}s"


def tune(model, db, *flags, env=None, check=True):
    proc = subprocess.run([cvclib.tool("cvc-tune"), model, "--db", db, *flags],
                          capture_output=True, text=True, env=env)
    if check and proc.returncode != 0:
        raise cvclib.Failure(f"cvc-tune failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


def records(db):
    """(kind, fields) of every line; raises on a line that is not a whole
    record, except an unfinished last line."""
    with open(db, "rb") as f:
        text = f.read().decode()
    lines = text.split("\n")
    unfinished = lines.pop()  # "" when the file ends in a newline
    out = []
    for number, line in enumerate(lines, 1):
        if not line or line.startswith("#"):
            continue
        fields = line.split("\t")
        expected = {"tuned": 12, "trial": 8}.get(fields[0])
        if expected != len(fields):
            raise cvclib.Failure(f"{db}:{number}: not a whole record: {line[:120]!r}")
        out.append((fields[0], fields))
    return out, unfinished


def summary_sources(model, *flags):
    proc = subprocess.run([cvclib.tool("cvc"), model, "--summary", *flags], capture_output=True,
                          text=True)
    if proc.returncode != 0:
        raise cvclib.Failure(f"cvc --summary failed:\n{proc.stderr}")
    sources = []
    for line in proc.stdout.splitlines():
        parts = line.split()
        if parts and parts[0].isdigit():
            sources.append("warm start" if line.endswith("warm start") else parts[-1])
    return sources, proc.stderr


def same_outputs(name, model, work, input_shape, *flags):
    default_so = os.path.join(work, "default.so")
    tuned_so = os.path.join(work, "tuned.so")
    cvclib.compile_model(model, default_so)
    cvclib.compile_model(model, tuned_so, *flags)
    rng = np.random.default_rng(0)
    for batch in (1, 3):
        x = rng.standard_normal((batch, *input_shape)).astype(np.float32)
        ref, _ = cvclib.run_model(default_so, {"image": x}, work)
        got, _ = cvclib.run_model(tuned_so, {"image": x}, work)
        for key in ref:
            cvclib.compare(f"{name} batch {batch} {key}", got[key], ref[key], **TOL)
    proc = subprocess.run([cvclib.tool("cvc-run"), tuned_so, "--profile", "--peak", "100"],
                          capture_output=True, text=True)
    return proc.stdout


def test_database_and_outputs(work):
    db = os.path.join(work, "lenet.db")
    proc = tune(LENET, db, "--budget", budget(25), "--no-model-compare")
    print(proc.stdout)
    recs, unfinished = records(db)
    tuned = [f for kind, f in recs if kind == "tuned"]
    trials = [f for kind, f in recs if kind == "trial"]
    print(f"lenet: {len(tuned)} tuned records, {len(trials)} trials")
    if unfinished or not tuned or not trials:
        raise cvclib.Failure("the database lacks tuned records or trials")
    sources, stderr = summary_sources(LENET, "--tuning-db", db)
    print("lenet --summary schedule sources:", sources)
    if "warning" in stderr:
        raise cvclib.Failure(f"cvc warned about its own database:\n{stderr}")
    if "database" not in sources:
        raise cvclib.Failure("no kernel took its schedule from the database")
    profile = same_outputs("lenet tuned vs default", LENET, work, (1, 32, 32), "--tuning-db", db)
    if "database: " not in profile:
        raise cvclib.Failure(f"cvc-run --profile does not say 'database':\n{profile}")
    return db


def promote_trials(db, out):
    """`db` plus, for every tuned kernel, a record saying that one of its
    measured non-default trials beat the default by 10%. Warm starts borrow
    only points that beat their own kernel's default, and a 25 s tune may
    find none; this tests the borrowing, not the search."""
    recs, _ = records(db)
    tuned = {f[4]: f for kind, f in recs if kind == "tuned"}
    lines = []
    for kind, f in recs:
        if kind != "trial" or f[4] not in tuned or f[5] == tuned[f[4]][5]:
            continue
        try:
            float(f[6])
        except ValueError:
            continue
        t = tuned.pop(f[4])
        faster = float(t[6]) * 0.9
        lines.append("\t".join(["tuned", *f[1:6], t[6], f"{faster:.6g}", "0.01", "cvc", "1",
                                 t[11]]))
    if not lines:
        raise cvclib.Failure(f"{db}: no measured non-default trial to promote")
    shutil.copyfile(db, out)
    with open(out, "a") as f:
        f.write("\n".join(lines) + "\n")
    return out


def test_warm_start(work, tuned_db):
    db = promote_trials(tuned_db, os.path.join(work, "promoted.db"))
    sources, _ = summary_sources(LENET_MODERN, "--tuning-db", db)
    print("lenet5_modern --summary schedule sources:", sources)
    if "warm start" not in sources:
        raise cvclib.Failure("no kernel of the untuned network took a neighbour's point")
    cold, _ = summary_sources(LENET_MODERN, "--tuning-db", db, "--no-warm-start")
    # A kernel both networks share (the same signature) is the database's
    # own record, warm start or not; every other kernel keeps its default.
    if "warm start" in cold or any(c != "default" and w != "database"
                                   for c, w in zip(cold, sources)):
        raise cvclib.Failure(f"--no-warm-start still took neighbours' points: {cold}")
    same_outputs("lenet5_modern warm start vs default", LENET_MODERN, work, (1, 28, 28),
                 "--tuning-db", db)


def children_of(pid):
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True,
                         text=True).stdout
    return [int(p) for p in out.split()]


def test_kills(work):
    db = os.path.join(work, "killed.db")
    # The tuner's scratch folders go here, to count what the kills leave.
    tmp = os.path.join(work, "tmp")
    os.makedirs(tmp, exist_ok=True)
    env = dict(os.environ, TMPDIR=tmp)
    rng = random.Random(1)
    lines_before = 0
    for attempt in range(4):
        proc = subprocess.Popen([cvclib.tool("cvc-tune"), LENET, "--db", db, "--budget", budget(60),
                                 "--no-model-compare"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        time.sleep(rng.uniform(1.0, 6.0) * BUDGET_SCALE)
        kids = children_of(proc.pid)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        time.sleep(0.5)
        alive = [k for k in kids if os.path.exists(f"/proc/{k}")
                 and "Z" not in open(f"/proc/{k}/stat").read().split()[2]]
        if alive:
            raise cvclib.Failure(f"children {alive} outlived the killed tuner")
        recs, unfinished = records(db) if os.path.exists(db) else ([], "")
        print(f"kill {attempt + 1}: {len(recs)} records, unfinished last line: {bool(unfinished)}")
        if len(recs) < lines_before:
            raise cvclib.Failure("a kill lost records")
        lines_before = len(recs)
    if lines_before == 0:
        raise cvclib.Failure("no trial was recorded before the kills")
    # The budget includes the profile, which took 8 s of CI's loaded cores:
    # too little left then to reach the search that resumes.
    resumed = tune(LENET, db, "--budget", budget(20), "--no-model-compare", env=env)
    print(resumed.stderr)
    if "resuming after" not in resumed.stderr:
        raise cvclib.Failure("the run after the kills did not resume from the trials")
    recs, unfinished = records(db)
    if unfinished or len(recs) < lines_before:
        raise cvclib.Failure("the resumed run left a broken database or lost records")
    left = [f for f in os.listdir(tmp) if f.startswith("cvc-tune-")]
    if left:
        raise cvclib.Failure(f"the killed tuners' scratch folders outlived the next run: {left}")


def test_wrong_and_crashing_candidates(work):
    model = os.path.join(work, "tanh.mlir")
    with open(model, "w") as f:
        f.write(TANH_MLIR)
    flags = ["--strategy", "random", "--budget", budget(30), "--timing-seconds", "0.02",
             "--no-model-compare"]
    # Every point of the small space once, to pick two that are not the default.
    survey = os.path.join(work, "survey.db")
    tune(model, survey, *flags)
    recs, _ = records(survey)
    points = sorted({f[5] for kind, f in recs if kind == "trial" and f[6] not in
                     ("wrong", "crashed", "timeout", "failed")})
    if len(points) < 4:
        raise cvclib.Failure(f"the survey measured only {points}")
    wrong, crash = points[0], points[1]
    hooked = os.path.join(work, "hooked.db")
    env = dict(os.environ, CVC_TUNE_TEST_WRONG_POINT=wrong, CVC_TUNE_TEST_CRASH_POINT=crash)
    proc = tune(model, hooked, *flags, env=env)
    print(proc.stdout[-1500:])
    recs, _ = records(hooked)
    result = {f[5]: f[6] for kind, f in recs if kind == "trial"}
    chosen = [f[5] for kind, f in recs if kind == "tuned"]
    print(f"'{wrong}' -> {result.get(wrong)}, '{crash}' -> {result.get(crash)}, chosen {chosen}")
    if result.get(wrong) != "wrong" or result.get(crash) != "crashed":
        raise cvclib.Failure("the hooked candidates were not recorded as wrong and crashed")
    if not chosen or wrong in chosen or crash in chosen:
        raise cvclib.Failure(f"a discarded candidate was chosen: {chosen}")


def test_training_kernels(work):
    db = os.path.join(work, "train.db")
    proc = tune(LENET, db, "--train", "--batch", "8", "--budget", budget(15))
    print(proc.stdout[-2500:])
    recs, _ = records(db)
    signatures = {f[4].split(" ")[0] for kind, f in recs}
    print("training kernels measured:", sorted(signatures))
    if not any("backward" in s for s in signatures):
        raise cvclib.Failure("no gradient kernel was tuned with --train")
    cvclib.compile_model(LENET, os.path.join(work, "train.so"), "--train", "--tuning-db", db,
                         "--tuning-batch", "8")


def main():
    with tempfile.TemporaryDirectory(prefix="cvc-tune-") as work:
        db = test_database_and_outputs(work)
        test_warm_start(work, db)
        test_kills(work)
        test_wrong_and_crashing_candidates(work)
        test_training_kernels(work)


if __name__ == "__main__":
    cvclib.main(main)
