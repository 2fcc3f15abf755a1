#!/usr/bin/python3
"""Compiles a model with cvc, loads it and classifies Fashion-MNIST with it.

    classify.py [--model model.onnx] [--count N] [--batch B] [--scores out.npy]

The default model is the bundled LeNet-5 trained on Fashion-MNIST; images
are normalised as it was trained and centred in its 32 x 32 input.
"""
import argparse
import os
import tempfile

import numpy as np

import cvc

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=os.path.join(HERE, "..", "..", "models", "onnx",
                                                        "lenet5_fashion.onnx"))
    parser.add_argument("--data", default="fashion-mnist:test")
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--mean", type=float, default=0.2860)
    parser.add_argument("--std", type=float, default=0.3530)
    parser.add_argument("--scores", help="write the scores here (.npy)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as work:
        model = cvc.load(cvc.compile(args.model, os.path.join(work, "model.so")))
    (name, (_, channels, height, width)), = model.inputs
    dataset = cvc.Dataset(args.data)
    count = min(args.count, len(dataset))
    images, labels = dataset.read(0, count)
    c, h, w = dataset.image_shape
    top, left = (height - h) // 2, (width - w) // 2
    padded = np.zeros((count, channels, height, width), np.float32)
    padded[:, :, top:top + h, left:left + w] = (images - args.mean) / args.std
    scores = np.concatenate([model.run({name: padded[i:i + args.batch]})[model.outputs[0][0]]
                             for i in range(0, count, args.batch)])
    accuracy = (scores.argmax(1) == labels).mean()
    print(f"{model.name}: {count} images of {args.data}, top-1 {100 * accuracy:.2f}%")
    if args.scores:
        np.save(args.scores, scores)


if __name__ == "__main__":
    main()
