//===- Bindings.h - the parts of the cvc Python module ----------*- C++ -*-===//
#ifndef CVC_PYTHON_BINDINGS_H
#define CVC_PYTHON_BINDINGS_H

#include "cvc/cvc.hpp"

#include <pybind11/pybind11.h>

#include <string>

namespace cvc::python {

/// Statuses of libcvc_data and libcvc_train, raised as cvc.Error.
using cvc::check;

/// cvc.Model: a model.so loaded, with a session.
void bindModel(pybind11::module_ &module);
/// cvc.Dataset, cvc.Loader, cvc.Augment: libcvc_data.
void bindData(pybind11::module_ &module);
/// cvc.train(): libcvc_train.
void bindTrain(pybind11::module_ &module);

} // namespace cvc::python

#endif // CVC_PYTHON_BINDINGS_H
