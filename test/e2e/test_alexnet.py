#!/usr/bin/python3
"""AlexNet with LRN and grouped convolutions matches PyTorch (1e-4 abs + 1e-4
rel), with LRN exported as the ONNX operator and, at opsets 11 and 13, as
PyTorch's stock nn.LocalResponseNorm writes it: x^2, a 3-D AveragePool over
a window of channels, an If on a shape test, Pow and Div. cvc folds the If,
imports the branch taken and recognises the whole as one LRN kernel."""
import os
import subprocess
import tempfile

import torch

import cvclib
from models import AlexNet


def lrn_kernels(model, opset, work):
    path = os.path.join(work, f"alexnet_stock_{opset}.onnx")
    cvclib.export(model, torch.randn(1, 3, 227, 227), path, opset=opset)
    proc = subprocess.run([cvclib.tool("cvc"), path, "--summary"], capture_output=True, text=True)
    if proc.returncode != 0:
        raise cvclib.Failure(f"cvc --summary failed:\n{proc.stderr}")
    kernels = [line.split()[1] for line in proc.stdout.splitlines()
               if line.split() and line.split()[0].isdigit()]
    return sum(k == "lrn" for k in kernels), len(kernels)


def test():
    cvclib.check_against_torch("alexnet", AlexNet(), (3, 227, 227), batches=(1, 2),
                               tol=cvclib.FIRST_PATH)
    torch.manual_seed(0)
    stock = AlexNet(stock_lrn=True).eval()
    with tempfile.TemporaryDirectory(prefix="cvc-alexnet-") as work:
        for opset in (11, 13):
            lrns, kernels = lrn_kernels(stock, opset, work)
            print(f"stock LRN, opset {opset}: {lrns} LRN kernels of {kernels}")
            if lrns != 2:
                raise cvclib.Failure(f"opset {opset}: the decomposed LRNs became {lrns} LRN "
                                     "kernels, not 2")
    cvclib.check_against_torch("alexnet_stock_lrn", stock, (3, 227, 227), batches=(1, 2),
                               opsets=(11, 13), tol=cvclib.FIRST_PATH)


if __name__ == "__main__":
    cvclib.main(test)
