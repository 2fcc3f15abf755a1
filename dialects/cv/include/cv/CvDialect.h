//===- CvDialect.h - cv dialect declaration ---------------------*- C++ -*-===//
#ifndef CV_CVDIALECT_H
#define CV_CVDIALECT_H

#include "mlir/IR/Dialect.h"

#include "cv/CvDialect.h.inc"

#endif // CV_CVDIALECT_H
