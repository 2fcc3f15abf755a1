"""A folder data set of random colour images of any size, for timing
augmentation on images larger than Fashion-MNIST's 28x28 (where per-call
overhead dominates):

    /usr/bin/python3 bench/augment_images.py /tmp/images224 --size 224 --count 256
    build/bin/cvc-augment bench --data folder:/tmp/images224

Writes COUNT binary PPMs (smoothed noise, so warps and blurs see varied
pixels) split over two class folders, as cvc_dataset_open_folder reads them.
"""
import argparse
import os

import numpy as np


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder")
    parser.add_argument("--size", type=int, default=224, help="height and width in pixels")
    parser.add_argument("--count", type=int, default=256, help="number of images")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.size < 1 or args.count < 2:
        parser.error("--size must be >= 1 and --count >= 2")
    rng = np.random.default_rng(args.seed)
    coarse = max(1, args.size // 8)
    for i in range(args.count):
        folder = os.path.join(args.folder, "class%d" % (i % 2))
        os.makedirs(folder, exist_ok=True)
        # Coarse noise repeated up to the full size, plus fine noise.
        base = rng.integers(0, 192, (coarse, coarse, 3), dtype=np.uint8)
        reps = -(-args.size // coarse)
        image = np.kron(base, np.ones((reps, reps, 1), np.uint8))[:args.size, :args.size]
        image = image + rng.integers(0, 64, image.shape, dtype=np.uint8)
        with open(os.path.join(folder, "%05d.ppm" % i), "wb") as f:
            f.write(b"P6\n%d %d\n255\n" % (args.size, args.size))
            f.write(np.ascontiguousarray(image).tobytes())
    print("wrote %d %dx%d images to %s" % (args.count, args.size, args.size, args.folder))


if __name__ == "__main__":
    main()
