#!/usr/bin/python3
"""The ops of segmentation, detection, super-resolution and generation
networks, as exporters write them.

Against PyTorch, exported by torch.onnx at opsets 11, 13 and 17 where the
op exists there, batches 1 and 3 (1e-4 abs + 1e-3 rel):
- a U-Net decoder step (ConvTranspose 2x2/2, skip concat, 3x3 convs) and
  ConvTranspose 3x3/2 with output_padding, grouped;
- a DCGAN generator (ConvTranspose 4x4/2, batch norm, ReLU, Tanh);
- an FPN top-down path with F.interpolate nearest x2 and bilinear
  (align_corners true and false, to a non-integer size), bicubic;
- sub-pixel super-resolution (nn.PixelShuffle) and its inverse;
- LayerNorm over channels with GELU, InstanceNorm, Mish;
- attention-like batched MatMul with softmax, where/comparisons, argmax,
  expand, repeat (Tile), gather with 2-D indices.

Against ONNX Runtime, models written with onnx.helper as other exporters
write them: Resize at opset 10, 11 and 13 in every coordinate mode and
nearest mode with scales or sizes, cubic with exclude_outside, Upsample at
opsets 7 and 9, ConvTranspose with output_shape and auto_pad, DepthToSpace
in both modes, SpaceToDepth."""
import os
import tempfile

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
from onnx import TensorProto, helper

import cvclib
from models import calibrate_batchnorm

TOL = dict(atol=1e-4, rtol=1e-3, rel_l2=None)


class UNetUp(nn.Module):
    def __init__(self):
        super().__init__()
        self.down = nn.Conv2d(16, 32, 3, stride=2, padding=1)
        self.up = nn.ConvTranspose2d(32, 16, 2, stride=2)
        self.up3 = nn.ConvTranspose2d(32, 16, 3, stride=2, padding=1, output_padding=1, groups=2)
        self.fuse = nn.Conv2d(48, 16, 3, padding=1)

    def forward(self, x):
        d = F.relu(self.down(x))
        return F.relu(self.fuse(torch.cat([x, F.relu(self.up(d)), self.up3(d)], 1)))


class DcganGenerator(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            nn.ConvTranspose2d(16, 32, 4, 1, 0, bias=False), nn.BatchNorm2d(32), nn.ReLU(),
            nn.ConvTranspose2d(32, 16, 4, 2, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU(),
            nn.ConvTranspose2d(16, 3, 4, 2, 1, bias=False), nn.Tanh())

    def forward(self, z):
        return self.net(z)


class FpnTopDown(nn.Module):
    def __init__(self):
        super().__init__()
        self.lateral = nn.Conv2d(8, 8, 1)
        self.smooth = nn.Conv2d(8, 8, 3, padding=1)

    def forward(self, x):
        coarse = F.max_pool2d(x, 2)
        up = F.interpolate(coarse, scale_factor=2, mode="nearest")
        fine = self.smooth(self.lateral(x) + up)
        a = F.interpolate(fine, size=(13, 11), mode="bilinear", align_corners=False)
        b = F.interpolate(fine, size=(13, 11), mode="bilinear", align_corners=True)
        c = F.interpolate(coarse, size=(13, 11), mode="bicubic", align_corners=False)
        return torch.cat([a, b, c], 1)


class SubPixel(nn.Module):
    """nn.PixelShuffle (DepthToSpace) after a convolution, then its inverse."""
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(4, 16, 3, padding=1)
        self.shuffle = nn.PixelShuffle(2)
        self.unshuffle = nn.PixelUnshuffle(2)

    def forward(self, x):
        y = self.shuffle(self.conv(x))
        return self.unshuffle(torch.cat([y, y * 0.5], 1))


class NormsAndActivations(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(8, 8, 3, padding=1)
        self.ln = nn.LayerNorm(8)
        self.inorm = nn.InstanceNorm2d(8, affine=True)

    def forward(self, x):
        h = self.conv(x)
        t = self.ln(h.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)   # LayerNorm over channels
        return torch.cat([F.gelu(t), F.mish(self.inorm(h))], 1)


class AttentionLike(nn.Module):
    def __init__(self):
        super().__init__()
        self.q = nn.Conv2d(8, 8, 1)
        self.k = nn.Conv2d(8, 8, 1)
        self.idx = torch.tensor([[0, 2], [5, 7]])

    def forward(self, x):
        n, c, h, w = x.shape
        q = self.q(x).reshape(n, c, h * w)
        k = self.k(x).reshape(n, c, h * w)
        attn = torch.softmax(q.transpose(1, 2) @ k, dim=-1)       # [n, hw, hw]
        y = (x.reshape(n, c, h * w) @ attn).reshape(n, c, h, w)
        gated = torch.where(y > 0, y, 0.1 * y)
        best = torch.argmax(gated, dim=1, keepdim=True).float()
        picked = gated[:, self.idx].reshape(n, 4, h, w)            # Gather, 2-D indices
        wide = torch.cat([gated.mean(1, keepdim=True).expand(n, 4, h, w),
                          gated[:, :2].repeat(1, 2, 1, 1)], 1)
        return torch.cat([gated, best, picked, wide], 1)


CASES = [
    ("unet_up", UNetUp, (16, 10, 12), (11, 13)),
    ("dcgan_generator", DcganGenerator, (16, 1, 1), (11, 13)),
    ("fpn_top_down", FpnTopDown, (8, 10, 12), (11, 13)),
    ("sub_pixel", SubPixel, (4, 6, 6), (11, 13)),
    ("norms_activations", NormsAndActivations, (8, 6, 7), (13, 17)),
    ("attention_like", AttentionLike, (8, 4, 5), (13,)),
]


# --------------------------------------------------------------- onnx.helper models

def resize_model(opset, mode, coordinates=None, nearest=None, scales=None, sizes=None,
                 cubic_a=None, exclude=None, shape=(1, 3, 7, 9)):
    attrs = {"mode": mode}
    if coordinates:
        attrs["coordinate_transformation_mode"] = coordinates
    if nearest:
        attrs["nearest_mode"] = nearest
    if cubic_a is not None:
        attrs["cubic_coeff_a"] = cubic_a
    if exclude is not None:
        attrs["exclude_outside"] = exclude
    inits, inputs = [], ["x"]
    if opset == 10:
        inits.append(helper.make_tensor("scales", TensorProto.FLOAT, [4], scales))
        inputs.append("scales")
    elif opset == 11:
        # roi and scales are required inputs at opset 11: empty tensors
        # when unused, as exporters write them.
        inputs += ["roi", "scales"] + (["sizes"] if sizes else [])
        inits.append(helper.make_tensor("roi", TensorProto.FLOAT, [0], []))
        inits.append(helper.make_tensor("scales", TensorProto.FLOAT, [4 if scales else 0],
                                        scales or []))
        if sizes:
            inits.append(helper.make_tensor("sizes", TensorProto.INT64, [4], sizes))
    else:
        inputs += ["", "scales" if scales else "", "sizes" if sizes else ""]
        if scales:
            inits.append(helper.make_tensor("scales", TensorProto.FLOAT, [4], scales))
        if sizes:
            inits.append(helper.make_tensor("sizes", TensorProto.INT64, [4], sizes))
    node = helper.make_node("Resize", inputs, ["y"], **attrs)
    # `sizes` fixes the batch too: such models take batch 1 only.
    graph = helper.make_graph([node], "resize",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                                             [1 if sizes else "n", *shape[1:]])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", "c", "h", "w"])],
                              inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def single_node(op, opset, shape, attrs, weights=(), out_channels=None):
    inits = [helper.make_tensor(name, TensorProto.FLOAT, list(value.shape),
                                value.flatten().tolist()) for name, value in weights]
    node = helper.make_node(op, ["x", *[name for name, _ in weights]], ["y"], **attrs)
    graph = helper.make_graph([node], op.lower(),
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                                             ["n", *shape[1:]])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", "c", "h", "w"])],
                              inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def helper_models():
    rng = np.random.default_rng(0)
    models = []
    for opset in (11, 13):
        for coordinates in ("half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric"):
            models.append((f"resize{opset}_linear_{coordinates}",
                           resize_model(opset, "linear", coordinates, scales=[1, 1, 2.0, 1.5])))
            models.append((f"resize{opset}_linear_{coordinates}_down",
                           resize_model(opset, "linear", coordinates, sizes=[1, 3, 4, 5])))
        for nearest in ("round_prefer_floor", "round_prefer_ceil", "floor", "ceil"):
            models.append((f"resize{opset}_nearest_{nearest}",
                           resize_model(opset, "nearest", "asymmetric", nearest,
                                        scales=[1, 1, 1.7, 2.3])))
        models.append((f"resize{opset}_nearest_tf_half_pixel",
                       resize_model(opset, "nearest", "tf_half_pixel_for_nn", "round_prefer_ceil",
                                    sizes=[1, 3, 12, 5])))
        models.append((f"resize{opset}_cubic", resize_model(opset, "cubic", "half_pixel",
                                                            scales=[1, 1, 2.0, 2.0])))
        models.append((f"resize{opset}_cubic_exclude", resize_model(
            opset, "cubic", "align_corners", scales=[1, 1, 1.5, 0.7], cubic_a=-0.5, exclude=1)))
    models.append(("resize10_nearest", resize_model(10, "nearest", scales=[1, 1, 2.0, 3.0])))
    models.append(("resize10_linear", resize_model(10, "linear", scales=[1, 1, 2.0, 1.5])))
    up9 = single_node("Upsample", 9, (1, 3, 5, 4), {"mode": "nearest"})
    up9.graph.node[0].input.append("scales")
    up9.graph.initializer.append(helper.make_tensor("scales", TensorProto.FLOAT, [4],
                                                    [1, 1, 2, 3]))
    models.append(("upsample9_nearest", up9))
    models.append(("upsample7_linear", single_node("Upsample", 7, (1, 3, 5, 4),
                                                   {"mode": "linear",
                                                    "scales": [1.0, 1.0, 2.0, 2.0]})))
    w = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)
    models.append(("conv_transpose_output_shape", single_node(
        "ConvTranspose", 13, (1, 4, 5, 6), {"strides": [2, 2], "output_shape": [11, 14]},
        [("w", w)])))
    models.append(("conv_transpose_same_upper", single_node(
        "ConvTranspose", 13, (1, 4, 5, 6), {"strides": [2, 2], "auto_pad": "SAME_UPPER"},
        [("w", w)])))
    models.append(("conv_transpose_dilated", single_node(
        "ConvTranspose", 13, (1, 4, 5, 6), {"strides": [2, 1], "dilations": [2, 2],
                                            "pads": [1, 0, 0, 1]}, [("w", w)])))
    for mode in ("DCR", "CRD"):
        models.append((f"depth_to_space_{mode}", single_node(
            "DepthToSpace", 13, (1, 8, 3, 4), {"blocksize": 2, "mode": mode})))
    models.append(("space_to_depth", single_node("SpaceToDepth", 13, (1, 2, 4, 6),
                                                 {"blocksize": 2})))
    return models


def test():
    torch.manual_seed(0)
    for name, make, shape, opsets in CASES:
        model = calibrate_batchnorm(make().eval(), shape)
        cvclib.check_against_torch(name, model, shape, batches=(1, 3), opsets=opsets, tol=TOL,
                                   count_parameters=False)
    with tempfile.TemporaryDirectory(prefix="cvc-coverage-") as work:
        rng = np.random.default_rng(1)
        for name, model in helper_models():
            path = os.path.join(work, name + ".onnx")
            onnx.checker.check_model(model)
            onnx.save(model, path)
            shape = [d.dim_value or 1 for d in
                     model.graph.input[0].type.tensor_type.shape.dim]
            so = os.path.join(work, name + ".so")
            cvclib.compile_model(path, so)
            batches = (1,) if model.graph.input[0].type.tensor_type.shape.dim[0].dim_value \
                else (1, 3)
            for batch in batches:
                x = rng.standard_normal((batch, *shape[1:])).astype(np.float32)
                ref = cvclib.run_ort(path, x, work)
                outs, _ = cvclib.run_model(so, {"x": x}, work)
                cvclib.compare(f"{name} batch {batch} vs ONNX Runtime", outs["y"], ref, **TOL)


if __name__ == "__main__":
    cvclib.main(test)
