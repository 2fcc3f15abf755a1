"""Several input shapes in one model.so (`cvc --input-shape` given several
shapes for an input): a small segmentation network with a classifier head,
exported by torch.onnx with symbolic batch, height and width, is compiled
for three shapes and run at each through the C ABI and cvc-run against
PyTorch. Also checked: what the model reports (-1 where the variants
differ, concrete shapes through a variant handle), the refusal of an
unlisted shape, that kernels and weights the variants have in common are
stored once, and the command-line refusals.
"""
import ctypes
import os
import re
import subprocess
import tempfile

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from cvclib import SHALLOW, Checks, Failure, compare, compile_model, run_model, tool
from trainlib import MAX_RANK, Model, Tensor, TensorInfo

SHAPES = [(2, 3, 32, 48), (2, 3, 64, 40), (1, 3, 24, 24)]


class SegmenterWithHead(nn.Module):
    """Encoder, transposed-convolution and nearest-upsampling decoder with a
    skip concatenation, a per-pixel head and a pooled classifier."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(3, 16, 3, padding=1)
        self.b1 = nn.BatchNorm2d(16)
        self.c2 = nn.Conv2d(16, 32, 3, stride=2, padding=1)
        self.c3 = nn.Conv2d(32, 32, 3, stride=2, padding=1)
        self.up1 = nn.ConvTranspose2d(32, 32, 2, stride=2)
        self.c4 = nn.Conv2d(64, 16, 3, padding=1)
        self.mask = nn.Conv2d(32, 4, 1)
        self.fc = nn.Linear(32, 5)

    def forward(self, x):
        a = F.relu(self.b1(self.c1(x)))
        b = F.relu(self.c2(a))
        c = F.relu(self.c3(b))
        u = F.relu(self.up1(c))
        d = F.relu(self.c4(torch.cat([b, u], 1)))
        d = F.interpolate(d, scale_factor=2, mode="nearest")
        mask = self.mask(torch.cat([a, d], 1))
        logits = self.fc(c.mean(dim=(2, 3)))
        return mask, logits


def shape_flag(shape):
    return "--input-shape=image=" + ",".join(map(str, shape))


class CModel(Model):
    """trainlib's ctypes model.so, with the shape-variant functions and
    runs that report a refusal instead of raising it."""

    def __init__(self, path):
        super().__init__(path)
        lib, vp, size = self.lib, ctypes.c_void_p, ctypes.c_size_t
        for name in ["cvc_model_variant", "cvc_model_input_info", "cvc_model_output_info",
                     "cvc_session_run"]:
            getattr(lib, name).restype = vp
        lib.cvc_model_variant_count.restype = size
        lib.cvc_model_variant_count.argtypes = [vp]
        lib.cvc_model_variant.argtypes = [vp, size, vp]
        lib.cvc_model_input_info.argtypes = [vp, size, vp]
        lib.cvc_model_output_info.argtypes = [vp, size, vp]
        lib.cvc_session_free.argtypes = [vp]
        lib.cvc_session_run.argtypes = [vp, vp, size, vp, size]

    def status_message(self, status):
        message = self.lib.cvc_status_message(status).decode() if status else ""
        self.lib.cvc_status_free(status)
        return message

    def variant(self, index):
        handle = ctypes.c_void_p()
        self._check(self.lib.cvc_model_variant(self.model, index, ctypes.byref(handle)))
        return handle

    def info(self, model, output=False):
        info = TensorInfo()
        fn = self.lib.cvc_model_output_info if output else self.lib.cvc_model_input_info
        self._check(fn(model, 0, ctypes.byref(info)))
        return [info.dims[d] for d in range(info.rank)]

    def open_session(self, model):
        session = ctypes.c_void_p()
        options = (ctypes.c_int32 * 1)(0)
        self._check(self.lib.cvc_session_create(model, options, ctypes.byref(session)))
        return session

    def run(self, session, x, out_shapes):
        """(status message or "", outputs)."""
        x = np.ascontiguousarray(x, dtype=np.float32)
        outs = [np.zeros(s, np.float32) for s in out_shapes]
        tensor = lambda a: Tensor(a.ctypes.data, 1, a.ndim, (ctypes.c_int64 * MAX_RANK)(*a.shape))
        ins = (Tensor * 1)(tensor(x))
        outs_c = (Tensor * len(outs))(*[tensor(a) for a in outs])
        return self.status_message(self.lib.cvc_session_run(session, ins, 1, outs_c, len(outs))), outs


def weights_bytes(so_path):
    """Size of the weight blob in a model.so (its symbol's size)."""
    out = subprocess.run(["readelf", "-s", "-W", so_path], capture_output=True, text=True).stdout
    for line in out.splitlines():
        if line.split()[-1:] == ["cvcgen_weights"]:
            return int(line.split()[2], 0)
    raise Failure(f"no cvcgen_weights symbol in {so_path}")


def main():
    checks = Checks()
    torch.manual_seed(0)
    net = SegmenterWithHead().eval()
    with torch.no_grad():
        net.b1.weight.uniform_(0.5, 1.5)
        net.b1.bias.uniform_(-0.2, 0.2)
        net.b1.running_mean.uniform_(-0.2, 0.2)
        net.b1.running_var.uniform_(0.5, 1.5)

    def body():
        with tempfile.TemporaryDirectory() as work:
            onnx_path = os.path.join(work, "seg.onnx")
            axes = {0: "batch", 2: "height", 3: "width"}
            with torch.no_grad():
                torch.onnx.export(net, torch.randn(*SHAPES[0]), onnx_path, opset_version=13,
                                  input_names=["image"], output_names=["mask", "logits"],
                                  dynamic_axes={"image": axes, "mask": axes,
                                                "logits": {0: "batch"}},
                                  do_constant_folding=False,
                                  training=torch.onnx.TrainingMode.PRESERVE)
            so = os.path.join(work, "seg.so")
            proc = subprocess.run([tool("cvc"), onnx_path, "-o", so, "-v"]
                                  + [shape_flag(s) for s in SHAPES], capture_output=True, text=True)
            if proc.returncode != 0:
                raise Failure(f"cvc failed:\n{proc.stderr}")
            planned = re.search(r"planned (\d+) kernels \((\d+) distinct\) in 3 shape variants",
                                proc.stderr)
            checks.record("cvc -v reports the variants", planned is not None,
                          planned.group(0) if planned else proc.stderr[-300:])
            if planned:
                total, distinct = int(planned.group(1)), int(planned.group(2))
                # The first two variants share the batch: the classifier's
                # kernels are the same and compiled once.
                checks.record("kernels the variants share are compiled once", distinct < total,
                              f"{distinct} distinct of {total}")
            single = os.path.join(work, "single.so")
            compile_model(onnx_path, single, shape_flag(SHAPES[0]))
            blob, blob1 = weights_bytes(so), weights_bytes(single)
            checks.record("the variants share one copy of the weights", blob == blob1,
                          f"{blob} bytes with 3 variants, {blob1} with one")

            m = CModel(so)
            checks.record("three variants", m.lib.cvc_model_variant_count(m.model) == 3)
            checks.record("the model reports -1 where the variants differ",
                          m.info(m.model) == [-1, 3, -1, -1] and
                          m.info(m.model, True) == [-1, 4, -1, -1],
                          f"input {m.info(m.model)}, output {m.info(m.model, True)}")
            whole = m.open_session(m.model)
            for v, shape in enumerate(SHAPES):
                handle = m.variant(v)
                checks.record(f"variant {v} reports its shape", m.info(handle) == list(shape),
                              str(m.info(handle)))
                x = torch.randn(*shape)
                with torch.no_grad():
                    ref_mask, ref_logits = net(x)
                error, (mask, logits) = m.run(whole, x.numpy(), [ref_mask.shape, ref_logits.shape])
                if error:
                    raise Failure(f"variant {v} {shape}: {error}")
                compare(f"variant {v} {shape} mask", mask, ref_mask.numpy(), **SHALLOW)
                compare(f"variant {v} {shape} logits", logits, ref_logits.numpy(), **SHALLOW)
                # cvc-run picks the variant the input file matches.
                run_dir = os.path.join(work, f"run{v}")
                os.makedirs(run_dir)
                outputs, _ = run_model(so, {"image": x.numpy()}, run_dir)
                compare(f"cvc-run, variant {v} mask", outputs["mask"], ref_mask.numpy(), **SHALLOW)

            error, _ = m.run(whole, np.zeros((2, 3, 40, 40), np.float32), [(2, 4, 40, 40), (2, 5)])
            checks.record("an unlisted shape is refused, naming the shapes compiled",
                          "no shape variant" in error and "[2,3,32,48]" in error and
                          "[1,3,24,24]" in error, error)
            first = m.open_session(m.variant(0))
            error, _ = m.run(first, np.zeros(SHAPES[1], np.float32),
                             [(2, 4, 64, 40), (2, 5)])
            checks.record("a session on one variant runs that variant alone",
                          "expected shape [2,3,32,48]" in error, error)
            m.lib.cvc_session_free(first)
            m.lib.cvc_session_free(whole)

            proc = subprocess.run([tool("cvc-run"), so, "--variant", "3"], capture_output=True,
                                  text=True)
            checks.record("cvc-run --variant out of range is refused",
                          proc.returncode == 1 and "out of range" in proc.stderr, proc.stderr.strip())

            summary = subprocess.run([tool("cvc"), onnx_path, "--summary"]
                                     + [shape_flag(s) for s in SHAPES[:2]],
                                     capture_output=True, text=True)
            checks.record("--summary prints each variant",
                          summary.returncode == 0 and summary.stdout.count("Shape variant") == 2,
                          summary.stderr.strip())

            refusals = [
                (["--emit=mlir", "-o", "-"], "writes one shape per input"),
                (["--train"], "--train takes one shape per input"),
                ([shape_flag(SHAPES[0])], "the same shape twice"),
                (["--input-shape=other=1,2", "--input-shape=other=1,3",
                  "--input-shape=other=1,4"], "need as many each"),
            ]
            for extra, expected in refusals:
                out = os.path.join(work, "refused.so")
                proc = subprocess.run([tool("cvc"), onnx_path, "-o", out]
                                      + [shape_flag(s) for s in SHAPES[:2]] + extra,
                                      capture_output=True, text=True)
                checks.record(f"cvc refuses {' '.join(extra)}",
                              proc.returncode == 1 and expected in proc.stderr
                              and not os.path.exists(out), proc.stderr.strip())

    checks.exit("PASSED", body)


if __name__ == "__main__":
    main()
