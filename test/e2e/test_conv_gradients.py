"""The convolution kernels of a training step against PyTorch autograd, one
convolution geometry at a time.

Channel counts that divide by the vector width take the staged kernels
(compiler/halide/StagedConv.cpp): the forward convolution with its weights
re-laid out at run time, the input gradient as stride x stride phase
convolutions, the weight gradient as a GEMM over pixels. Each case puts the
convolution under test behind a 3x3 convolution, so that its input gradient
feeds a weight gradient, and in front of a fully connected classifier:
x -> pre (3 -> C) -> tanh -> conv (C -> M, the case) -> fully connected.
Gradients of all parameters are compared with autograd's (and with float64
autograd when float32 PyTorch is itself far from it), and the loss with
PyTorch's; the measured errors are printed.
"""
import os
import sys
import tempfile

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cvclib  # noqa: E402
from test_training import check_gradients, compile_for_training, random_batch  # noqa: E402

BATCH = 3

# name: (C, M, kernel, stride, padding, dilation, input size, pre kernel)
CASES = {
    "3x3 stride 1 pad 1, odd size": (16, 32, 3, 1, 1, 1, 9, 3),
    "3x3 stride 2 pad 1, odd size": (16, 32, 3, 2, 1, 1, 9, 3),
    "3x3 stride 2 pad 1, even size": (32, 16, 3, 2, 1, 1, 8, 3),
    "1x1 stride 1": (16, 16, 1, 1, 0, 1, 5, 3),
    "1x1 stride 2 (a downsample)": (32, 16, 1, 2, 0, 1, 7, 3),
    "5x5 stride 2 pad 2": (16, 16, 5, 2, 2, 1, 11, 3),
    "3x3 stride 2 dilation 2, no padding": (16, 16, 3, 2, 0, 2, 13, 3),
    "3x3 stride 1 pad 2 dilation 2": (16, 16, 3, 1, 2, 2, 6, 3),
    "3x3 stride 3 pad 1, 2x2 result": (16, 64, 3, 3, 1, 1, 6, 3),
    "7x7 stride 2 pad 3 stem before a 3x3": (16, 16, 3, 1, 1, 1, 12, 7),
    "channels not a multiple of the vector (direct kernels)": (6, 10, 3, 2, 1, 1, 9, 3),
}


class ConvCase(nn.Module):
    def __init__(self, c, m, k, stride, pad, dilation, size, pre_kernel):
        super().__init__()
        pre_stride = 2 if pre_kernel == 7 else 1
        self.pre = nn.Conv2d(3, c, pre_kernel, stride=pre_stride, padding=pre_kernel // 2)
        self.conv = nn.Conv2d(c, m, k, stride=stride, padding=pad, dilation=dilation)
        with torch.no_grad():
            out = self.conv(self.pre(torch.zeros(1, 3, size, size)))
        self.fc = nn.Linear(out[0].numel(), 5)

    def forward(self, x):
        return self.fc(torch.flatten(self.conv(torch.tanh(self.pre(x))), 1))


def test():
    with tempfile.TemporaryDirectory(prefix="cvc-conv-grad-") as work:
        for i, (name, (c, m, k, stride, pad, dilation, size, pre)) in enumerate(CASES.items()):
            torch.manual_seed(i)
            net = ConvCase(c, m, k, stride, pad, dilation, size, pre)
            x, y = random_batch((3, size, size), 5, BATCH, 100 + i)
            cm = compile_for_training(net, (3, size, size), work, f"case{i}", BATCH,
                                      "--momentum", "0", "--train-export-gradients")
            check_gradients(name, net, cm, x, y)


if __name__ == "__main__":
    cvclib.main(test)
