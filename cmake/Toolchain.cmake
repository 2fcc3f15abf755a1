# Locates MLIR 19, Halide 14 and ONNX as Debian 12 installs them.
set(MLIR_DIR /usr/lib/llvm-19/lib/cmake/mlir CACHE PATH "MLIR CMake config")
find_package(MLIR REQUIRED CONFIG)
list(APPEND CMAKE_MODULE_PATH ${MLIR_CMAKE_DIR} ${LLVM_CMAKE_DIR})
set(MLIR_TABLEGEN_EXE /usr/lib/llvm-19/bin/mlir-tblgen)
include(TableGen)
include(AddLLVM)
include(AddMLIR)
include_directories(SYSTEM ${LLVM_INCLUDE_DIRS} ${MLIR_INCLUDE_DIRS})

separate_arguments(LLVM_DEFINITIONS_LIST NATIVE_COMMAND ${LLVM_DEFINITIONS})
add_library(cvc_mlir INTERFACE)
target_include_directories(cvc_mlir SYSTEM INTERFACE ${LLVM_INCLUDE_DIRS} ${MLIR_INCLUDE_DIRS})
target_compile_definitions(cvc_mlir INTERFACE ${LLVM_DEFINITIONS_LIST})
target_link_directories(cvc_mlir INTERFACE ${LLVM_LIBRARY_DIR})
target_link_libraries(cvc_mlir INTERFACE MLIR LLVM)

# find_package(Halide) would drag in LLVM 14's CMake config, so import the library directly.
find_library(HALIDE_LIBRARY NAMES Halide14 PATHS /usr/lib/x86_64-linux-gnu REQUIRED)
add_library(cvc_halide INTERFACE)
target_include_directories(cvc_halide SYSTEM INTERFACE /usr/include/halide14)
target_link_libraries(cvc_halide INTERFACE ${HALIDE_LIBRARY} pthread dl)

add_library(cvc_onnx INTERFACE)
target_compile_definitions(cvc_onnx INTERFACE ONNX_ML=1 ONNX_NAMESPACE=onnx)
target_link_libraries(cvc_onnx INTERFACE onnx onnx_proto protobuf)

find_program(LLVM_LIT NAMES lit.py PATHS /usr/lib/llvm-19/build/utils/lit NO_DEFAULT_PATH REQUIRED)
find_program(FILECHECK FileCheck PATHS /usr/lib/llvm-19/bin NO_DEFAULT_PATH REQUIRED)
find_package(GTest REQUIRED)
