#!/usr/bin/python3
"""The building blocks of the CNN families after the case studies, as stock
PyTorch modules export them, against PyTorch at batches 1 and 3 (1e-4 abs +
1e-3 rel per element), with batch norms given real statistics:

- depthwise-separable blocks (MobileNet v1): depthwise 3x3 and 5x5 at
  strides 1 and 2 and a dilated 3x3 on a map that is not square, BN, ReLU,
  then a pointwise 1x1;
- inverted residuals (MobileNetV2): 1x1 expansion, ReLU6, depthwise,
  linear projection, with and without the shortcut, at channel counts that
  do not divide by the vector block (24, 40);
- MBConv (EfficientNet): Swish (nn.SiLU, exported as Sigmoid and Mul),
  squeeze-and-excitation (global pool, two 1x1 layers, sigmoid, channel
  scale), at 16, 24, 80 and 112 channels;
- a pre-activation dense block (DenseNet): BN, ReLU, 1x1, BN, ReLU, 3x3 and
  a concat per growth step, four steps;
- grouped 3x3 convolutions with narrow groups: a ResNeXt bottleneck (4
  channels per group) and a RegNetY block (8 per group, with
  squeeze-and-excitation) at a width that pads to whole blocks (24 -> 32);
- a ConvNeXt block: depthwise 7x7, LayerNorm and a channels-last MLP
  (nn.Linear, nn.GELU, nn.Linear; exported as MatMul, Add, Erf...), layer
  scale and the shortcut, at widths whose MLP weights do (32 -> 128 -> 32)
  and do not (24 -> 96 -> 24) split into whole vector blocks: its linear
  layers must take their bias and GELU as epilogues.

Each is also compiled with `--summary` to show which kernels it became."""
import os
import subprocess
import tempfile

import torch
import torch.nn as nn
import torch.nn.functional as F

import cvclib
from models import calibrate_batchnorm


class DepthwiseSeparable(nn.Module):
    def __init__(self, c, out, k, stride, dilation=1):
        super().__init__()
        self.dw = nn.Conv2d(c, c, k, stride, dilation * (k // 2), dilation, groups=c, bias=False)
        self.bn1 = nn.BatchNorm2d(c)
        self.pw = nn.Conv2d(c, out, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(out)

    def forward(self, x):
        return F.relu(self.bn2(self.pw(F.relu(self.bn1(self.dw(x))))))


class InvertedResidual(nn.Module):
    def __init__(self, c, out, stride, expand=6):
        super().__init__()
        hidden = c * expand
        self.shortcut = stride == 1 and c == out
        self.block = nn.Sequential(
            nn.Conv2d(c, hidden, 1, bias=False), nn.BatchNorm2d(hidden), nn.ReLU6(),
            nn.Conv2d(hidden, hidden, 3, stride, 1, groups=hidden, bias=False),
            nn.BatchNorm2d(hidden), nn.ReLU6(),
            nn.Conv2d(hidden, out, 1, bias=False), nn.BatchNorm2d(out))

    def forward(self, x):
        y = self.block(x)
        return x + y if self.shortcut else y


class SqueezeExcite(nn.Module):
    def __init__(self, c, reduced):
        super().__init__()
        self.reduce = nn.Conv2d(c, reduced, 1)
        self.expand = nn.Conv2d(reduced, c, 1)

    def forward(self, x):
        s = F.adaptive_avg_pool2d(x, 1)
        return x * torch.sigmoid(self.expand(F.silu(self.reduce(s))))


class MBConv(nn.Module):
    def __init__(self, c, out, k, stride, expand=4):
        super().__init__()
        hidden = c * expand
        self.shortcut = stride == 1 and c == out
        self.expand = nn.Sequential(nn.Conv2d(c, hidden, 1, bias=False), nn.BatchNorm2d(hidden),
                                    nn.SiLU())
        self.dw = nn.Sequential(
            nn.Conv2d(hidden, hidden, k, stride, k // 2, groups=hidden, bias=False),
            nn.BatchNorm2d(hidden), nn.SiLU())
        self.se = SqueezeExcite(hidden, max(1, c // 4))
        self.project = nn.Sequential(nn.Conv2d(hidden, out, 1, bias=False), nn.BatchNorm2d(out))

    def forward(self, x):
        y = self.project(self.se(self.dw(self.expand(x))))
        return x + y if self.shortcut else y


class DenseBlock(nn.Module):
    def __init__(self, c, growth, steps):
        super().__init__()
        self.layers = nn.ModuleList()
        for i in range(steps):
            width = c + i * growth
            self.layers.append(nn.Sequential(
                nn.BatchNorm2d(width), nn.ReLU(), nn.Conv2d(width, 4 * growth, 1, bias=False),
                nn.BatchNorm2d(4 * growth), nn.ReLU(),
                nn.Conv2d(4 * growth, growth, 3, padding=1, bias=False)))

    def forward(self, x):
        features = [x]
        for layer in self.layers:
            features.append(layer(torch.cat(features, 1)))
        return torch.cat(features, 1)


class GroupedBottleneck(nn.Module):
    """ResNeXt's and RegNet's block: 1x1, grouped 3x3, optional SE, 1x1."""

    def __init__(self, c, width, group_width, stride, se=False):
        super().__init__()
        self.a = nn.Sequential(nn.Conv2d(c, width, 1, bias=False), nn.BatchNorm2d(width),
                               nn.ReLU())
        self.b = nn.Sequential(nn.Conv2d(width, width, 3, stride, 1, groups=width // group_width,
                                         bias=False), nn.BatchNorm2d(width), nn.ReLU())
        self.se = SqueezeExcite(width, max(1, c // 4)) if se else nn.Identity()
        self.c = nn.Sequential(nn.Conv2d(width, c, 1, bias=False), nn.BatchNorm2d(c))
        self.stride = stride

    def forward(self, x):
        h = self.c(self.se(self.b(self.a(x))))
        return F.relu(h + x) if self.stride == 1 else F.relu(h)


class ConvNeXtBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dw = nn.Conv2d(c, c, 7, padding=3, groups=c)
        self.norm = nn.LayerNorm(c, eps=1e-6)
        self.mlp = nn.Sequential(nn.Linear(c, 4 * c), nn.GELU(), nn.Linear(4 * c, c))
        self.scale = nn.Parameter(torch.rand(c, 1, 1) + 0.5)

    def forward(self, x):
        h = self.mlp(self.norm(self.dw(x).permute(0, 2, 3, 1))).permute(0, 3, 1, 2)
        return x + self.scale * h


CASES = [
    ("depthwise3_stride1", lambda: DepthwiseSeparable(32, 64, 3, 1), (32, 14, 14)),
    ("depthwise5_stride2", lambda: DepthwiseSeparable(48, 32, 5, 2), (48, 15, 15)),
    ("depthwise3_stride2_7x7", lambda: DepthwiseSeparable(64, 64, 3, 2), (64, 7, 7)),
    # Depthwise layers read through their zero padding (no padded copy):
    # a dilated window on a map that is not square puts every tap of the
    # first and last rows and columns past a border.
    ("depthwise3_dilated2_9x13", lambda: DepthwiseSeparable(16, 32, 3, 1, dilation=2),
     (16, 9, 13)),
    ("inverted_residual_24", lambda: InvertedResidual(24, 24, 1), (24, 12, 12)),
    ("inverted_residual_24_to_40", lambda: InvertedResidual(24, 40, 2), (24, 13, 13)),
    ("mbconv_swish_se_16", lambda: MBConv(16, 16, 3, 1), (16, 12, 12)),
    ("mbconv_swish_se_24_to_80_k5", lambda: MBConv(24, 80, 5, 2, expand=6), (24, 14, 14)),
    ("mbconv_swish_se_112", lambda: MBConv(112, 112, 5, 1, expand=2), (112, 7, 7)),
    ("dense_block", lambda: DenseBlock(24, 12, 4), (24, 10, 10)),
    # After a stem, in whole channel blocks: the growing concats share one
    # buffer (the shorter ones views of the longest), the batch norms and
    # ReLUs become the 1x1 convolutions' prologues.
    ("dense_block_blocked", lambda: nn.Sequential(nn.Conv2d(16, 32, 3, padding=1),
                                                  DenseBlock(32, 16, 3)), (16, 8, 8)),
    ("resnext_bottleneck_g4", lambda: GroupedBottleneck(64, 64, 4, 1), (64, 10, 10)),
    ("regnety_block_g8_24_stride2", lambda: GroupedBottleneck(32, 24, 8, 2, se=True),
     (32, 11, 11)),
    ("convnext_block_24", lambda: ConvNeXtBlock(24), (24, 9, 9)),
    ("convnext_block_32", lambda: ConvNeXtBlock(32), (32, 7, 7)),
]


def kernels_of(onnx_path):
    proc = subprocess.run([cvclib.tool("cvc"), onnx_path, "--summary"], capture_output=True,
                          text=True)
    if proc.returncode != 0:
        raise cvclib.Failure(f"cvc --summary failed:\n{proc.stderr}")
    return [line.split()[1] for line in proc.stdout.splitlines()
            if line.split() and line.split()[0].isdigit()]


def test():
    torch.manual_seed(0)
    with tempfile.TemporaryDirectory(prefix="cvc-families-") as work:
        for name, make, shape in CASES:
            model = calibrate_batchnorm(make().eval(), shape)
            path = os.path.join(work, name + ".onnx")
            cvclib.export(model, torch.randn(1, *shape), path)
            kernels = kernels_of(path)
            print(f"{name}: kernels {' '.join(kernels)}")
            if name.startswith(("resnext", "regnety")) and not any(
                    k.startswith("depthwise_conv2d_blocked") for k in kernels):
                raise cvclib.Failure(f"{name}: the grouped convolution is not blocked")
            if name.startswith("convnext") and (kernels.count("linear+gelu") != 1 or
                                                "gelu" in kernels):
                raise cvclib.Failure(f"{name}: the MLP's GELU is not its first linear layer's "
                                     "epilogue")
            cvclib.check_against_torch(name, model, shape, batches=(1, 3), tol=cvclib.SHALLOW,
                                       count_parameters=False)


if __name__ == "__main__":
    cvclib.main(test)
