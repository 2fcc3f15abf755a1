# cvc_add_model(TARGET name MODEL model.onnx|model.cvm
#               [OUTPUT file.so] [OPTIONS cvc options...] [DEPENDS files...])
#
# Compiles a model with cvc at build time, as Halide's add_halide_library
# compiles a generator: the model.so is rebuilt when the model file, cvc or
# a DEPENDS file changes. `name` is an interface target: linking it puts
# model.so on the program's link line (its cvc_* functions are then the
# program's own; cvc::Model::linked() in cvc.hpp reaches them), and its
# CVC_MODEL_FILE property is the library's path for hosts that dlopen it.
# OUTPUT defaults to <name>.so in the current binary folder. cvc is the
# cvc::cvc executable target.
function(cvc_add_model)
  cmake_parse_arguments(PARSE_ARGV 0 ARG "" "TARGET;MODEL;OUTPUT" "OPTIONS;DEPENDS")
  if(NOT ARG_TARGET OR NOT ARG_MODEL)
    message(FATAL_ERROR "cvc_add_model: TARGET and MODEL are required")
  endif()
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "cvc_add_model: unexpected arguments: ${ARG_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT TARGET cvc::cvc)
    message(FATAL_ERROR "cvc_add_model: no cvc::cvc target (find_package(cvc) first)")
  endif()
  get_filename_component(model "${ARG_MODEL}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  set(output "${ARG_OUTPUT}")
  if(NOT output)
    set(output "${CMAKE_CURRENT_BINARY_DIR}/${ARG_TARGET}.so")
  endif()
  get_filename_component(output "${output}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_BINARY_DIR}")
  add_custom_command(
    OUTPUT "${output}"
    COMMAND cvc::cvc "${model}" -o "${output}" ${ARG_OPTIONS}
    DEPENDS "${model}" cvc::cvc ${ARG_DEPENDS}
    COMMENT "cvc: compiling ${ARG_MODEL} into ${ARG_TARGET}.so"
    VERBATIM)
  add_custom_target(${ARG_TARGET}.compile DEPENDS "${output}")
  # The file as an imported library (linked by its path, with its soname),
  # behind an interface target: interface libraries pass their build
  # dependencies on to whoever links them, imported ones do not.
  get_filename_component(soname "${output}" NAME)
  add_library(${ARG_TARGET}.library SHARED IMPORTED)
  set_target_properties(${ARG_TARGET}.library PROPERTIES
    IMPORTED_LOCATION "${output}" IMPORTED_SONAME "${soname}")
  add_library(${ARG_TARGET} INTERFACE)
  add_dependencies(${ARG_TARGET} ${ARG_TARGET}.compile)
  target_link_libraries(${ARG_TARGET} INTERFACE cvc::headers ${ARG_TARGET}.library)
  set_target_properties(${ARG_TARGET} PROPERTIES CVC_MODEL_FILE "${output}")
endfunction()
