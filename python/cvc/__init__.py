"""cvc: an ahead-of-time compiler for convolutional networks, from Python.

    import cvc, numpy as np
    cvc.compile("resnet18.onnx", "resnet18.so", input_shape="input=1,3,224,224")
    model = cvc.load("resnet18.so")
    scores = model(np.zeros((1, 3, 224, 224), np.float32))
    scores = model.run({"input": image})["output"]

Models run through the same C ABI as every other host (the compiled
extension `_cvc`, over cvc.hpp); `compile` runs the `cvc` tool installed
with this package. Data sets, the batch loader, augmentation and training
are libcvc_data and libcvc_train: Dataset, Loader, Augment, train().
"""
import os
import shutil
import subprocess

from ._cvc import ABI_VERSION, Augment, Dataset, Error, Loader, Model, train
from ._location import BIN_DIR_RELATIVE

__all__ = ["ABI_VERSION", "Augment", "Dataset", "Error", "Loader", "Model", "compile", "load",
           "tool", "train"]


def tool(name="cvc"):
    """Path of a cvc tool: the one installed beside this package, else $CVC_BIN_DIR's, else PATH's."""
    here = os.path.dirname(os.path.abspath(__file__))
    candidates = [os.path.normpath(os.path.join(here, BIN_DIR_RELATIVE, name))]
    if os.environ.get("CVC_BIN_DIR"):
        candidates.append(os.path.join(os.environ["CVC_BIN_DIR"], name))
    for path in candidates:
        if os.access(path, os.X_OK):
            return path
    found = shutil.which(name)
    if found:
        return found
    raise Error(f"cannot find the {name} tool (looked in {', '.join(candidates)} and PATH)")


def _arguments(options):
    """Keyword options as cvc's command line: input_shape="x=1,3,32,32" is
    --input-shape x=1,3,32,32; True is a bare flag; a list repeats it."""
    args = []
    for key, value in options.items():
        flag = "--" + key.replace("_", "-")
        values = value if isinstance(value, (list, tuple)) else [value]
        for item in values:
            if item is True:
                args.append(flag)
            elif item is False or item is None:
                continue
            else:
                args.append(f"{flag}={item}")
    return args


def compile(model, output, **options):
    """Compiles an ONNX or .cvm model into a shared library with the cvc tool.

    Options are cvc's (`cvc --help`) as keywords: threads=..., train=True,
    input_shape=["x=1,3,480,640", "x=1,3,640,480"], tuning_db="tuning.db".
    Raises cvc.Error with cvc's message when it refuses the model.
    """
    args = [tool("cvc"), os.fspath(model), "-o", os.fspath(output)] + _arguments(options)
    proc = subprocess.run(args, capture_output=True, text=True, errors="replace")
    if proc.returncode != 0:
        raise Error(proc.stderr.strip() or f"cvc exited with {proc.returncode}")
    return os.fspath(output)


def load(path, threads=0):
    """Loads a model.so with a session of its own; `threads` 0 is one per core."""
    return Model(os.fspath(path), threads)
