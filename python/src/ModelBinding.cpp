//===- ModelBinding.cpp - cvc.Model over cvc.hpp ------------------------===//
//
// Inputs are taken as they are when they are C-contiguous float32 arrays
// (no copy); other float32 layouts are made contiguous; any other dtype is
// refused, as the C ABI has float32 tensors only. Outputs are new arrays.
// The GIL is released while the model runs, so Python threads with their
// own models (or one model: runs on one session are serialised) overlap.
//
//===----------------------------------------------------------------------===//
#include "Bindings.h"

#include "cvc/cvc.hpp"

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <optional>
#include <sstream>

namespace py = pybind11;

namespace cvc::python {
namespace {

using FloatArray = py::array_t<float, py::array::c_style>;

std::string shapeText(const std::vector<int64_t> &shape) {
  std::ostringstream text;
  text << "(";
  for (size_t i = 0; i < shape.size(); ++i)
    text << (i ? ", " : "") << (shape[i] < 0 ? std::string("N") : std::to_string(shape[i]));
  text << (shape.size() == 1 ? ",)" : ")");
  return text.str();
}

py::tuple shapeTuple(const std::vector<int64_t> &shape) {
  py::list items;
  for (int64_t extent : shape)
    items.append(extent < 0 ? py::object(py::none()) : py::object(py::int_(extent)));
  return py::tuple(items);
}

bool fits(const std::vector<int64_t> &expected, const std::vector<int64_t> &given) {
  if (expected.size() != given.size())
    return false;
  for (size_t i = 0; i < given.size(); ++i)
    if (expected[i] >= 0 && expected[i] != given[i])
      return false;
  return true;
}

class PyModel {
public:
  PyModel(const std::string &path, int threads) : model_(path), session_(model_, threads) {}

  std::string name() const { return model_.name(); }
  std::string target() const { return model_.target(); }
  std::string device() const { return model_.device(); }
  uint64_t macs() const { return model_.macsPerImage(); }
  std::vector<std::string> entries() const { return model_.entries(); }

  py::list infos(const std::string &entry, bool inputs) const {
    py::list result;
    for (const TensorInfo &info : inputs ? model_.inputs(entry) : model_.outputs(entry))
      result.append(py::make_tuple(info.name, shapeTuple(info.shape)));
    return result;
  }

  /// Runs `entry` on arrays in its input order; outputs in its output order.
  std::vector<FloatArray> run(const std::string &entry, const std::vector<py::object> &given) {
    std::vector<TensorInfo> inputInfo = model_.inputs(entry);
    if (given.size() != inputInfo.size())
      throw py::value_error("the model's '" + entry + "' takes " +
                            std::to_string(inputInfo.size()) + " inputs, " +
                            std::to_string(given.size()) + " given");
    std::vector<FloatArray> inputs;
    std::vector<TensorView> inputViews;
    std::vector<std::vector<int64_t>> inputShapes;
    for (size_t i = 0; i < given.size(); ++i) {
      const TensorInfo &info = inputInfo[i];
      py::array array = py::array::ensure(given[i]);
      if (!array)
        throw py::value_error("input '" + info.name + "': not an array");
      if (!array.dtype().is(py::dtype::of<float>()))
        throw py::value_error("input '" + info.name + "': dtype " +
                              py::str(array.dtype()).cast<std::string>() +
                              ", the model takes float32");
      std::vector<int64_t> shape(array.shape(), array.shape() + array.ndim());
      if (!fits(info.shape, shape))
        throw py::value_error("input '" + info.name + "': shape " + shapeText(shape) +
                              ", the model takes " + shapeText(info.shape));
      // No copy when the array is already C-contiguous float32.
      inputs.push_back(FloatArray::ensure(array));
      inputViews.emplace_back(inputs.back().data(), shape); // read, never written
      inputShapes.push_back(shape);
    }
    std::vector<TensorInfo> outputInfo = outputsFor(entry, inputShapes);
    std::optional<int64_t> batch = batchOf(inputInfo, inputShapes);
    std::vector<FloatArray> outputs;
    std::vector<TensorView> outputViews;
    for (const TensorInfo &info : outputInfo) {
      std::vector<int64_t> shape = info.shape;
      for (size_t d = 0; d < shape.size(); ++d)
        if (shape[d] < 0) {
          if (d != 0 || !batch)
            throw cvc::Error(CVC_INTERNAL, "output '" + info.name + "' has an extent " +
                                               "the inputs do not determine");
          shape[d] = *batch;
        }
      outputs.emplace_back(std::vector<py::ssize_t>(shape.begin(), shape.end()));
      outputViews.emplace_back(outputs.back().mutable_data(), shape);
    }
    {
      py::gil_scoped_release release;
      session_.run(entry, inputViews, outputViews);
    }
    return outputs;
  }

  py::object call(py::args args) {
    std::vector<py::object> given;
    for (py::handle item : args)
      given.push_back(py::reinterpret_borrow<py::object>(item));
    std::vector<FloatArray> outputs = run("main", given);
    if (outputs.size() == 1)
      return std::move(outputs[0]);
    return py::tuple(py::cast(outputs));
  }

  py::dict runNamed(py::object inputs, const std::string &entry) {
    std::vector<TensorInfo> inputInfo = model_.inputs(entry);
    std::vector<py::object> given;
    if (py::isinstance<py::dict>(inputs)) {
      py::dict named = inputs.cast<py::dict>();
      for (const TensorInfo &info : inputInfo) {
        if (!named.contains(info.name))
          throw py::value_error("input '" + info.name + "' is missing");
        given.push_back(named[py::str(info.name)]);
      }
      for (auto item : named) {
        std::string key = py::str(item.first);
        bool known = false;
        for (const TensorInfo &info : inputInfo)
          known = known || info.name == key;
        if (!known)
          throw py::value_error("the model's '" + entry + "' has no input named '" + key + "'");
      }
    } else {
      for (py::handle item : inputs)
        given.push_back(py::reinterpret_borrow<py::object>(item));
    }
    std::vector<FloatArray> outputs = run(entry, given);
    std::vector<TensorInfo> outputInfo = model_.outputs(entry);
    py::dict result;
    for (size_t i = 0; i < outputs.size(); ++i)
      result[py::str(outputInfo[i].name)] = outputs[i];
    return result;
  }

  FloatArray readState(const std::string &name) {
    std::vector<float> values = session_.readState(name);
    FloatArray array(static_cast<py::ssize_t>(values.size()));
    std::copy(values.begin(), values.end(), array.mutable_data());
    return array;
  }

  void writeState(const std::string &name, FloatArray values) {
    session_.writeState(name, std::vector<float>(values.data(), values.data() + values.size()));
  }

private:
  /// The batch: the first extent of the first input whose batch is dynamic.
  std::optional<int64_t> batchOf(const std::vector<TensorInfo> &info,
                                 const std::vector<std::vector<int64_t>> &shapes) const {
    for (size_t i = 0; i < info.size(); ++i)
      if (!info[i].shape.empty() && info[i].shape[0] < 0)
        return shapes[i][0];
    return std::nullopt;
  }

  /// The output shapes for these inputs: with several shape variants, those
  /// of the variant the inputs match (the run refuses any other).
  std::vector<TensorInfo> outputsFor(const std::string &entry,
                                     const std::vector<std::vector<int64_t>> &shapes) const {
    if (model_.variantCount() <= 1)
      return model_.outputs(entry);
    for (size_t v = 0; v < model_.variantCount(); ++v) {
      Model variant = model_.variant(v);
      std::vector<TensorInfo> inputs = variant.inputs(entry);
      bool matches = true;
      for (size_t i = 0; i < shapes.size() && matches; ++i)
        matches = fits(inputs[i].shape, shapes[i]);
      if (matches)
        return variant.outputs(entry);
    }
    std::string given;
    for (const auto &shape : shapes)
      given += (given.empty() ? "" : ", ") + shapeText(shape);
    throw py::value_error("no shape variant of the model takes inputs of shapes " + given);
  }

  Model model_;
  Session session_;
};

} // namespace

void bindModel(py::module_ &module) {
  py::class_<PyModel>(module, "Model",
                      "A model.so compiled by cvc, loaded with a session of its own.")
      .def(py::init<const std::string &, int>(), py::arg("path"), py::arg("threads") = 0,
           "Loads model.so; `threads` run its kernels (0: one per core).")
      .def_property_readonly("name", &PyModel::name)
      .def_property_readonly("target", &PyModel::target, "The Halide target of its kernels.")
      .def_property_readonly("device", &PyModel::device,
                             "Where its kernels run: 'cpu', or 'cuda' (an NVIDIA GPU).")
      .def_property_readonly("macs_per_image", &PyModel::macs)
      .def_property_readonly("entries", &PyModel::entries)
      .def_property_readonly(
          "inputs", [](const PyModel &m) { return m.infos("main", true); },
          "[(name, shape)], None for a dynamic extent (the batch).")
      .def_property_readonly(
          "outputs", [](const PyModel &m) { return m.infos("main", false); })
      .def("entry_inputs", [](const PyModel &m, const std::string &e) { return m.infos(e, true); })
      .def("entry_outputs",
           [](const PyModel &m, const std::string &e) { return m.infos(e, false); })
      .def("__call__", &PyModel::call,
           "Runs the model on its inputs in order; returns the output, or a tuple of them.")
      .def("run", &PyModel::runNamed, py::arg("inputs"), py::arg("entry") = "main",
           "Runs an entry on {name: array} (or arrays in order); returns {name: array}.")
      .def("read_state", &PyModel::readState, py::arg("name"))
      .def("write_state", &PyModel::writeState, py::arg("name"), py::arg("values"));
}

} // namespace cvc::python
