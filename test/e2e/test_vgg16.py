#!/usr/bin/python3
"""torchvision's VGG-16 (random weights, 138 M parameters) matches PyTorch
(1e-4 abs + 1e-4 rel) at batch 1."""
import cvclib
from models import vgg16


def test():
    cvclib.check_against_torch("vgg16", vgg16(), (3, 224, 224), batches=(1,),
                              tol=cvclib.FIRST_PATH)


if __name__ == "__main__":
    cvclib.main(test)
