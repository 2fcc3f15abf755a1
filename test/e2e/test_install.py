#!/usr/bin/python3
"""cvc as a user installs it: `cmake --install` into a temporary prefix,
which is then moved (nothing in it may point back at the build tree or at
where it was installed), and every example built and run against that
prefix alone, with no cvc variable in the environment:

- C++ (examples/cpp_host): find_package(cvc), cvc_add_model, cvc.hpp and
  libcvc_data; its scores against PyTorch on Fashion-MNIST test images;
- C (examples/c_host) with pkg-config, and a C program linked with the
  static libcvc_train.a and libcvc_data.a alone, then with the shared ones;
- Python (examples/python and the installed module in this process):
  scores equal the C++ host's bit for bit on the same model.so, wrong
  shapes and dtypes raise ValueError naming the tensor, the GIL is
  released while a model runs, and cvc.train equals the installed
  cvc-train.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np
import torch

import cvclib

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
BUILD = os.path.abspath(os.path.join(cvclib.BIN, ".."))
IMAGES = 200
MEAN, STD = 0.5, 0.25


def run(args, env, **kwargs):
    proc = subprocess.run(args, capture_output=True, text=True, env=env, **kwargs)
    if proc.returncode != 0:
        raise cvclib.Failure(f"{' '.join(map(str, args))} failed ({proc.returncode}):\n"
                             f"{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}")
    return proc.stdout


def elf_files(prefix):
    for folder, _, files in os.walk(prefix):
        for name in files:
            path = os.path.join(folder, name)
            with open(path, "rb") as f:
                if f.read(4) == b"\x7fELF":
                    yield path


def check_self_contained(prefix, installed, env):
    """Nothing installed names the build tree or where it was installed
    (`installed`, before the move to `prefix`)."""
    for path in elf_files(prefix):
        dynamic = run(["readelf", "-d", path], env)
        for line in dynamic.splitlines():
            if ("RPATH" in line or "RUNPATH" in line) and (BUILD in line or installed in line):
                raise cvclib.Failure(f"{path} has a run path into {line.strip()}")
    for folder, _, files in os.walk(prefix):
        for name in files:
            if name.endswith((".cmake", ".pc", ".py")):
                text = open(os.path.join(folder, name)).read()
                for where in (BUILD, ROOT, installed):
                    if where in text:
                        raise cvclib.Failure(f"{name} names {where}")


def reference_scores(model, images):
    """PyTorch on the images as the examples prepare them: normalised, centred."""
    x = torch.from_numpy((images - MEAN) / STD)
    x = torch.nn.functional.pad(x, (2, 2, 2, 2))
    with torch.no_grad():
        return model(x).numpy()


def check_gil_released(cvc, model_path):
    """While one thread runs a model, another Python thread keeps running."""
    model = cvc.load(model_path, threads=1)
    x = np.random.default_rng(0).random((2000, 1, 32, 32), dtype=np.float32)
    windows, stamps, done = [], [], threading.Event()

    def runner():
        for _ in range(10):
            start = time.monotonic()
            model(x)
            windows.append((start, time.monotonic()))
        done.set()

    thread = threading.Thread(target=runner)
    thread.start()
    while not done.is_set():
        stamps.append(time.monotonic())
    thread.join()
    stamps = np.array(stamps)
    # A timestamp in the middle half of a run was taken while the runner
    # was inside cvc_session_run: impossible if the GIL were held there.
    inside = sum(bool(((stamps > a + (b - a) / 4) & (stamps < b - (b - a) / 4)).any())
                 for a, b in windows)
    print(f"  GIL: another thread ran during {inside} of {len(windows)} model runs")
    if inside < len(windows) // 2:
        raise cvclib.Failure("the GIL is held while a model runs")


def check_python(prefix, site, work, net, images, labels, cpp_scores, env):
    sys.path.insert(0, site)
    import cvc
    if not cvc.__file__.startswith(site):
        raise cvclib.Failure(f"imported {cvc.__file__}, not the installed module")
    if not cvc.tool().startswith(prefix):
        raise cvclib.Failure(f"cvc.tool() is {cvc.tool()}, not the installed cvc")

    # The C++ host's model.so: the same bits through Python, in the same batches.
    so = os.path.join(work, "cpp-build", "classifier.so")
    model = cvc.load(so)
    (name, shape), = model.inputs
    if shape != (None, 1, 32, 32):
        raise cvclib.Failure(f"input shape {shape}")
    padded = np.pad((images - MEAN) / STD, ((0, 0), (0, 0), (2, 2), (2, 2))).astype(np.float32)
    scores = np.concatenate([model.run({name: padded[i:i + 100]})[model.outputs[0][0]]
                             for i in range(0, IMAGES, 100)])
    if not np.array_equal(scores, cpp_scores):
        raise cvclib.Failure(f"Python and the C++ host differ by {np.abs(scores - cpp_scores).max()}")
    print("  Python equals the C++ host bit for bit on the same model.so")
    # Zero-copy input, positional call, non-contiguous input made contiguous.
    if not np.array_equal(model(padded[:100]), scores[:100]):
        raise cvclib.Failure("model(x) differs from model.run")
    strided = np.asfortranarray(padded[:100])
    if not np.array_equal(model(strided), scores[:100]):
        raise cvclib.Failure("a Fortran-ordered input gives other scores")

    for bad, words in ((padded[:4].astype(np.float64), ["'input'", "float64"]),
                       (padded[:4, :, :28], ["'input'", "(4, 1, 28, 32)"]),
                       ({"images": padded[:4]}, ["'input'", "missing"])):
        try:
            model.run(bad) if isinstance(bad, dict) else model(bad)
        except ValueError as e:
            if not all(w in str(e) for w in words):
                raise cvclib.Failure(f"the message does not name the tensor: {e}")
            print(f"  refused: {e}")
        else:
            raise cvclib.Failure("a wrong input was accepted")

    # Two threads, two sessions: both right.
    models = [cvc.load(so, threads=1) for _ in range(2)]
    results = [None, None]

    def classify(k):
        results[k] = np.concatenate([models[k](padded[i:i + 100]) for i in range(0, IMAGES, 100)])

    threads = [threading.Thread(target=classify, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if not all(np.array_equal(r, scores) for r in results):
        raise cvclib.Failure("two threads running two sessions got other scores")
    check_gil_released(cvc, so)

    # Several shape variants: each run's outputs take its variant's shape.
    conv = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3, padding=1), torch.nn.ReLU()).eval()
    variants_onnx = os.path.join(work, "variants.onnx")
    torch.onnx.export(conv, torch.randn(1, 3, 16, 16), variants_onnx, input_names=["x"],
                      output_names=["y"], dynamic_axes={"x": {2: "h", 3: "w"},
                                                        "y": {2: "h", 3: "w"}})
    variants = cvc.load(cvc.compile(variants_onnx, os.path.join(work, "variants.so"),
                                    input_shape=["x=1,3,16,16", "x=1,3,8,24"]))
    for shape in ((1, 3, 16, 16), (1, 3, 8, 24)):
        x = np.random.default_rng(1).random(shape, dtype=np.float32)
        with torch.no_grad():
            cvclib.compare(f"variant {shape}", variants(x), conv(torch.from_numpy(x)).numpy(),
                           **cvclib.SHALLOW)
    try:
        variants(np.zeros((1, 3, 9, 9), np.float32))
    except ValueError as e:
        print(f"  refused: {e}")
    else:
        raise cvclib.Failure("a shape no variant takes was accepted")

    # The data library through Python: the same images the C++ host read.
    dataset = cvc.Dataset("fashion-mnist:test")
    got, got_labels = dataset.read(0, IMAGES)
    if not (np.array_equal(got, images) and np.array_equal(got_labels, labels)):
        raise cvclib.Failure("cvc.Dataset read other images")
    loader = cvc.Loader(dataset.subset(per_class=30), batch_size=64, seed=3,
                        augment=cvc.Augment("mirror:p=0.5"))
    seen = sum(len(batch_labels) for _, batch_labels in loader.epoch(1))
    if seen != 300 or len(loader) != 5:
        raise cvclib.Failure(f"the loader gave {seen} images in {len(loader)} batches")

    # cvc.compile and cvc.train against the installed cvc-train.
    torch.manual_seed(1)
    small = torch.nn.Sequential(torch.nn.Conv2d(1, 6, 5, padding=2), torch.nn.ReLU(),
                                torch.nn.MaxPool2d(2), torch.nn.Flatten(),
                                torch.nn.Linear(6 * 14 * 14, 10))
    onnx_path = cvclib.export(small, torch.randn(1, 1, 28, 28), os.path.join(work, "small.onnx"))
    train_so = cvc.compile(onnx_path, os.path.join(work, "train.so"), train=True,
                           train_batch=32, momentum=0.9)
    common = dict(train_data="fashion-mnist:train", test_data="fashion-mnist:test", epochs=1,
                  max_batches_per_epoch=30, max_test_images=500, learning_rate=0.02,
                  threads=1, mean=MEAN, std=STD)
    result = cvc.train(train_so, **common)
    run([os.path.join(prefix, "bin", "cvc-train"), train_so, "--data", "fashion-mnist:train",
         "--test", "fashion-mnist:test", "--epochs", "1", "--max-batches", "30", "--max-test",
         "500", "--lr", "0.02", "--threads", "1", "--mean", str(MEAN), "--std", str(STD),
         "--metrics", os.path.join(work, "metrics.jsonl")], env)
    tool = json.loads(open(os.path.join(work, "metrics.jsonl")).read().splitlines()[-1])
    print(f"  cvc.train: {result['steps']} steps, loss {result['last_loss']:.6f}, "
          f"top-1 {result['test_top1']:.4f}; cvc-train: loss {tool['train_loss']:.6f}, "
          f"top-1 {tool['test_top1']:.4f}")
    if (result["steps"] != 30 or abs(result["last_loss"] - tool["train_loss"]) > 1e-6 or
            result["test_top1"] != tool["test_top1"]):
        raise cvclib.Failure("cvc.train and cvc-train disagree")
    try:
        cvc.compile(os.path.join(work, "missing.onnx"), os.path.join(work, "x.so"))
    except cvc.Error as e:
        if "missing.onnx" not in str(e):
            raise cvclib.Failure(f"cvc.compile's error does not name the file: {e}")
    else:
        raise cvclib.Failure("cvc.compile accepted a missing file")


def test():
    with tempfile.TemporaryDirectory(prefix="cvc-install-") as work:
        installed = os.path.join(work, "installed")
        run(["cmake", "--install", BUILD, "--prefix", installed], os.environ)
        # Moved after installing: the prefix must find itself.
        prefix = os.path.join(work, "moved")
        shutil.move(installed, prefix)
        env = {"PATH": "/usr/bin:/bin", "HOME": os.environ.get("HOME", "/root"),
               "PKG_CONFIG_PATH": os.path.join(prefix, "lib", "pkgconfig")}
        check_self_contained(prefix, installed, env)
        site = [os.path.join(folder) for folder, dirs, _ in os.walk(prefix)
                if folder.endswith("dist-packages")][0]

        torch.manual_seed(0)
        net = torch.nn.Sequential(
            torch.nn.Conv2d(1, 6, 5), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
            torch.nn.Conv2d(6, 16, 5), torch.nn.BatchNorm2d(16), torch.nn.ReLU(),
            torch.nn.MaxPool2d(2), torch.nn.Flatten(), torch.nn.Linear(400, 84), torch.nn.ReLU(),
            torch.nn.Linear(84, 10)).eval()
        with torch.no_grad():
            net[4].running_mean.uniform_(-0.5, 0.5)
            net[4].running_var.uniform_(0.5, 2.0)
        onnx_path = cvclib.export(net, torch.randn(1, 1, 32, 32), os.path.join(work, "net.onnx"))

        # C++: find_package(cvc) + cvc_add_model, against the moved prefix.
        cpp_build = os.path.join(work, "cpp-build")
        run(["cmake", "-S", os.path.join(ROOT, "examples", "cpp_host"), "-B", cpp_build,
             "-G", "Ninja", f"-DCMAKE_PREFIX_PATH={prefix}", f"-DCVC_EXAMPLE_MODEL={onnx_path}"],
            env)
        run(["cmake", "--build", cpp_build], env)
        scores_path = os.path.join(work, "cpp.f32")
        out = run([os.path.join(cpp_build, "classify"), "--count", str(IMAGES), "--mean", str(MEAN),
                   "--std", str(STD), "--scores", scores_path], env)
        print("  C++: " + out.strip())
        cpp_scores = np.fromfile(scores_path, np.float32).reshape(IMAGES, 10)

        sys.path.insert(0, site)
        import cvc
        images, labels = cvc.Dataset("fashion-mnist:test").read(0, IMAGES)
        reference = reference_scores(net, images)
        cvclib.compare("C++ host vs PyTorch", cpp_scores, reference, **cvclib.SHALLOW)

        # C with pkg-config: the example host on the same model.so.
        flags = run(["pkg-config", "--cflags", "--libs", "cvc"], env).split()
        host = os.path.join(work, "c-host")
        run(["cc", os.path.join(ROOT, "examples", "c_host", "main.c"), *flags, "-o", host], env)
        image = os.path.join(work, "image.f32")
        padded = np.pad((images[7:8] - MEAN) / STD, ((0, 0), (0, 0), (2, 2), (2, 2)))
        padded.astype(np.float32).tofile(image)
        out = run([host, os.path.join(cpp_build, "classifier.so"), image], env)
        top = [line for line in out.splitlines() if line.startswith("top-5:")][0].split()
        expected = int(np.argmax(reference[7]))
        print(f"  C host: {' '.join(top[:3])}, PyTorch's top-1 {expected}")
        if int(top[1]) != expected or abs(float(top[2].strip("()")) - reference[7].max()) > 1e-3:
            raise cvclib.Failure("the C host's top-1 differs from PyTorch's")

        # C with the static libraries alone: libcvc_train.a and libcvc_data.a.
        source = os.path.join(work, "static.c")
        open(source, "w").write(
            '#include <cvc/train.h>\n#include <cvc/data.h>\n#include <stdio.h>\n'
            'int main(void) {\n  cvc_dataset *d = NULL;\n'
            '  cvc_status s = cvc_dataset_open("fashion-mnist:test", &d);\n'
            '  if (s) { puts(cvc_status_message(s)); return 1; }\n'
            '  cvc_train_options o; cvc_train_options_init(&o);\n'
            '  s = cvc_train_run("/nonexistent.so", &o, NULL);\n'
            '  printf("%zu images; %s\\n", cvc_dataset_count(d), cvc_status_message(s));\n'
            '  cvc_status_free(s); cvc_dataset_free(d); return 0;\n}\n')
        libs = [flag for flag in run(["pkg-config", "--static", "--libs", "cvc-train"], env).split()
                if flag not in ("-lcvc_train", "-lcvc_data")]
        lib = os.path.join(prefix, "lib")
        static_host = os.path.join(work, "static-host")
        run(["cc", source, *run(["pkg-config", "--cflags", "cvc-train"], env).split(),
             os.path.join(lib, "libcvc_train.a"), os.path.join(lib, "libcvc_data.a"), *libs,
             "-o", static_host], env)
        needed = run(["readelf", "-d", static_host], env)
        if "libcvc" in needed:
            raise cvclib.Failure("the static host needs a cvc shared library")
        out = run([static_host], env).strip()
        print(f"  static C host: {out}")
        if not out.startswith("10000 images;") or "nonexistent.so" not in out:
            raise cvclib.Failure("the static libraries did not work")

        # The same program on the shared libraries, through pkg-config.
        shared_host = os.path.join(work, "shared-host")
        run(["cc", source, *run(["pkg-config", "--cflags", "--libs", "cvc-train"], env).split(),
             f"-Wl,-rpath,{lib}", "-o", shared_host], env)
        if "libcvc_train.so" not in run(["readelf", "-d", shared_host], env):
            raise cvclib.Failure("the shared host does not use libcvc_train.so")
        if run([shared_host], env).strip() != out:
            raise cvclib.Failure("the shared libraries answer otherwise than the static ones")

        # Python: the example script, then the module in this process.
        script_scores = os.path.join(work, "python.npy")
        py_env = dict(env, PYTHONPATH=site)
        out = run(["/usr/bin/python3", os.path.join(ROOT, "examples", "python", "classify.py"),
                   "--model", onnx_path, "--count", str(IMAGES), "--mean", str(MEAN), "--std",
                   str(STD), "--scores", script_scores], py_env)
        print("  Python: " + out.strip())
        if not np.array_equal(np.load(script_scores), cpp_scores):
            raise cvclib.Failure("the Python example's scores differ from the C++ host's")
        for key in [k for k in os.environ if k.startswith("CVC_")]:
            del os.environ[key]
        check_python(prefix, site, work, net, images, labels, cpp_scores, env)


if __name__ == "__main__":
    cvclib.main(test)
