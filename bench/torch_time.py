#!/usr/bin/python3
"""Times one model in PyTorch (eager, eval mode, no autograd) in its own
process, for bench/run.py; prints one JSON line like bench/cvc_time.c.

    /usr/bin/python3 bench/torch_time.py MODEL.pt --input X.npy --threads N
        [--warmup W] [--iterations K] [--min-iterations M] [--seconds S] [--output Y.npy]

MODEL.pt is the whole module as run.py saved it (torch.save) when it exported
the ONNX file, so PyTorch runs exactly the weights the other runtimes do, and
loading it neither initialises weights randomly first nor holds two copies
(which would inflate the peak memory measured).
"""
import argparse
import json

import numpy as np
import torch

import common


def main():
    p = argparse.ArgumentParser()
    p.add_argument("model")
    p.add_argument("--input", required=True)
    p.add_argument("--threads", type=int, required=True)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--iterations", type=int, default=20)
    p.add_argument("--min-iterations", type=int, default=5)
    p.add_argument("--seconds", type=float, default=2.0)
    p.add_argument("--output")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    model = torch.load(a.model).eval()  # unpickling needs common's path to models.py
    x = torch.from_numpy(np.load(a.input))
    with torch.no_grad():
        times, y = common.time_runs(lambda: model(x), a.warmup, a.iterations, a.min_iterations,
                                    a.seconds)
    if a.output:
        np.save(a.output, y.numpy())
    print(json.dumps({**common.summarize(times), "batch": x.shape[0], "threads": a.threads,
                      "peak_rss_mb": common.peak_rss_mb(), "version": torch.__version__}))


if __name__ == "__main__":
    main()
