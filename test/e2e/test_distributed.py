"""Data-parallel training with Open MPI: `mpirun -np 2 cvc-train`.

LeNet-5 on Debian's Fashion-MNIST, every rank on one thread (two ranks on
this machine's two cores):
- 2 ranks at batch 32 reach the weights of 1 process at batch 64 after
  STEPS steps of SGD with momentum and weight decay, and of Adam, within
  float32 reassociation (each rank sums its own 32 samples; BOUND below);
  the ranks' weights are bit-identical to each other (cvc-train compares
  them at every checkpoint and epoch end, and says so), and gradients
  exchanged in many buckets at once give the same bits as in one, each
  bucket exchanged as soon as the backward pass completes it (the
  default) the same as all after the pass (--no-overlap);
- stopped after a step and resumed (--resume), and killed with SIGKILL in
  one rank mid-epoch and resumed, 2 ranks end with exactly the states of
  an uninterrupted 2-rank run;
- a checkpoint 2 ranks x 32 wrote mid-epoch resumes in 1 process at
  batch 64 (reaching its weights) and at batch 32 (at the same image), and
  is refused by 3 ranks, whose steps do not end there;
- a rank killed mid-epoch ends the job with mpirun's message, and a rank
  that hangs (SIGSTOP) ends it with cvc-train's after --rank-timeout;
- a batch-norm network with --average-batch-norm-statistics keeps its
  statistics identical on the ranks too;
- a model with dropout: 2 ranks equal 1 process at the global batch, the
  masks included (each rank draws those of its own samples).
"""
import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cvclib  # noqa: E402
import models  # noqa: E402
from test_cvc_train import read_checkpoint  # noqa: E402

STEPS = 20
# Largest |2 ranks - 1 process| over the parameters after STEPS steps,
# relative to the largest change of a parameter in those steps, at each
# optimizer's usual learning rate. Measured: SGD 3.6e-7, Adam 2.4e-5 to
# 1.1e-4 (Adam
# divides by sqrt(v), which turns the rounding of a gradient near its
# epsilon into a visible step; at a learning rate of 0.01 instead of 0.001
# its 20 steps amplified that to 0.09, half the largest change).
BOUND = {"sgd": 1e-4, "adam": 5e-4}
LEARNING_RATE = {"sgd": "0.01", "adam": "0.001"}
KILL_EPOCHS = 10  # of STEPS steps: long enough to kill a rank mid-run
COMMON = ["--max-batches", str(STEPS), "--test", "", "--seed", "5",
          "--threads", "1", "--loader-threads", "1", "--augment", "mirror:p=0.5"]


def mpirun(ranks, *args, timeout=300):
    cmd = ["mpirun", "--allow-run-as-root", "--oversubscribe", "--bind-to", "none",
           "-x", "OMPI_MCA_btl_vader_single_copy_mechanism=none", "-np", str(ranks),
           cvclib.tool("cvc-train"), *args]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(proc, what, timeout=300):
    out, err = proc.communicate(timeout=timeout)
    if proc.returncode != 0:
        raise cvclib.Failure(f"{what} failed ({proc.returncode}):\n{err[-3000:]}")
    return out, err


def train_alone(*args):
    proc = subprocess.run([cvclib.tool("cvc-train"), *args], capture_output=True, text=True)
    if proc.returncode != 0:
        raise cvclib.Failure(f"cvc-train failed:\n{proc.stderr[-3000:]}")


def rank_pids(mpirun_pid):
    """{rank: pid} of the cvc-train processes mpirun started."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = open(f"/proc/{entry}/stat").read()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid != mpirun_pid:
                continue
            env = open(f"/proc/{entry}/environ", "rb").read().split(b"\0")
        except OSError:
            continue
        for var in env:
            if var.startswith(b"OMPI_COMM_WORLD_RANK="):
                found[int(var.split(b"=")[1])] = int(entry)
    return found


def wait_for_ranks(proc, count, checkpoint=None):
    """Waits until mpirun's `count` ranks run (and the first checkpoint exists)."""
    deadline = time.time() + 60
    while time.time() < deadline:
        pids = rank_pids(proc.pid)
        if len(pids) == count and (checkpoint is None or os.path.exists(checkpoint)):
            return pids
        time.sleep(0.02)
    raise cvclib.Failure("the ranks did not start")


def equivalence(work, optimizer):
    flags = ["--train", "--optimizer", optimizer, "--momentum", "0.9", "--weight-decay", "5e-4"]
    so = {}
    for batch in (32, 64):
        so[batch] = os.path.join(work, f"lenet_{optimizer}_{batch}.so")
        cvclib.compile_model(os.path.join(work, "lenet.onnx"), so[batch], *flags,
                             "--train-batch", str(batch))
    two, one = (os.path.join(work, f"{optimizer}_{n}.ckpt") for n in ("2ranks", "1proc"))
    lr = LEARNING_RATE[optimizer]
    _, err = finish(mpirun(2, so[32], *COMMON, "--epochs", "1", "--lr", lr, "--checkpoint", two),
                    f"2 ranks, {optimizer}")
    if "2 ranks held bit-identical weights" not in err:
        raise cvclib.Failure(f"cvc-train did not report the ranks' agreement:\n{err[-2000:]}")
    train_alone(so[64], *COMMON, "--epochs", "1", "--lr", lr, "--checkpoint", one)
    # The initial parameters: one step at learning rate 0 changes nothing.
    untrained = os.path.join(work, f"{optimizer}_initial.ckpt")
    train_alone(so[64], "--max-batches", "1", *COMMON[2:], "--epochs", "1", "--lr", "0",
                "--checkpoint", untrained)
    p2, p1 = read_checkpoint(two)[0]["parameters"], read_checkpoint(one)[0]["parameters"]
    initial = read_checkpoint(untrained)[0]["parameters"]
    moved = float(np.max(np.abs(p1 - initial)))
    diff = float(np.max(np.abs(p2 - p1)))
    print(f"  {optimizer}: after {STEPS} steps, |2 ranks x 32 - 1 process x 64| max {diff:.3e}, "
          f"largest parameter change {moved:.3e}: relative {diff / moved:.2e} "
          f"(bound {BOUND[optimizer]:g})")
    if moved == 0 or diff > BOUND[optimizer] * moved:
        raise cvclib.Failure(f"{optimizer}: 2 ranks differ from 1 process by {diff:.3e}")
    # Gradients in many small buckets (LeNet's 0.24 MB in 5), whose
    # exchanges are in flight together: the same sums, so the same bits.
    buckets = os.path.join(work, f"{optimizer}_buckets.ckpt")
    finish(mpirun(2, so[32], *COMMON, "--epochs", "1", "--lr", lr, "--checkpoint", buckets,
                  "--bucket-mb", "0.05"), f"2 ranks, {optimizer}, small buckets")
    if not np.array_equal(read_checkpoint(buckets)[0]["parameters"], p2):
        raise cvclib.Failure(f"{optimizer}: 0.05 MB buckets changed the result")
    print(f"  {optimizer}: 0.05 MB buckets give the same bits as one bucket")
    # Each bucket exchanged once the backward pass has computed it (the
    # default, above) or all after the pass: the same sums, the same bits.
    after = os.path.join(work, f"{optimizer}_after_pass.ckpt")
    finish(mpirun(2, so[32], *COMMON, "--epochs", "1", "--lr", lr, "--checkpoint", after,
                  "--bucket-mb", "0.05", "--no-overlap"), f"2 ranks, {optimizer}, no overlap")
    if not np.array_equal(read_checkpoint(after)[0]["parameters"], p2):
        raise cvclib.Failure(f"{optimizer}: exchanging after the backward pass changed the result")
    print(f"  {optimizer}: exchanging during and after the backward pass give the same bits")
    return so, one


def checkpoint_position(path):
    """(epoch, batch, step, images per step, ranks) of a checkpoint (format 3)."""
    data = open(path, "rb").read()
    return struct.unpack_from("<5Q", data, 16)


def resume_with_other_ranks(work, so, one):
    """A checkpoint written mid-epoch resumes with another batch or rank
    count at the image where it stopped, or is refused when that image does
    not begin one of the new run's steps."""
    args = [*COMMON, "--epochs", "1", "--lr", LEARNING_RATE["sgd"]]
    mixed = os.path.join(work, "mixed.ckpt")

    def stop_two_ranks(steps):
        finish(mpirun(2, so[32], *args, "--checkpoint", mixed, "--checkpoint-every", "5",
                      "--stop-after-steps", str(steps)), f"2 ranks stopped after step {steps}")

    def resume_alone(model):
        proc = subprocess.run([cvclib.tool("cvc-train"), model, *args, "--checkpoint", mixed,
                               "--resume"], capture_output=True, text=True)
        if proc.returncode != 0:
            raise cvclib.Failure(f"1 process did not resume 2 ranks' checkpoint:\n"
                                 f"{proc.stderr[-2000:]}")
        return proc.stderr

    # The same 64 images per step: 1 process continues where 2 ranks stopped
    # and reaches the 1-process run's weights.
    stop_two_ranks(10)
    resume_alone(so[64])
    p_mixed, p_one = read_checkpoint(mixed)[0]["parameters"], read_checkpoint(one)[0]["parameters"]
    initial = read_checkpoint(os.path.join(work, "sgd_initial.ckpt"))[0]["parameters"]
    moved = float(np.max(np.abs(p_one - initial)))
    diff = float(np.max(np.abs(p_mixed - p_one)))
    print(f"  2 ranks x 32 for 10 steps, resumed by 1 process x 64: |that - 1 process x 64| "
          f"max {diff:.3e}, relative {diff / moved:.2e} (bound {BOUND['sgd']:g})")
    if diff > BOUND["sgd"] * moved:
        raise cvclib.Failure("resuming in 1 process changed the result")

    # 32 images per step: 5 steps of 64 are its batches 0-9.
    stop_two_ranks(5)
    if checkpoint_position(mixed) != (0, 5, 5, 64, 2):
        raise cvclib.Failure(f"the checkpoint says {checkpoint_position(mixed)}")
    err = resume_alone(so[32])
    if "continuing after image 320 of epoch 1, at batch 10 (step 10)" not in err:
        raise cvclib.Failure(f"no word of where the run continued:\n{err[-2000:]}")
    # Its step count is this run's at that image (the learning-rate schedule
    # and Adam count this run's steps), and 10 steps end the epoch.
    if checkpoint_position(mixed) != (1, 0, 20, 32, 1):
        raise cvclib.Failure(f"after resuming at batch 10 of 20 the checkpoint says "
                             f"{checkpoint_position(mixed)}, not epoch 2 at step 20")
    print("  2 ranks x 32 stopped after 5 steps, resumed by 1 process x 32 at batch 10 "
          "(step 10): 10 more steps to the epoch's end")

    # 96 images per step do not end at image 320.
    stop_two_ranks(5)
    _, err = mpirun(3, so[32], *args, "--checkpoint", mixed, "--resume").communicate(timeout=120)
    if "do not end" not in err:
        raise cvclib.Failure(f"3 ranks resumed a checkpoint their steps do not fit:\n{err[-2000:]}")
    print("  3 ranks x 32 refused it: 320 images are not a whole number of their steps")


def signal_rank(proc, pid, sig, what):
    """Sends `sig` to one rank of the job `proc` and waits for the job to
    end: (seconds it took, mpirun's stderr)."""
    start = time.time()
    os.kill(pid, sig)
    try:
        _, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise cvclib.Failure(f"the job hung with {what}")
    return time.time() - start, err


def kill_and_resume(work, so):
    args = [so, *COMMON, "--lr", "0.01", "--epochs", str(KILL_EPOCHS)]
    whole = os.path.join(work, "whole.ckpt")
    finish(mpirun(2, *args, "--checkpoint", whole), "uninterrupted 2-rank run")
    reference = read_checkpoint(whole)[0]

    # Stopped after a step (as if killed), then resumed.
    stopped = os.path.join(work, "stopped.ckpt")
    finish(mpirun(2, *args, "--checkpoint", stopped, "--checkpoint-every", "5",
                  "--stop-after-steps", "27"), "2 ranks stopped after step 27")
    finish(mpirun(2, *args, "--checkpoint", stopped, "--checkpoint-every", "5", "--resume"),
           "2 ranks resumed")
    compare_states("stopped at step 27 and resumed", reference, read_checkpoint(stopped)[0])

    # Rank 1 killed with SIGKILL mid-epoch: the job ends, with a message.
    killed = os.path.join(work, "killed.ckpt")
    proc = mpirun(2, *args, "--checkpoint", killed, "--checkpoint-every", "3")
    pids = wait_for_ranks(proc, 2, killed)
    seconds, err = signal_rank(proc, pids[1], signal.SIGKILL, "a killed rank")
    print(f"  rank 1 killed: the job ended in {seconds:.1f} s, exit {proc.returncode}")
    if proc.returncode == 0:
        raise cvclib.Failure("the job finished before rank 1 was killed: lengthen KILL_EPOCHS")
    said = [l for l in err.splitlines() if "signal 9" in l]
    if not said:
        raise cvclib.Failure(f"no message names the killed rank:\n{err[-2000:]}")
    print(f"    {said[0].strip()}")
    finish(mpirun(2, *args, "--checkpoint", killed, "--checkpoint-every", "3", "--resume"),
           "2 ranks resumed after the kill")
    compare_states("killed in rank 1 and resumed", reference, read_checkpoint(killed)[0])


def hang(work, so):
    """A rank stopped (SIGSTOP) holds the others until --rank-timeout ends the job."""
    ckpt = os.path.join(work, "hang.ckpt")
    proc = mpirun(2, so, *COMMON, "--lr", "0.01", "--epochs", "50", "--rank-timeout", "3",
                  "--checkpoint", ckpt, "--checkpoint-every", "1")
    pids = wait_for_ranks(proc, 2, ckpt)  # training is under way
    try:
        seconds, err = signal_rank(proc, pids[1], signal.SIGSTOP, "a stopped rank")
    finally:
        try:
            os.kill(pids[1], signal.SIGKILL)
        except ProcessLookupError:
            pass
    print(f"  rank 1 stopped: the job ended in {seconds:.1f} s, exit {proc.returncode}")
    if proc.returncode == 0 or "a rank has died or hangs" not in err:
        raise cvclib.Failure(f"no timeout message for the stopped rank ({proc.returncode}):\n"
                             f"{err[-2000:]}")
    line = next(l for l in err.splitlines() if "a rank has died or hangs" in l)
    print(f"    {line.strip()}")


def compare_states(what, reference, got):
    for name, values in reference.items():
        if not np.array_equal(values, got[name]):
            diff = float(np.max(np.abs(values - got[name])))
            raise cvclib.Failure(f"{what}: state {name} differs from the uninterrupted run "
                                 f"(max {diff:.3e})")
    print(f"  {what}: every state equals the uninterrupted 2-rank run's")


class SmallBatchNormNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 8, 3, padding=1)
        self.bn = nn.BatchNorm2d(8)
        self.fc = nn.Linear(8 * 14 * 14, 10)

    def forward(self, x):
        x = nn.functional.max_pool2d(torch.relu(self.bn(self.conv(x))), 2)
        return self.fc(torch.flatten(x, 1))


def averaged_statistics(work):
    torch.manual_seed(2)
    onnx_path, so = os.path.join(work, "bn.onnx"), os.path.join(work, "bn.so")
    cvclib.export(SmallBatchNormNet(), torch.randn(1, 1, 28, 28), onnx_path, unfolded=True)
    cvclib.compile_model(onnx_path, so, "--train", "--train-batch", "16")
    ckpt = os.path.join(work, "bn.ckpt")
    _, err = finish(mpirun(2, so, *COMMON, "--epochs", "1", "--lr", "0.05", "--checkpoint", ckpt,
                           "--average-batch-norm-statistics"), "batch-norm net, 2 ranks")
    if "2 ranks held bit-identical weights" not in err:
        raise cvclib.Failure(f"statistics not reported identical:\n{err[-2000:]}")
    stats = read_checkpoint(ckpt)[0]["statistics"]
    # Rank 0's own statistics, without the average, are another run's.
    own = os.path.join(work, "bn_own.ckpt")
    # With a test set: every rank scores its share with rank 0's statistics.
    common = [a for a in COMMON if a != "--test="]
    finish(mpirun(2, so, *common, "--epochs", "1", "--lr", "0.05", "--checkpoint", own,
                  "--test", "fashion-mnist:test", "--max-test", "600"),
           "batch-norm net, 2 ranks, own statistics")
    own_stats = read_checkpoint(own)[0]["statistics"]
    diff = float(np.max(np.abs(stats - own_stats)))
    print(f"  batch norm: averaged statistics identical on both ranks ({stats.size} values); "
          f"rank 0's own differ from the average by up to {diff:.3e}")
    if diff == 0:
        raise cvclib.Failure("averaging the statistics changed nothing")


class DropoutNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(784, 32), nn.Linear(32, 10)

    def forward(self, x):
        return self.fc2(nn.functional.dropout(torch.relu(self.fc1(torch.flatten(x, 1))), 0.5,
                                              self.training))


def dropout_equivalence(work):
    """Each rank draws the dropout masks of its own samples of the global
    batch: 2 ranks x 8 equal 1 process x 16, masks included (with the masks
    of samples 0-7 on both ranks they would not)."""
    onnx_path = os.path.join(work, "dropout.onnx")
    torch.manual_seed(0)
    net = DropoutNet()
    net.train()
    torch.onnx.export(net, torch.randn(1, 1, 28, 28), onnx_path, input_names=["input"],
                      output_names=["output"], dynamic_axes={"input": {0: "b"}, "output": {0: "b"}},
                      training=torch.onnx.TrainingMode.TRAINING, do_constant_folding=False)
    so = {}
    for batch in (8, 16):
        so[batch] = os.path.join(work, f"dropout_{batch}.so")
        cvclib.compile_model(onnx_path, so[batch], "--train", "--train-batch", str(batch),
                             "--momentum", "0.9")
    two, one, initial = (os.path.join(work, f"dropout_{n}.ckpt")
                         for n in ("2ranks", "1proc", "initial"))
    finish(mpirun(2, so[8], *COMMON, "--epochs", "1", "--lr", "0.05", "--checkpoint", two),
           "dropout net, 2 ranks")
    train_alone(so[16], *COMMON, "--epochs", "1", "--lr", "0.05", "--checkpoint", one)
    train_alone(so[16], "--max-batches", "1", *COMMON[2:], "--epochs", "1", "--lr", "0",
                "--checkpoint", initial)
    p2, p1 = read_checkpoint(two)[0]["parameters"], read_checkpoint(one)[0]["parameters"]
    moved = float(np.max(np.abs(p1 - read_checkpoint(initial)[0]["parameters"])))
    diff = float(np.max(np.abs(p2 - p1)))
    print(f"  dropout: |2 ranks x 8 - 1 process x 16| max {diff:.3e}, largest parameter change "
          f"{moved:.3e}: relative {diff / moved:.2e} (bound {BOUND['sgd']:g})")
    if moved == 0 or diff > BOUND["sgd"] * moved:
        raise cvclib.Failure(f"dropout: 2 ranks differ from 1 process by {diff:.3e}")


def test():
    if not shutil.which("mpirun"):
        raise cvclib.Failure("mpirun is missing (scripts/setup.sh installs Open MPI)")
    with tempfile.TemporaryDirectory(prefix="cvc-distributed-") as work:
        torch.manual_seed(0)
        model = models.LeNet5Modern()
        cvclib.export(model, torch.randn(1, 1, 28, 28), os.path.join(work, "lenet.onnx"))
        so, one = equivalence(work, "sgd")
        equivalence(work, "adam")
        resume_with_other_ranks(work, so, one)
        kill_and_resume(work, so[32])
        hang(work, so[32])
        averaged_statistics(work)
        dropout_equivalence(work)


if __name__ == "__main__":
    cvclib.main(test)
