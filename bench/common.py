"""What bench/run.py and bench/torch_time.py share: the ten models (and any
torchvision classifier by name), built
with fixed seeds, and the timing loop and statistics that bench/cvc_time.c and
bench/ort_run.js also implement (so every runtime is timed the same way)."""
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "e2e"))
import models  # noqa: E402

# name: (constructor, input shape of one image)
MODELS = {
    "lenet5": (models.LeNet5, (1, 32, 32)),
    "alexnet": (models.AlexNet, (3, 227, 227)),
    "vgg16": (models.vgg16, (3, 224, 224)),
    "resnet18": (lambda: models.torchvision_model("resnet18"), (3, 224, 224)),
    "resnet50": (lambda: models.torchvision_model("resnet50"), (3, 224, 224)),
    "googlenet": (lambda: models.torchvision_model("googlenet"), (3, 224, 224)),
    "squeezenet1_1": (lambda: models.torchvision_model("squeezenet1_1"), (3, 224, 224)),
    "mobilenet_v2": (lambda: models.torchvision_model("mobilenet_v2"), (3, 224, 224)),
    "efficientnet_b0": (lambda: models.torchvision_model("efficientnet_b0"), (3, 224, 224)),
    "densenet121": (lambda: models.torchvision_model("densenet121"), (3, 224, 224)),
}


TORCHVISION_PREFIX = "torchvision."


def model_spec(name):
    """(constructor, input shape) of one of MODELS, or of any torchvision
    classifier named "torchvision.NAME" (224x224, built as the tests build
    theirs); None for anything else."""
    if name in MODELS:
        return MODELS[name]
    if name.startswith(TORCHVISION_PREFIX):
        import torchvision
        arch = name[len(TORCHVISION_PREFIX):]
        if arch.islower() and callable(getattr(torchvision.models, arch, None)):
            return (lambda: models.torchvision_model(arch), (3, 224, 224))
    return None


def build_model(name, seed=0):
    """The model in eval mode, its weights fixed by `seed` whatever ran before
    (the torchvision models seed themselves with 0)."""
    torch.manual_seed(seed)
    return model_spec(name)[0]().eval()


def time_runs(run, warmup, iterations, min_iterations, seconds):
    """Warm-up: `warmup` runs or seconds/2, at least one. Then timed runs until
    `iterations`, or until `seconds` have passed and `min_iterations` are done.
    Returns the times in ms and the last run's result."""
    start = time.perf_counter()
    for i in range(warmup):
        if i and time.perf_counter() - start >= seconds / 2:
            break
        result = run()
    times = []
    start = time.perf_counter()
    while len(times) < iterations and (len(times) < min_iterations
                                       or time.perf_counter() - start < seconds):
        t0 = time.perf_counter()
        result = run()
        times.append((time.perf_counter() - t0) * 1e3)
    return times, result


def peak_rss_mb():
    """This process's VmHWM (see bench/cvc_time.c for why not getrusage)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return None


def summarize(times):
    t = np.asarray(times)
    return {"median_ms": float(np.median(t)), "min_ms": float(t.min()), "max_ms": float(t.max()),
            "mean_ms": float(t.mean()), "p10_ms": float(np.percentile(t, 10)),
            "p90_ms": float(np.percentile(t, 90)), "iterations": len(times)}
