#!/usr/bin/python3
"""Each augmentation kernel of libcvc_data against torchvision's functional
transforms (torchvision 0.14, tensors, bilinear) with the same parameters,
through the C API's explicit-parameter entry points.

Tolerance: 1e-5 absolute per element on images in [0,1] (measured errors
are printed; they come from torchvision building its sampling grid in
float32). hflip is exact. Where torchvision has no counterpart (PCA
lighting, the eigen-solver) the reference is NumPy.
"""
import sys

import numpy as np
import torch
import torchvision.transforms.functional as F
from torchvision.transforms import InterpolationMode

import cvcdata
from cvclib import Checks, tool

BILINEAR = InterpolationMode.BILINEAR
TOL = 1e-5
rng = np.random.default_rng(0)
checks = Checks()


def image(c, h, w):
    return rng.random((c, h, w), dtype=np.float32)


def torch_ref(fn, img, *args, **kwargs):
    return fn(torch.from_numpy(img)[None], *args, **kwargs)[0].numpy()




def test_hflip():
    img = image(3, 17, 23)
    checks.close(0, "hflip", cvcdata.hflip(img), torch_ref(F.hflip, img))


def test_resized_crop():
    img = image(3, 32, 30)
    for top, left, h, w, oh, ow in [(2, 3, 20, 17, 32, 32), (0, 0, 32, 30, 13, 11), (5, 1, 24, 24, 24, 24),
                                    (4, 6, 9, 21, 28, 28)]:
        ref = torch_ref(F.resized_crop, img, top, left, h, w, [oh, ow], BILINEAR, antialias=False)
        checks.close(TOL, f"resized_crop box ({top},{left}) {h}x{w} -> {oh}x{ow}",
                cvcdata.resized_crop(img, top, left, h, w, oh, ow), ref)


def test_rotate():
    img = image(3, 28, 32)
    for angle in [0.0, 7.5, -30.0, 90.0, 143.0]:
        # torchvision's rotate(angle) is affine(-angle): counter-clockwise.
        ours = cvcdata.affine(img, cvcdata.affine_matrix(-angle, 0, 0))
        checks.close(TOL, f"rotate {angle} deg", ours, torch_ref(F.rotate, img, angle, BILINEAR))
    # With a fill, each tap outside the image reads the fill value: torchvision's
    # zero-padded sample plus (1 - coverage) * fill, where coverage is the
    # sampled ones image. (torchvision itself multiplies the sample by the
    # coverage again, which darkens the border; cvc does not.)
    angle, fill = 25.0, 0.5
    zero = torch_ref(F.rotate, img, angle, BILINEAR)
    coverage = torch_ref(F.rotate, np.ones_like(img), angle, BILINEAR)
    checks.close(TOL, f"rotate {angle} deg, fill {fill}", cvcdata.affine(img, cvcdata.affine_matrix(-angle, 0, 0), fill),
            zero + (1 - coverage) * fill)


def test_shear_and_affine():
    img = image(1, 28, 28)
    for shear in [(10.0, 0.0), (-20.0, 0.0), (0.0, 15.0), (12.0, -8.0)]:
        ref = torch_ref(F.affine, img, angle=0.0, translate=[0, 0], scale=1.0, shear=list(shear),
                        interpolation=BILINEAR)
        checks.close(TOL, f"shear {shear}", cvcdata.affine(img, cvcdata.affine_matrix(0, *shear)), ref)
    ref = torch_ref(F.affine, img, angle=20.0, translate=[2, -3], scale=1.2, shear=[5.0, 3.0],
                    interpolation=BILINEAR)
    checks.close(TOL, "affine angle 20, translate (2,-3), scale 1.2, shear (5,3)",
            cvcdata.affine(img, cvcdata.affine_matrix(20, 5, 3, 1.2, 2, -3)), ref)


def test_elastic_displacement():
    img = image(3, 24, 20)
    h, w = img.shape[1:]
    # torchvision's displacement is in grid units ([-1, 1] spans the image).
    normalised = (rng.standard_normal((1, h, w, 2)) * 0.1).astype(np.float32)
    ref = F.elastic_transform(torch.from_numpy(img), torch.from_numpy(normalised), BILINEAR).numpy()
    pixels = normalised[0] * np.array([w / 2, h / 2], np.float32)
    checks.close(TOL, "elastic displacement field", cvcdata.displace(img, pixels), ref)


def test_brightness_contrast():
    for c in (1, 3):
        img = image(c, 16, 18)
        for f in (0.6, 1.4):
            checks.close(TOL, f"adjust_brightness {f}, {c} channel(s)",
                    cvcdata.scale_offset(img, [f] * c, [0] * c), torch_ref(F.adjust_brightness, img, f))
            mean = cvcdata.mean_grey(img)
            checks.close(TOL, f"adjust_contrast {f}, {c} channel(s)",
                    cvcdata.scale_offset(img, [f] * c, [(1 - f) * mean] * c),
                    torch_ref(F.adjust_contrast, img, f))


def test_pca_lighting():
    m = rng.standard_normal((3, 3))
    cov = m @ m.T
    values, vectors = cvcdata.eigen3(cov)
    ref_values, ref_vectors = np.linalg.eigh(cov)
    err_values = np.abs(values - ref_values[::-1]).max()
    # Eigenvectors up to sign: compare |<ours, ref>| with 1.
    err_vectors = np.abs(np.abs(np.sum(vectors * ref_vectors[:, ::-1].T, axis=1)) - 1).max()
    checks.record("eigen3 vs numpy.linalg.eigh", max(err_values, err_vectors) < 1e-10,
                  f"eigenvalue error {err_values:.1e}, eigenvector error {err_vectors:.1e}")

    # The offset added to every pixel must be sum_i a_i l_i v_i with a_i ~ N(0, std).
    std = 0.1
    lam = np.array([0.05, 0.01, 0.002], np.float32)
    vec = np.linalg.qr(rng.standard_normal((3, 3)))[0].T.astype(np.float32)
    p = cvcdata.Pipeline(f"pca:std={std}", pca=(lam, vec.reshape(-1)))
    img = image(3, 8, 8)
    alphas = []
    for index in range(2000):
        offset = p.apply(img, 1, 0, index) - img
        constant = float(np.abs(offset - offset[:, :1, :1]).max())
        if constant > 1e-6:
            checks.record(f"pca offset of sample {index} constant over pixels", False, f"{constant:.1e}")
        alphas.append((vec @ offset[:, 0, 0]) / lam)
    measured = np.std(np.array(alphas), axis=0)
    ok = np.all(np.abs(measured / std - 1) < 0.1)
    checks.record("pca lighting", ok, f"per-pixel offset constant, alpha std per component "
                  f"{np.round(measured, 4).tolist()} (expected {std})")


def test_dataset_pca(tmp):
    # A synthetic CIFAR-10 batch: the data set's RGB covariance against NumPy's.
    records = rng.integers(0, 256, (40, 3073), dtype=np.uint8)
    records[:, 0] %= 10
    records[:, 1 + 1024:1 + 2048] = records[:, 1:1025] // 2 + records[:, 1 + 1024:1 + 2048] // 4
    path = f"{tmp}/data_batch_1.bin"
    records.tofile(path)
    values, vectors = cvcdata.dataset_rgb_pca(f"cifar10:{path}")
    pixels = (records[:, 1:].reshape(40, 3, 1024).transpose(0, 2, 1).reshape(-1, 3) / 255.0)
    ref_values = np.linalg.eigvalsh(np.cov(pixels.T, bias=True))[::-1]
    err = float(np.abs(values - ref_values).max() / ref_values[0])
    ok = err < 1e-4
    checks.record("cvc_dataset_rgb_pca vs numpy", ok,
                  f"eigenvalues {np.round(values, 5).tolist()}, relative error {err:.1e}")


def test_cli(tmp):
    """cvc-augment grid writes a readable image; bad input is one clear line and exit 1."""
    import subprocess
    from PIL import Image
    exe = tool("cvc-augment")
    out = f"{tmp}/grid.png"
    run = subprocess.run([exe, "grid", "--data", "fashion-mnist:test", "--augment",
                          "mirror,crop:size=24,pad=4,rotate:deg=10", "--count", "4", "--images", "2",
                          "-o", out], capture_output=True, text=True)
    size = Image.open(out).size if run.returncode == 0 else None
    # 5 columns and 2 rows of 84-pixel cells (28 pixels zoomed 3x) with 2-pixel gaps.
    ok = size == (2 + 5 * 86, 2 + 2 * 86)
    checks.record("cvc-augment grid", ok, str(size))
    for args, expected in [
        (["grid", "--data", "fashion-mnist", "--augment", "rotate:deg=x", "-o", out], "rotate: deg expects a number"),
        (["grid", "--data", f"idx:{tmp}/none,{tmp}/none", "--augment", "mirror", "-o", out], "none: cannot open"),
        (["grid", "--data", "fashion-mnist", "--augment", "mirror", "-o", f"{tmp}/grid.gif"], "unknown image type"),
        (["bench", "--data", "fashion-mnist", "--augment", "crop:size=64"], "crop: size 64 exceeds"),
    ]:
        run = subprocess.run([exe] + args, capture_output=True, text=True)
        ok = run.returncode == 1 and expected in run.stderr and "Traceback" not in run.stderr
        checks.record(f"cvc-augment {' '.join(args[:5])}", ok, run.stderr.strip())


def main():
    import tempfile
    torch.set_num_threads(1)
    test_hflip()
    test_resized_crop()
    test_rotate()
    test_shear_and_affine()
    test_elastic_displacement()
    test_brightness_contrast()
    test_pca_lighting()
    with tempfile.TemporaryDirectory() as tmp:
        test_dataset_pca(tmp)
        test_cli(tmp)


if __name__ == "__main__":
    checks.exit("all augmentation kernels match", main)
