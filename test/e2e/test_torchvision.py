#!/usr/bin/python3
"""A torchvision network (random weights, batch-norm statistics calibrated),
exported at opsets 11 and 13 with a dynamic batch, matches PyTorch within
1e-3 abs + 1e-3 rel per element and 1e-3 relative L2 at batches 1 and 3.

    test_torchvision.py resnet18|resnet50|googlenet|squeezenet1_1|alexnet
"""
import sys

import cvclib
import models


def test():
    name = sys.argv[1]
    cvclib.check_against_torch(name, models.torchvision_model(name), (3, 224, 224),
                               batches=(1, 3), opsets=(11, 13), tol=cvclib.DEEP)


if __name__ == "__main__":
    cvclib.main(test)
