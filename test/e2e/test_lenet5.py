#!/usr/bin/python3
"""Classic LeNet-5 through cvc and the dlopen path matches PyTorch
(1e-4 abs + 1e-4 rel), at opsets 9 and 13, with one compile serving batch 1 and 4."""
import cvclib
from models import LeNet5


def test():
    cvclib.check_against_torch("lenet5", LeNet5(), (1, 32, 32), batches=(1, 4), opsets=(9, 13),
                              tol=cvclib.FIRST_PATH)


if __name__ == "__main__":
    cvclib.main(test)
