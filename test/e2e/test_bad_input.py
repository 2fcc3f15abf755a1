#!/usr/bin/python3
"""Bad input gets a clear error, a non-zero exit and no output file:
truncated and random files, an unsupported op or attribute, an unknown shape,
and a wrongly shaped input at run time."""
import atexit
import os
import shutil
import subprocess
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

import cvclib
from models import LeNet5


def expect_failure(args, out_path, *needles):
    proc = subprocess.run(args, capture_output=True, text=True)
    message = proc.stderr.strip()
    print(f"  {os.path.basename(args[1]) if len(args) > 1 else args[0]}: exit {proc.returncode}: "
          f"{message.splitlines()[0] if message else '(no message)'}")
    if proc.returncode == 0:
        raise cvclib.Failure(f"{args} succeeded but should have failed")
    if proc.returncode < 0:
        raise cvclib.Failure(f"{args} crashed with signal {-proc.returncode}")
    for needle in ("error",) + needles:
        if needle not in message:
            raise cvclib.Failure(f"the message does not mention '{needle}':\n{message}")
    if out_path and os.path.exists(out_path):
        raise cvclib.Failure(f"{out_path} was left behind")
    leftovers = [f for f in os.listdir(os.path.dirname(out_path) or ".")
                 if ".partial" in f] if out_path else []
    if leftovers:
        raise cvclib.Failure(f"partial files left behind: {leftovers}")


def conv_model(work, name, op_node, input_shape=("N", 1, 8, 8)):
    w = numpy_helper.from_array(np.ones((2, 1, 3, 3), np.float32), "w")
    graph = helper.make_graph(
        [helper.make_node("Conv", ["x", "w"], ["c"], name="conv1"), op_node],
        "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(input_shape))],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["d0", "d1", "d2", "d3"])], [w])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    path = os.path.join(work, name + ".onnx")
    onnx.save(model, path)
    return path


def symbol_file_offset(path, symbol):
    """Where `symbol` of an ELF file lies in the file: its address, less its
    section's address, plus the section's file offset (readelf, binutils)."""
    symbols = subprocess.run(["readelf", "-sW", path], capture_output=True, text=True).stdout
    sections = subprocess.run(["readelf", "-SW", path], capture_output=True, text=True).stdout
    for line in symbols.splitlines():
        fields = line.split()
        if len(fields) >= 8 and fields[7] == symbol and fields[6].isdigit():
            address, index = int(fields[1], 16), int(fields[6])
            for row in sections.splitlines():
                cells = row.replace("[ ", "[").split()
                if cells and cells[0] == f"[{index}]":
                    return address - int(cells[3], 16) + int(cells[4], 16)
    raise cvclib.Failure(f"{path} has no symbol {symbol}")


def damaged_copy(path, into, offset):
    data = bytearray(open(path, "rb").read())
    data[offset] ^= 0x10
    open(into, "wb").write(data)
    return into


def kill_mid_compile(cvc, model, work):
    """cvc killed (SIGKILL) at moments spread over a compile, then run to the
    end: the output is absent or whole after every kill, and the run that
    finishes removes the hidden partial files and the build folders (in
    $TMPDIR) the killed ones left."""
    import random
    import signal
    import time
    out = os.path.join(work, "killed.so")
    tmp = os.path.join(work, "tmp")
    os.mkdir(tmp)
    env = dict(os.environ, TMPDIR=tmp)
    start = time.time()
    subprocess.run([cvc, model, "-o", out], check=True, capture_output=True)
    whole = time.time() - start
    os.remove(out)
    rng = random.Random(20)
    left = 0
    for kill in range(6):
        proc = subprocess.Popen([cvc, model, "-o", out], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, env=env)
        time.sleep(rng.uniform(0.0, whole))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if os.path.exists(out):
            if proc.returncode != 0:
                # Killed after the rename: the file must be the whole library.
                subprocess.run([cvclib.tool("cvc-run"), out], check=True, capture_output=True)
            os.remove(out)
        left += len([f for f in os.listdir(work) if f.startswith(".killed.so.partial-")])
    folders = len(os.listdir(tmp))
    # The C compiler a killed cvc started to link finishes on its own (a
    # SIGKILL reaches cvc alone); wait for it, or it could write its
    # partial file again after the next run removed it.
    deadline = time.time() + 60
    while time.time() < deadline and subprocess.run(
            ["pgrep", "-f", "killed.so.partial-"], capture_output=True).returncode == 0:
        time.sleep(0.1)
    subprocess.run([cvc, model, "-o", out], check=True, capture_output=True, env=env)
    stale = [f for f in os.listdir(work) if ".partial" in f]
    print(f"  6 kills over a {whole:.1f} s compile: {left} partial files and {folders} build "
          f"folders seen after them, {len(stale)} and {len(os.listdir(tmp))} left after the "
          "next run")
    if stale:
        raise cvclib.Failure(f"partial files outlived the next run: {stale}")
    if os.listdir(tmp):
        raise cvclib.Failure(f"build folders outlived the next run: {os.listdir(tmp)}")


def test():
    cvc = cvclib.tool("cvc")
    with tempfile.TemporaryDirectory(prefix="cvc-bad-") as work:
        out = os.path.join(work, "model.so")
        good = cvclib.export(LeNet5(), __import__("torch").randn(1, 1, 32, 32),
                             os.path.join(work, "lenet.onnx"))
        data = open(good, "rb").read()

        truncated = os.path.join(work, "truncated.onnx")
        open(truncated, "wb").write(data[: len(data) // 2])
        expect_failure([cvc, truncated, "-o", out], out, "truncated.onnx")

        garbage = os.path.join(work, "random.onnx")
        open(garbage, "wb").write(np.random.default_rng(1).bytes(4096))
        expect_failure([cvc, garbage, "-o", out], out, "random.onnx")

        empty = os.path.join(work, "empty.onnx")
        open(empty, "wb").close()
        expect_failure([cvc, empty, "-o", out], out, "empty")

        expect_failure([cvc, os.path.join(work, "missing.onnx"), "-o", out], out, "missing.onnx")

        unsupported = conv_model(work, "unsupported_op",
                                 helper.make_node("Det", ["c"], ["y"], name="determinant"))
        expect_failure([cvc, unsupported, "-o", out], out, "node 'determinant' (Det)",
                       "unsupported operator")

        bad_attr = conv_model(work, "unsupported_attr",
                              helper.make_node("MaxPool", ["c"], ["y"], name="pool1",
                                               kernel_shape=[2, 2], dilations=[2, 2]))
        expect_failure([cvc, bad_attr, "-o", out], out, "pool1", "MaxPool", "dilat")

        symbolic = conv_model(work, "symbolic",
                              helper.make_node("Relu", ["c"], ["y"], name="relu1"),
                              input_shape=("N", 1, "H", "W"))
        expect_failure([cvc, symbolic, "-o", out], out, "--input-shape", "'H'")

        # Hostile numbers are refused before anything reads or allocates by them
        # (issue 20's crashes: a zero stride reached ONNX's shape inference and
        # died of SIGFPE; dims claiming 10^11 elements ended in an abort).
        def hostile(name, mutate):
            m = onnx.load(good)
            mutate(m)
            path = os.path.join(work, name + ".onnx")
            onnx.save(m, path)
            return path

        def conv_attr(m, key, values):
            node = next(n for n in m.graph.node if n.op_type == "Conv")
            for a in node.attribute:
                if a.name == key:
                    del a.ints[:]
                    a.ints.extend(values)
            return node

        for key, values, needle in (("strides", [0, 1], "'strides' holds 0"),
                                    ("pads", [-1, 0, 0, 0], "'pads' holds -1"),
                                    ("kernel_shape", [1 << 62, 5], "'kernel_shape' holds")):
            path = hostile("attr_" + key, lambda m: conv_attr(m, key, values))
            expect_failure([cvc, path, "-o", out], out, os.path.basename(path), "(Conv)", needle)

        # A node named with terminal escape sequences (clear the screen, set
        # the window title, a C1 CSI) is named in the message with them
        # spelled out, never sent to the terminal.
        def escape_name(m):
            node = next(n for n in m.graph.node if n.op_type == "Conv")
            node.name = "evil\x1b[2J\x1b]0;pwned\x07\u009b31m"
            conv_attr(m, "strides", [0, 1])
        path = hostile("escapes", escape_name)
        expect_failure([cvc, path, "-o", out], out, "evil\\x1b[2J\\x1b]0;pwned\\x07\\u009b31m")
        proc = subprocess.run([cvc, path, "-o", out], capture_output=True)
        control = [c for c in proc.stderr if (c < 0x20 and c not in (0x0a, 0x09)) or c == 0x7f]
        if control or b"\xc2\x9b" in proc.stderr:
            raise cvclib.Failure(f"control characters reached the terminal: {proc.stderr!r}")

        def claim_dims(m, dims):
            w = max(m.graph.initializer, key=lambda t: len(t.raw_data))
            del w.dims[:]
            w.dims.extend(dims)

        path = hostile("dims_huge", lambda m: claim_dims(m, [100000, 1000, 1000, 1]))
        expect_failure([cvc, path, "-o", out], out, "dims_huge.onnx", "more than the limit",
                       "--max-elements")
        path = hostile("dims_short", lambda m: claim_dims(m, [7, 3]))
        expect_failure([cvc, path, "-o", out], out, "dims_short.onnx", "bytes of data")

        # External data must stay inside the model's folder: an absolute path,
        # `..` and a symbolic link that leads out are all refused.
        outside = tempfile.mkdtemp(prefix="cvc-outside-")
        atexit.register(shutil.rmtree, outside, True)
        secret = os.path.join(outside, "weights.bin")
        w0 = max(onnx.load(good).graph.initializer, key=lambda t: len(t.raw_data))
        open(secret, "wb").write(w0.raw_data)
        os.symlink(secret, os.path.join(work, "link.bin"))

        def external(location):
            def mutate(m):
                w = max(m.graph.initializer, key=lambda t: len(t.raw_data))
                w.ClearField("raw_data")
                w.data_location = TensorProto.EXTERNAL
                kv = w.external_data.add()
                kv.key, kv.value = "location", location
            return mutate

        for name, location in (("absolute", secret), ("dotdot", "../" + os.path.relpath(
                secret, os.path.dirname(work))), ("symlink", "link.bin")):
            path = hostile("external_" + name, external(location))
            expect_failure([cvc, path, "-o", out], out, "external_" + name, "model's folder")

        # ... while weights kept beside the model load whatever the working folder.
        beside = os.path.join(work, "beside")
        os.mkdir(beside)
        onnx.save(onnx.load(good), os.path.join(beside, "lenet.onnx"), save_as_external_data=True,
                  location="lenet.weights", size_threshold=0)
        proc = subprocess.run([cvc, os.path.join(beside, "lenet.onnx"), "-o", out],
                              capture_output=True, text=True, cwd="/")
        if proc.returncode != 0:
            raise cvclib.Failure(f"a model with external data beside it failed:\n{proc.stderr}")
        os.remove(out)

        # The same model compiles once the user fixes the symbolic dimensions.
        fixed = os.path.join(work, "fixed.so")
        proc = subprocess.run([cvc, symbolic, "--input-shape", "x=1,1,8,8", "-o", fixed],
                              capture_output=True, text=True)
        if proc.returncode != 0 or not os.path.exists(fixed):
            raise cvclib.Failure(f"--input-shape did not fix the model:\n{proc.stderr}")
        # Its batch is fixed now: another --batch is refused, not ignored.
        expect_failure([cvclib.tool("cvc-run"), fixed, "--batch", "4"], None,
                       "--batch 4 does not apply", "fixed batch of 1")

        # A wrongly shaped input at run time is refused by the runtime, naming it.
        cvclib.compile_model(good, out)
        wrong = os.path.join(work, "wrong.npy")
        np.save(wrong, np.zeros((1, 1, 28, 28), np.float32))
        expect_failure([cvclib.tool("cvc-run"), out, "--input", f"input={wrong}"], None,
                       "input 'input'", "[?,1,32,32]", "[1,1,28,28]")

        kill_mid_compile(cvc, good, work)

        # A model.so damaged on disk is refused when opened, before any
        # kernel runs: one bit of a weight (the blob's checksum), one bit
        # of a tensor's extent in the plan (within the extents the plan can
        # hold, so only the plan's checksum sees it).
        weights = symbol_file_offset(out, "cvcgen_weights")
        tensors = symbol_file_offset(out, "tensors_v0")
        dims2 = tensors + 8 + 4 + 4 + 2 * 8  # cvc_plan_tensor: name, kind, rank, dims[0..]
        for name, offset, needle in (("weights", weights + 1000, "weights' checksum"),
                                     ("plan", dims2, "plan's checksum")):
            damaged = damaged_copy(out, os.path.join(work, f"damaged_{name}.so"), offset)
            expect_failure([cvclib.tool("cvc-run"), damaged], None, "damaged", needle)


if __name__ == "__main__":
    cvclib.main(test)
