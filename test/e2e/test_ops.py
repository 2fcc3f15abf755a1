#!/usr/bin/python3
"""Small PyTorch modules that exercise the shape and activation operators as
PyTorch's own exporter writes them (Slice, Gather, Split, Pad modes, Transpose,
shape arithmetic, reductions, batch norm after a non-conv op, ...), each
checked against PyTorch at opsets 11 and 13, batches 1 and 3 from one compile."""
import torch
import torch.nn as nn
import torch.nn.functional as F

import cvclib
from models import calibrate_batchnorm


class SliceGatherSplit(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(4, 6, 3, padding=1)

    def forward(self, x):
        first = x[:, 0:1] * 2.0            # Slice
        channel = x[:, 2]                  # Gather, scalar index: drops the axis
        a, b = torch.split(x, [1, 3], dim=1)  # Split
        y = self.conv(torch.cat([first, b, channel.unsqueeze(1) - a], dim=1)[:, :4])
        return y[:, :, ::2, 1:]             # strided Slice


class PadModes(nn.Module):
    def forward(self, x):
        r = F.pad(x, (1, 2, 2, 1), mode="reflect")
        e = F.pad(x, (2, 0, 1, 1), mode="replicate")
        c = F.pad(x, (1, 1, 0, 2), value=0.5)
        return torch.cat([r[:, :, :7, :7], e[:, :, :7, :7], c[:, :, :7, :7]], dim=1)


class ShapesAndReductions(nn.Module):
    def __init__(self):
        super().__init__()
        self.bn = nn.BatchNorm2d(4)
        self.fc = nn.Linear(4 * 5 * 5, 7)
        self.prelu = nn.PReLU(4)

    def forward(self, x):
        h = self.bn(F.leaky_relu(x, 0.1))           # BatchNormalization not folded
        h = self.prelu(h)
        h = h.permute(0, 1, 3, 2).contiguous()      # Transpose
        flat = h.view(h.size(0), -1)                 # Shape/Gather/Unsqueeze/Concat/Reshape
        logits = self.fc(torch.clamp(flat, -1.0, 1.0))
        pooled = h.mean(dim=(2, 3))                  # ReduceMean
        soft = F.log_softmax(logits, dim=1)
        return torch.cat([soft, F.elu(pooled), F.softplus(pooled), torch.max(pooled, pooled * 0.5)], dim=1)


class BlockedConvPool(nn.Module):
    """Channel counts that divide by 16 take the blocked layout; a 2x2/2 max
    pool fuses into the convolution, an overlapping 3x3/2 one does not."""
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(16, 32, 3, padding=1)
        self.conv2 = nn.Conv2d(32, 32, 3, padding=1)

    def forward(self, x):
        h = F.max_pool2d(F.relu(self.conv1(x)), 2)
        h = self.conv2(h) + h                        # residual in the blocked layout
        return F.max_pool2d(F.relu(h), 3, stride=2, ceil_mode=True)


class GroupedBlocked(nn.Module):
    """Grouped convolutions whose groups are whole channel blocks run blocked:
    AlexNet's two halves (a stride-2 3x3, a 5x5 with a fused 2x2 max pool),
    three groups of odd block counts with a residual, and eight groups of 8
    channels, which cannot block and stay NCHW."""
    def __init__(self):
        super().__init__()
        self.halves = nn.Conv2d(64, 96, 3, stride=2, padding=1, groups=2)
        self.thirds = nn.Conv2d(96, 96, 1, groups=3)
        self.pooled = nn.Conv2d(96, 64, 5, padding=2, groups=2)
        self.narrow = nn.Conv2d(64, 64, 3, padding=1, groups=8)

    def forward(self, x):
        h = F.relu(self.halves(x))
        h = F.relu(self.thirds(h) + h)
        h = F.max_pool2d(F.relu(self.pooled(h)), 2)
        return self.narrow(h)


class Classifier(nn.Module):
    """Fully connected layers whose inputs are not whole vectors (37, 10) and
    are (64): batches below the 4-row register tile take the one-row loops,
    others the tiled ones, with a shifted last tile when 4 does not divide
    the batch."""
    def __init__(self):
        super().__init__()
        self.fc1, self.fc2, self.fc3 = nn.Linear(37, 64), nn.Linear(64, 10), nn.Linear(10, 3)

    def forward(self, x):
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))


class FirstLayers(nn.Module):
    """First layers, whose 3 input channels do not fill a channel block: a
    blocked convolution reads the NCHW image. ResNet's 7x7/2 with padding 3
    and its 3x3/2 max pool, AlexNet's 11x11/4 with padding 2 and a sigmoid;
    a 45x45 image leaves partial register tiles at the row ends."""
    def __init__(self):
        super().__init__()
        self.resnet = nn.Conv2d(3, 32, 7, stride=2, padding=3)
        self.alexnet = nn.Conv2d(3, 16, 11, stride=4, padding=2)

    def forward(self, x):
        a = F.max_pool2d(F.relu(self.resnet(x)), 3, stride=2, padding=1)
        b = torch.sigmoid(self.alexnet(x))
        return torch.cat([a.flatten(1), b.flatten(1)], dim=1)


class GrayscaleFirstLayer(nn.Module):
    """LeNet's 5x5 on one channel (padding 2, as in the modern variant) with
    16 outputs, so that it runs blocked, and tanh fused into it."""
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 16, 5, padding=2)

    def forward(self, x):
        return F.avg_pool2d(torch.tanh(self.conv(x)), 2)


class TanhSigmoidRange(nn.Module):
    """tanh and sigmoid (computed by cvc without libm) from 1e-4 to past
    their saturation, both signs."""
    def forward(self, x):
        return torch.cat([torch.tanh(x * 8.0), torch.tanh(x * 1e-3), torch.sigmoid(x * 30.0),
                          torch.sigmoid(x * 0.01)], dim=1)


class HardSwishBlock(nn.Module):
    """MobileNetV3's activation as PyTorch exports it at opset 14 (a
    HardSwish node), on both sides of its kinks at -3 and 3."""
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.act = nn.Hardswish()

    def forward(self, x):
        return self.act(self.conv(x) * 4.0)


class DecomposedActivations(nn.Module):
    """Activations ONNX 1.12 has no op for, as PyTorch writes them: SiLU as
    Sigmoid and Mul, GELU as Div, Erf, Add, Mul, Mul, Mish as Softplus, Tanh
    and Mul (cvc recognises each as one op, fused into the convolution before
    it where there is one), and Erf itself; over [-6, 6] and beyond."""
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)

    def forward(self, x):
        h = self.conv(x) * 3.0
        return torch.cat([F.silu(h), F.gelu(h), F.mish(h), torch.erf(h), F.gelu(x * 4.0),
                          F.mish(x * 10.0), F.silu(x * 10.0)], dim=1)


def test():
    torch.manual_seed(0)
    cvclib.check_against_torch("classifier", Classifier(), (37,), batches=(1, 3, 4, 5, 16),
                               tol=cvclib.SHALLOW)
    for name, module, shape in [("slice_gather_split", SliceGatherSplit(), (4, 8, 8)),
                                ("pad_modes", PadModes(), (3, 6, 6)),
                                ("blocked_conv_pool", BlockedConvPool(), (16, 10, 10)),
                                ("grouped_blocked", GroupedBlocked(), (64, 13, 13)),
                                ("shapes_reductions", calibrate_batchnorm(ShapesAndReductions(), (4, 5, 5)),
                                 (4, 5, 5)),
                                ("first_layers", FirstLayers(), (3, 45, 45)),
                                ("grayscale_first_layer", GrayscaleFirstLayer(), (1, 28, 28)),
                                ("tanh_sigmoid_range", TanhSigmoidRange(), (3, 16, 16)),
                                ("decomposed_activations", DecomposedActivations(), (3, 9, 9))]:
        cvclib.check_against_torch(name, module.eval(), shape, batches=(1, 3), opsets=(11, 13),
                                   tol=cvclib.SHALLOW, count_parameters=False)
    cvclib.check_against_torch("hard_swish", HardSwishBlock().eval(), (3, 9, 9), batches=(1, 3),
                               opsets=(14,), tol=cvclib.SHALLOW, count_parameters=False)


if __name__ == "__main__":
    cvclib.main(test)
