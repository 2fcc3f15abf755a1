#!/usr/bin/env python3
"""Writes the seed corpora of the leaf fuzz targets into fuzz/seeds/<target>/.

Each seed is a small valid input of the format (plus a few edge cases), so
that the fuzzers start from files that parse. Run it again after a format
changes; the seeds are committed. onnx_import and cvm take their seeds from
the ONNX backend data and from the repository's own models (scripts/fuzz.sh).
"""
import io
import os
import struct
import sys

import numpy as np
import onnx
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))


def put(target, name, data):
    folder = os.path.join(HERE, "seeds", target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def npy(array):
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def tensor_file():
    # First byte: 0 = .npy, 1 = TensorProto .pb.
    put("tensor_file", "f32.npy", b"\0" + npy(np.arange(6, dtype=np.float32).reshape(2, 3)))
    put("tensor_file", "scalar.npy", b"\0" + npy(np.float32(1.5)))
    put("tensor_file", "f64.npy", b"\0" + npy(np.ones((2, 2), dtype=np.float64)))
    put("tensor_file", "fortran.npy", b"\0" + npy(np.asfortranarray(np.ones((2, 3), np.float32))))
    put("tensor_file", "raw.pb",
        b"\1" + numpy_helper.from_array(np.ones((1, 2, 2), np.float32), "x").SerializeToString())
    typed = onnx.helper.make_tensor("x", onnx.TensorProto.FLOAT, [2, 2], [1.0, 2.0, 3.0, 4.0])
    put("tensor_file", "typed.pb", b"\1" + typed.SerializeToString())
    put("tensor_file", "int64.pb",
        b"\1" + numpy_helper.from_array(np.array([1, 3, 8, 8], np.int64), "s").SerializeToString())


def checkpoint():
    def u64(v):
        return struct.pack("<Q", v)

    def text(s):
        return u64(len(s)) + s.encode()

    # Format 3 adds images per step and ranks after the step; format 2 is
    # still read, so both are seeds.
    for version, run_shape in ((2, b""), (3, u64(64) + u64(2))):
        body = (b"CVCCKPT%d" % version + u64(7) + u64(1) + u64(3) + u64(20) + run_shape +
                text("lenet5"))
        states = [("parameters", np.arange(10, dtype=np.float32)),
                  ("momentum", np.zeros(4, np.float32))]
        body += u64(len(states))
        for name, values in states:
            body += text(name) + u64(values.size) + values.tobytes()
        tensors = [("conv1.weight", 0, 0, [2, 3]), ("conv1.bias", 0, 6, [4]), ("m", 1, 0, [2, 2])]
        body += u64(len(tensors))
        for name, state, offset, shape in tensors:
            body += text(name) + u64(state) + u64(offset) + u64(len(shape))
            body += b"".join(u64(d) for d in shape)
        h = 1469598103934665603
        for c in body:
            h = ((h ^ c) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
        put("checkpoint", "format%d.ckpt" % version, body + u64(h))


def augment_spec():
    specs = ["mirror:p=0.5", "crop:size=8,pad=2", "rotate:deg=10", "elastic:alpha=8,sigma=3",
             "mirror:p=0.5,crop:size=8,pad=4,rotate:deg=10,elastic:alpha=8,sigma=3",
             "pca:std=0.1", "crop:size=8,scale=0.5,ratio=2", "pad:px=2,fill=0.5",
             "shear:deg=10,ydeg=5", "brightness:delta=0.2,contrast:delta=0.2,colorshift:std=0.1",
             ""]
    for i, spec in enumerate(specs):
        put("augment_spec", "spec%02d" % i, spec.encode())


def idx(array, code):
    header = struct.pack(">BBBB", 0, 0, code, array.ndim) + b"".join(
        struct.pack(">I", d) for d in array.shape)
    return header + array.tobytes()


def dataset():
    images = idx(np.arange(2 * 4 * 4, dtype=np.uint8).reshape(2, 4, 4), 0x08)
    labels = idx(np.array([0, 1], np.uint8), 0x08)
    # 0: idx (two bytes of split length), 1: CIFAR-10, 2: image in a class folder.
    put("dataset", "idx", b"\0" + struct.pack(">H", len(images)) + images + labels)
    records = b"".join(bytes([k]) + bytes(range(256)) * 12 for k in (3, 9))
    put("dataset", "cifar10", b"\1" + records)
    put("dataset", "ppm", b"\2\1" + b"P6\n3 2\n255\n" + bytes(range(18)))
    put("dataset", "pgm", b"\2\2" + b"P5\n2 2\n255\n" + bytes([0, 64, 128, 255]))
    put("dataset", "png", b"\2\0" + png(3, 2))


def png(width, height):
    """An 8-bit RGB PNG, written by hand (no imaging module needed)."""
    import zlib

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data +
                struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    rows = b"".join(b"\0" + bytes((x * 40 + y * 7 + c) % 256 for x in range(width) for c in range(3))
                    for y in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def tuning_db():
    key = "x86-64-linux-avx512\t2\t1\tcv.conv2d_blocked(stride=1,pad=1)[1x4x8x8x16]"
    lines = [
        "tuned\t" + key + "\ttile_x=8;tile_co=2\t0.50\t0.40\t0.02\tcvc\t12\t2026-12-01T00:00:00Z",
        "trial\t" + key + "\ttile_x=8;tile_co=2\t0.41\tcvc",
        "trial\t" + key + "\ttile_x=4;tile_co=1\ttimeout\trandom",
    ]
    put("tuning_db", "two-records.db", ("\n".join(lines) + "\n").encode())


if __name__ == "__main__":
    for make in (tensor_file, checkpoint, augment_spec, dataset, tuning_db):
        make()
    sys.exit(0)
