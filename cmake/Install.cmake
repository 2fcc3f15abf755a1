# `cmake --install build --prefix P`: the tools, the headers, the host
# libraries (shared and static), the runtime every model.so is linked
# from, the Python module, and find_package/pkg-config files. Everything
# is found relative to P, so a prefix can be moved or installed with
# --prefix at install time.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS cvc cvc-run cvc-train cvc-tune cvc-augment cvc-opt
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# What cvc links every model.so from (compiler/driver/Toolchain.cpp looks
# for it in <prefix>/lib or <prefix>/${CMAKE_INSTALL_LIBDIR}).
install(TARGETS cvc_runtime ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(FILES ${PROJECT_SOURCE_DIR}/runtime/cvc_model.map DESTINATION ${CMAKE_INSTALL_LIBDIR})

install(TARGETS cvc_data cvc_data_shared cvc_train_shared cvc_train_static
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(FILES
  ${PROJECT_SOURCE_DIR}/runtime/include/cvc/cvc.h
  ${PROJECT_SOURCE_DIR}/runtime/include/cvc/cvc.hpp
  ${PROJECT_SOURCE_DIR}/runtime/include/cvc/plan.h
  ${PROJECT_SOURCE_DIR}/runtime/include/cvc/data.h
  ${PROJECT_SOURCE_DIR}/runtime/include/cvc/train.h
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/cvc)

# What the static libraries need from the system, by name (Debian's).
set(CVC_DATA_SYSTEM_LIBS "png;z;stdc++;m")
set(CVC_TRAIN_SYSTEM_LIBS "onnx;onnx_proto;protobuf;${CMAKE_DL_LIBS}")
list(TRANSFORM CVC_DATA_SYSTEM_LIBS PREPEND "-l" OUTPUT_VARIABLE CVC_DATA_PKG_LIBS)
list(TRANSFORM CVC_TRAIN_SYSTEM_LIBS PREPEND "-l" OUTPUT_VARIABLE CVC_TRAIN_PKG_LIBS)
string(JOIN " " CVC_DATA_PKG_LIBS ${CVC_DATA_PKG_LIBS})
string(JOIN " " CVC_TRAIN_PKG_LIBS ${CVC_TRAIN_PKG_LIBS})

set(cvc_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/cvc)
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/package/cvcConfig.cmake.in
  ${PROJECT_BINARY_DIR}/package/cvcConfig.cmake
  INSTALL_DESTINATION ${cvc_cmake_dir}
  PATH_VARS CMAKE_INSTALL_LIBDIR CMAKE_INSTALL_BINDIR CMAKE_INSTALL_INCLUDEDIR)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/package/cvcConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/package/cvcConfig.cmake
              ${PROJECT_BINARY_DIR}/package/cvcConfigVersion.cmake
              ${CMAKE_CURRENT_LIST_DIR}/CvcAddModel.cmake
        DESTINATION ${cvc_cmake_dir})

# pkg-config files find the prefix from their own folder (pkgconf's
# ${pcfiledir}), like the CMake files.
file(RELATIVE_PATH CVC_PC_TO_PREFIX "/prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/prefix")
foreach(pc cvc cvc-data cvc-train)
  configure_file(${CMAKE_CURRENT_LIST_DIR}/package/${pc}.pc.in
                 ${PROJECT_BINARY_DIR}/package/${pc}.pc @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/package/${pc}.pc
          DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endforeach()
