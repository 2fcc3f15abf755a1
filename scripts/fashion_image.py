#!/usr/bin/python3
"""Writes Fashion-MNIST test image N as raw float32 [1,1,32,32], normalised the
way models/onnx/make_lenet5_fashion.py trained, and prints its label."""
import gzip
import sys

import numpy as np

CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
           "Sneaker", "Bag", "Ankle boot"]
DATA = "/usr/share/datasets/fashion-mnist"

index, path = int(sys.argv[1]), sys.argv[2]
with gzip.open(f"{DATA}/t10k-images-idx3-ubyte.gz", "rb") as f:
    images = np.frombuffer(f.read(), dtype=np.uint8, offset=16).reshape(-1, 28, 28)
with gzip.open(f"{DATA}/t10k-labels-idx1-ubyte.gz", "rb") as f:
    labels = np.frombuffer(f.read(), dtype=np.uint8, offset=8)
image = (images[index].astype(np.float32) / 255.0 - 0.2860) / 0.3530
np.pad(image, 2).astype(np.float32).tofile(path)
print(f"test image {index}: label {labels[index]} ({CLASSES[labels[index]]})")
