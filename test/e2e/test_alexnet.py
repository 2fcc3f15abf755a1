#!/usr/bin/python3
"""AlexNet with LRN and grouped convolutions matches PyTorch (1e-4 abs + 1e-4 rel)."""
import cvclib
from models import AlexNet


def test():
    cvclib.check_against_torch("alexnet", AlexNet(), (3, 227, 227), batches=(1, 2),
                              tol=cvclib.FIRST_PATH)


if __name__ == "__main__":
    cvclib.main(test)
