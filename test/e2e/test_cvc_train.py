"""cvc-train on real data: LeNet-5 (ReLU, max pooling) on Debian's
Fashion-MNIST, compiled with `cvc --train`.

- A shortened run (600 batches of 64, two thirds of an epoch) must reach a test top-1
  accuracy above a lower bound; the full 5-epoch run is a benchmark.
- A run killed mid-epoch and resumed from its checkpoint ends with exactly
  the states of an uninterrupted run.
- A non-finite loss stops training with a clear message and leaves the
  last checkpoint untouched.
- The trained weights export to ONNX (checked by the ONNX checker); loaded
  into PyTorch and compiled again by cvc, they give the same outputs.
- The metrics log and the plot are written; bad input is refused.
"""
import glob
import json
import os
import struct
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import onnx.numpy_helper
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cvclib  # noqa: E402
import models  # noqa: E402

BATCH = 64
ACCURACY_BOUND = 0.75  # 600 steps of SGD reach about 0.80 on the test set


def cvc_train(*args, expect_ok=True):
    proc = subprocess.run([cvclib.tool("cvc-train"), *args], capture_output=True, text=True)
    if expect_ok and proc.returncode != 0:
        raise cvclib.Failure(f"cvc-train failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return proc


def read_checkpoint(path):
    """({state name: float32 array}, {tensor name: float32 array}) of a cvc
    checkpoint (Checkpoint.cpp's format 3)."""
    data = open(path, "rb").read()
    if data[:8] != b"CVCCKPT3":
        raise cvclib.Failure(f"{path} is not a checkpoint")
    pos = 8 + 6 * 8
    (n,) = struct.unpack_from("<Q", data, pos)
    pos += 8 + n
    (count,) = struct.unpack_from("<Q", data, pos)
    pos += 8
    states = {}
    for _ in range(count):
        (n,) = struct.unpack_from("<Q", data, pos)
        name = data[pos + 8:pos + 8 + n].decode()
        pos += 8 + n
        (n,) = struct.unpack_from("<Q", data, pos)
        states[name] = np.frombuffer(data, np.float32, n, pos + 8)
        pos += 8 + 4 * n
    (count,) = struct.unpack_from("<Q", data, pos)
    pos += 8
    tensors = {}
    for _ in range(count):
        (n,) = struct.unpack_from("<Q", data, pos)
        name = data[pos + 8:pos + 8 + n].decode()
        pos += 8 + n
        state, offset, rank = struct.unpack_from("<QQQ", data, pos)
        pos += 24
        shape = struct.unpack_from(f"<{rank}q", data, pos)
        pos += 8 * rank
        flat = list(states.values())[state]
        tensors[name] = flat[offset:offset + int(np.prod(shape))].reshape(shape)
    if pos + 8 != len(data):
        raise cvclib.Failure(f"{path}: {len(data) - pos - 8} unread bytes")
    return states, tensors


def partials(path):
    """The hidden files a write of `path` is under way in (files::AtomicFile)."""
    return glob.glob(os.path.join(os.path.dirname(path) or ".",
                                  "." + os.path.basename(path) + ".partial-*"))


def kill_and_resume(model, common, checkpoint, kills):
    """Runs cvc-train on `model`, killing it `kills` times at random moments
    and resuming, then lets it finish. Returns counts of what the kills hit."""
    import random
    import signal
    import time
    rng = random.Random(11)
    args = [cvclib.tool("cvc-train"), model, *common, "--checkpoint", checkpoint,
            "--checkpoint-every", "1"]
    start = time.time()
    subprocess.run(args, check=True, capture_output=True)
    whole_run = time.time() - start
    os.remove(checkpoint)
    counts = {"during_write": 0, "before_first": 0, "runs": 0}
    for kill in range(kills + 1):
        resume = ["--resume"] if os.path.exists(checkpoint) else []
        proc = subprocess.Popen(args + resume, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        counts["runs"] += 1
        if kill < kills and kill % 2:
            time.sleep(rng.uniform(0.02, whole_run))
            proc.send_signal(signal.SIGKILL)
        elif kill < kills:
            # Every other kill aims at a checkpoint write: as soon as the
            # temporary file appears (the write under way, before its rename).
            deadline = time.time() + whole_run + 5
            while not partials(checkpoint) and proc.poll() is None and time.time() < deadline:
                pass
            proc.send_signal(signal.SIGKILL)
        _, err = proc.communicate()
        if kill == kills and proc.returncode != 0:
            raise cvclib.Failure(f"the last resumed run failed ({proc.returncode}):\n{err[-2000:]}")
        if proc.returncode not in (0, -signal.SIGKILL):
            raise cvclib.Failure(f"a resumed run failed ({proc.returncode}):\n{err[-2000:]}")
        if proc.returncode == -signal.SIGKILL and partials(checkpoint):
            counts["during_write"] += 1
        if proc.returncode == -signal.SIGKILL and not os.path.exists(checkpoint):
            counts["before_first"] += 1
        if os.path.exists(checkpoint):
            read_checkpoint(checkpoint)  # whole after every kill
    if partials(checkpoint):
        raise cvclib.Failure(f"{partials(checkpoint)} outlived the run after the kills")
    return counts


def read_checkpoint_states(path):
    return read_checkpoint(path)[0]


def test():
    with tempfile.TemporaryDirectory(prefix="cvc-train-e2e-") as work:
        path = lambda name: os.path.join(work, name)
        torch.manual_seed(0)
        model = models.LeNet5Modern()
        cvclib.export(model, torch.randn(1, 1, 28, 28), path("lenet.onnx"))
        seconds = cvclib.compile_model(path("lenet.onnx"), path("lenet.so"), "--train",
                                       "--train-batch", str(BATCH), "--momentum", "0.9")
        print(f"compiled LeNet-5 for training in {seconds:.1f} s")

        # A shortened run on real data.
        proc = cvc_train(path("lenet.so"), "--epochs", "1", "--max-batches", "600", "--lr",
                         "0.02", "--max-test", "5000", "--metrics", path("metrics.jsonl"),
                         "--plot", path("curves.svg"), "--checkpoint", path("run.ckpt"),
                         "--export-onnx", path("trained.onnx"), "--onnx-source",
                         path("lenet.onnx"))
        print(proc.stdout.strip())
        lines = [json.loads(l) for l in open(path("metrics.jsonl"))]
        top1 = lines[-1]["test_top1"]
        print(f"  test top-1 after 600 steps: {top1:.4f} (bound {ACCURACY_BOUND}), "
              f"train loss {lines[-1]['train_loss']:.4f}")
        if top1 < ACCURACY_BOUND:
            raise cvclib.Failure(f"test accuracy {top1:.4f} is below {ACCURACY_BOUND}")
        svg = open(path("curves.svg")).read()
        if "<svg" not in svg or "polyline" not in svg:
            raise cvclib.Failure("the plot has no curves")

        # The exported ONNX: valid, and the same network in PyTorch and cvc.
        exported = onnx.load(path("trained.onnx"))
        onnx.checker.check_model(exported)
        weights = {i.name: torch.from_numpy(onnx.numpy_helper.to_array(i).copy())
                   for i in exported.graph.initializer}
        trained = models.LeNet5Modern()
        trained.load_state_dict({k: weights[k] for k in trained.state_dict()})
        trained.eval()
        x = torch.rand(4, 1, 28, 28)
        with torch.no_grad():
            ref = trained(x).numpy()
        cvclib.compile_model(path("trained.onnx"), path("trained.so"))
        outs, _ = cvclib.run_model(path("trained.so"), {"input": x.numpy()}, work)
        cvclib.compare("exported model, cvc vs PyTorch", outs["output"], ref,
                       **cvclib.FIRST_PATH)

        # Transfer learning: a new 3-class head on the trained network, the rest
        # frozen. Only the head trains, so cvc-train computes the frozen
        # network's features once, caches them and trains from the cache.
        cvclib.compile_model(path("trained.onnx"), path("head.so"), "--train", "--train-batch",
                             "32", "--optimizer", "adam", "--replace-head", "3",
                             "--freeze-until", "fc3")
        transfer = ["--classes", "5,7,9", "--per-class", "100", "--epochs", "10", "--lr", "0.01",
                    "--max-test", "1500", "--checkpoint", path("head.ckpt"),
                    "--feature-cache", path("head.features")]
        proc = cvc_train(path("head.so"), *transfer)
        if "computed the frozen network's features of 300 images once" not in proc.stderr:
            raise cvclib.Failure(f"the head did not train from cached features:\n{proc.stderr}")
        head_params = read_checkpoint_states(path("head.ckpt"))["parameters"]
        print(f"  transfer, head only: {head_params.size} trained parameters (84 x 3 + 3 = 255)")
        if head_params.size != 84 * 3 + 3:
            raise cvclib.Failure("more than the new head was trained")
        proc = cvc_train(path("head.so"), *transfer, "--metrics", path("head.jsonl"),
                         "--export-onnx", path("head.onnx"), "--onnx-source", path("trained.onnx"))
        if "reusing the features" not in proc.stderr or "faster" not in proc.stderr:
            raise cvclib.Failure("a second run did not reuse the feature cache or report the "
                                 f"speed-up:\n{proc.stderr}")
        print("  " + [l for l in proc.stderr.splitlines() if "faster" in l][0])
        top1 = [json.loads(l) for l in open(path("head.jsonl"))][-1]["test_top1"]
        print(f"  transfer to sandal/sneaker/ankle boot from 100 images each: test top-1 {top1:.4f}")
        if top1 < 0.6:
            raise cvclib.Failure(f"the new head reached only {top1:.4f} (chance is 0.33)")
        # The new head exports into the source model: its class count changes.
        exported = onnx.load(path("head.onnx"))
        onnx.checker.check_model(exported, full_check=True)
        weights = {i.name: torch.from_numpy(onnx.numpy_helper.to_array(i).copy())
                   for i in exported.graph.initializer}
        transferred = models.LeNet5Modern()
        transferred.fc3 = torch.nn.Linear(84, 3)
        transferred.load_state_dict({k: weights[k] for k in transferred.state_dict()})
        transferred.eval()
        with torch.no_grad():
            ref = transferred(x).numpy()
        cvclib.compile_model(path("head.onnx"), path("head-infer.so"))
        outs, _ = cvclib.run_model(path("head-infer.so"), {"input": x.numpy()}, work)
        cvclib.compare("exported 3-class head, cvc vs PyTorch", outs["output"], ref,
                       **cvclib.FIRST_PATH)
        proc = subprocess.run([cvclib.tool("cvc"), path("trained.onnx"), "--train",
                               "--freeze-until", "nosuchlayer", "-o", path("x.so")],
                              capture_output=True, text=True)
        if proc.returncode == 0 or "no parameter's name starts with it" not in proc.stderr:
            raise cvclib.Failure(f"a bad --freeze-until was not refused: {proc.stderr}")

        # Starting another model from a checkpoint: a 3-class head on the
        # untrained network takes every tensor of the trained 10-class run but
        # the head's, which keeps its new initial values. With a zero learning
        # rate, the steps leave the loaded tensors exactly as they were.
        cvclib.compile_model(path("lenet.onnx"), path("three.so"), "--train", "--train-batch",
                             "32", "--replace-head", "3")
        proc = cvc_train(path("three.so"), "--from", path("run.ckpt"), "--classes", "5,7,9",
                         "--epochs", "1", "--max-batches", "3", "--lr", "0", "--max-test", "300",
                         "--checkpoint", path("three.ckpt"))
        report = [l for l in proc.stderr.splitlines() if l.startswith("cvc-train:")]
        print("  " + "\n  ".join(report))
        if not any("8 tensors start from" in l for l in report) or not any(
                "fc3.weight ([10,84] there, [3,84] here)" in l for l in report):
            raise cvclib.Failure(f"--from did not report what it loaded:\n{proc.stderr}")
        _, trained_tensors = read_checkpoint(path("run.ckpt"))
        _, three_tensors = read_checkpoint(path("three.ckpt"))
        for name, value in three_tensors.items():
            same = value.shape == trained_tensors[name].shape and np.array_equal(
                value, trained_tensors[name])
            if same != (not name.startswith("fc3.")):
                raise cvclib.Failure(f"--from: tensor {name} was {'' if same else 'not '}loaded")
        print(f"  --from: {len(three_tensors) - 2} tensors loaded, the new head's 2 kept")

        # A .cvm network recompiled from its cvc-train checkpoint
        # (`cvc model.cvm --weights run.ckpt`) computes what PyTorch computes
        # with the checkpoint's tensors.
        cvm = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "models",
                           "lenet5_modern.cvm")
        cvclib.compile_model(cvm, path("cvm-train.so"), "--train", "--train-batch", "32")
        cvc_train(path("cvm-train.so"), "--epochs", "1", "--max-batches", "20", "--max-test",
                  "100", "-q", "--checkpoint", path("cvm.ckpt"))
        _, tensors = read_checkpoint(path("cvm.ckpt"))
        cvclib.compile_model(cvm, path("cvm.so"), "--weights", path("cvm.ckpt"))
        net = torch.nn.Sequential(
            torch.nn.Sequential(torch.nn.Conv2d(1, 6, 5, padding=2), torch.nn.ReLU(),
                                torch.nn.MaxPool2d(2), torch.nn.Conv2d(6, 16, 5),
                                torch.nn.ReLU(), torch.nn.MaxPool2d(2)),
            torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(400, 120), torch.nn.ReLU(),
                                torch.nn.Linear(120, 84), torch.nn.ReLU(),
                                torch.nn.Linear(84, 10)))
        net.load_state_dict({k.replace("features", "0").replace("classifier", "1"):
                             torch.from_numpy(v.copy()) for k, v in tensors.items()})
        x = torch.rand(4, 1, 28, 28)
        with torch.no_grad():
            ref = net(x).numpy()
        outs, _ = cvclib.run_model(path("cvm.so"), {"image": x.numpy()}, work)
        cvclib.compare(".cvm compiled with --weights CHECKPOINT, cvc vs PyTorch",
                       list(outs.values())[0], ref, **cvclib.FIRST_PATH)

        # Kill mid-epoch and resume: the same states as an uninterrupted run.
        common = ["--epochs", "2", "--max-batches", "30", "--max-test", "500", "--seed", "7",
                  "-q", "--augment", "mirror:p=0.5"]
        cvc_train(path("lenet.so"), *common, "--checkpoint", path("whole.ckpt"))
        cvc_train(path("lenet.so"), *common, "--checkpoint", path("parts.ckpt"),
                  "--checkpoint-every", "10", "--stop-after-steps", "45")
        cvc_train(path("lenet.so"), *common, "--checkpoint", path("parts.ckpt"), "--resume")
        whole, parts = read_checkpoint_states(path("whole.ckpt")), read_checkpoint_states(
            path("parts.ckpt"))
        for name in whole:
            diff = float(np.max(np.abs(whole[name] - parts[name])))
            print(f"  resumed vs uninterrupted, state {name}: max difference {diff:.3e}")
            if diff != 0.0:
                raise cvclib.Failure(f"resuming changed state {name} (max difference {diff})")

        # Real kills: SIGKILL at random moments of a run that checkpoints
        # every step, half of them as a checkpoint write starts, resumed
        # each time until it finishes; it must end with exactly the states
        # of the uninterrupted run, and no temporary file may outlive the
        # next start. CVC_KILLS sets the number of kills (50 for the
        # reliability figures; 8 in the test command).
        kills = int(os.environ.get("CVC_KILLS", "8"))
        killed = kill_and_resume(path("lenet.so"), common, path("killed.ckpt"), kills)
        killed_states = read_checkpoint_states(path("killed.ckpt"))
        for name in whole:
            if not np.array_equal(whole[name], killed_states[name]):
                raise cvclib.Failure(f"{kills} kills and resumes changed state {name}")
        print(f"  {kills} SIGKILLs ({killed['during_write']} during a checkpoint write, "
              f"{killed['before_first']} before the first checkpoint), {killed['runs']} runs: "
              f"the same states as the uninterrupted run")

        # A diverging run stops and leaves the checkpoint as it was.
        before = open(path("whole.ckpt"), "rb").read()
        proc = cvc_train(path("lenet.so"), *common[:-2], "--epochs", "3", "--checkpoint",
                         path("whole.ckpt"), "--resume", "--lr", "1e9", expect_ok=False)
        print(f"  diverging run: exit {proc.returncode}: {proc.stderr.strip().splitlines()[-1]}")
        if proc.returncode == 0 or "loss became" not in proc.stderr:
            raise cvclib.Failure("a non-finite loss did not stop training with a message")
        if open(path("whole.ckpt"), "rb").read() != before:
            raise cvclib.Failure("the diverging run changed the last good checkpoint")

        # Bad input: an inference-only model, a corrupt checkpoint, a wrong data set.
        cvclib.compile_model(path("lenet.onnx"), path("infer.so"))
        open(path("bad.ckpt"), "wb").write(before[: len(before) // 2])
        for args, expected in [
            ([path("infer.so")], "has no entry point 'train_step'"),
            ([path("lenet.so"), "--checkpoint", path("bad.ckpt"), "--resume"], "truncated"),
            ([path("lenet.so"), "--data", "idx:/nonexistent,/nonexistent"], "/nonexistent"),
            ([path("lenet.so"), "--from", path("head.ckpt")], "has no tensor of the name and shape"),
            ([path("lenet.so"), "--from", path("bad.ckpt")], "truncated"),
            ([path("lenet.so"), "--from", path("lenet.onnx")], "--from takes a cvc checkpoint"),
        ]:
            proc = cvc_train(*args, "-q", expect_ok=False)
            message = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else ""
            print(f"  refused ({proc.returncode}): {message}")
            if proc.returncode == 0 or expected not in proc.stderr:
                raise cvclib.Failure(f"expected an error mentioning {expected!r}, got {proc.stderr!r}")


if __name__ == "__main__":
    cvclib.main(test)
