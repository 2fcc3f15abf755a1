# -DCVC_SANITIZE=address,undefined (or thread): every cvc target built with
# those sanitizers, as the reliability tests run them (scripts/fuzz.sh).
# -DCVC_FUZZ=ON (Clang): coverage for libFuzzer in every cvc target, and the
# fuzz engines in fuzz/. Libraries from Debian (MLIR, Halide, ONNX,
# protobuf) stay uninstrumented.
set(CVC_SANITIZE "" CACHE STRING "Sanitizers for every cvc target (address,undefined or thread)")
option(CVC_FUZZ "Build the libFuzzer engines in fuzz/ (needs Clang)" OFF)

if(CVC_SANITIZE)
  # UBSan's checks end the program, so that a test or a fuzzer sees them.
  add_compile_options(-fsanitize=${CVC_SANITIZE} -fno-omit-frame-pointer
                      -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${CVC_SANITIZE})
  if(CVC_SANITIZE MATCHES "undefined")
    # vptr needs RTTI, which LLVM and MLIR are built without.
    add_compile_options(-fno-sanitize=vptr)
  endif()
endif()

if(CVC_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "CVC_FUZZ needs Clang (-DCMAKE_CXX_COMPILER=clang++-19)")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
