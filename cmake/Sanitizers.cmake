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
  if(NOT CMAKE_BUILD_TYPE MATCHES "Deb")
    # Reports name file:line without a full debug build.
    add_compile_options(-gline-tables-only)
  endif()
  add_link_options(-fsanitize=${CVC_SANITIZE})
  if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang" AND NOT CVC_FUZZ)
    # The shared runtime: hosts built without sanitizers (Python, a C host)
    # load a sanitized model.so or libcvc_data with it in LD_PRELOAD
    # (scripts/sanitize.sh), and the sanitized tools then use the same copy.
    # libFuzzer's engines need the static one, which also exports its
    # symbols to a sanitized model.so that a test loads.
    add_link_options(-shared-libsan)
    if(CVC_SANITIZE MATCHES "address")
      set(cvc_runtime_name asan)
    elseif(CVC_SANITIZE MATCHES "thread")
      set(cvc_runtime_name tsan)
    else()
      set(cvc_runtime_name ubsan_standalone)
    endif()
    execute_process(COMMAND ${CMAKE_CXX_COMPILER}
                            -print-file-name=libclang_rt.${cvc_runtime_name}-x86_64.so
                    OUTPUT_VARIABLE CVC_SANITIZER_RUNTIME OUTPUT_STRIP_TRAILING_WHITESPACE)
    # Found at run time without LD_LIBRARY_PATH.
    get_filename_component(cvc_runtime_dir "${CVC_SANITIZER_RUNTIME}" DIRECTORY)
    add_link_options(-Wl,-rpath,${cvc_runtime_dir})
  endif()
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

