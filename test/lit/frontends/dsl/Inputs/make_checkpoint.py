"""Writes a cvc-train checkpoint (format 2, runtime/train/Checkpoint.cpp)
whose tensor table holds only `c.weight` [2, 1, 3, 3] (values 0..17) in a
state "parameters", and a copy cut short:
python3 make_checkpoint.py OUT.ckpt TRUNCATED.ckpt"""
import struct
import sys

import numpy as np


def text(s):
    return struct.pack("<Q", len(s)) + s.encode()


def fnv1a(data):
    h = 1469598103934665603
    for b in data:
        h = ((h ^ b) * 1099511628211) % (1 << 64)
    return h


values = np.arange(18, dtype=np.float32)
body = b"CVCCKPT2" + struct.pack("<4Q", 0, 1, 0, 10) + text("weights")
body += struct.pack("<Q", 1) + text("parameters") + struct.pack("<Q", values.size) + values.tobytes()
body += struct.pack("<Q", 1) + text("c.weight") + struct.pack("<3Q", 0, 0, 4)
body += struct.pack("<4q", 2, 1, 3, 3)
data = body + struct.pack("<Q", fnv1a(body))
open(sys.argv[1], "wb").write(data)
open(sys.argv[2], "wb").write(data[:len(data) // 2])
