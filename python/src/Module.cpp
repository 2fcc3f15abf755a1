//===- Module.cpp - the cvc._cvc extension module -----------------------===//
//
// The compiled half of the `cvc` Python package (python/cvc/__init__.py is
// the other): models through cvc.hpp, data and training through libcvc_data
// and libcvc_train, linked statically so that the module needs no library
// path of its own.
//
//===----------------------------------------------------------------------===//
#include "Bindings.h"

#include "cvc/cvc.hpp"
#include "cvc/data.h"

namespace py = pybind11;

PYBIND11_MODULE(_cvc, module) {
  module.doc() = "cvc: compiled convolutional networks (the compiled half of the cvc package)";
  // Failures of cvc calls (the status's message). Wrong shapes and dtypes
  // found before a call raise ValueError, as NumPy's own do.
  py::register_exception<cvc::Error>(module, "Error", PyExc_RuntimeError);
  module.attr("ABI_VERSION") = CVC_ABI_VERSION;
  cvc::python::bindModel(module);
  cvc::python::bindData(module);
  cvc::python::bindTrain(module);
}
