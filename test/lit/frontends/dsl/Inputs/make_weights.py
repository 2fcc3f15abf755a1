"""Writes an ONNX file whose only initialiser is `c.weight` [2, 1, 3, 3]
(values 0..17), for the weight-loading tests: python3 make_weights.py OUT.onnx"""
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper

weight = numpy_helper.from_array(np.arange(18, dtype=np.float32).reshape(2, 1, 3, 3), "c.weight")
node = helper.make_node("Conv", ["x", "c.weight"], ["y"])
graph = helper.make_graph(
    [node], "weights",
    [helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, ["N", 1, 4, 4])],
    [helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, ["N", 2, 2, 2])],
    [weight])
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), sys.argv[1])
