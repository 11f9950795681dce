# NzipInstall.cmake - what `cmake --install BUILD --prefix P` (and `make install
# PREFIX=P`) puts under P:
#   bin/nzip, bin/unnzip and bin/nzcat (symbolic links: argv[0] picks the mode)
#   include/nzip.h
#   LIBDIR/libnzip.a, LIBDIR/libnzip.so.X.Y.Z (+ soname and development links)
#   LIBDIR/pkgconfig/nzip.pc
#   LIBDIR/cmake/nzip/: nzipConfig.cmake, its version file, the exported targets
#                       (find_package(nzip) gives nzip::nzip)
#   share/man/man1/nzip.1 (+ unnzip.1, nzcat.1 links)
# LIBDIR is GNUInstallDirs' (lib, or lib/<multiarch> under /usr on Debian).
# tests/install/install_test.sh installs into a temporary prefix and uses it.
include(CMakePackageConfigHelpers)

nzip_check_library_settings()

set(NZIP_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/nzip)

# ---- the command and its other names ----
install(TARGETS nzip_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
foreach(alias unnzip nzcat)
  add_custom_command(TARGET nzip_cli POST_BUILD
    COMMAND ${CMAKE_COMMAND} -E create_symlink nzip ${alias}
    WORKING_DIRECTORY $<TARGET_FILE_DIR:nzip_cli> VERBATIM)
  install(FILES $<TARGET_FILE_DIR:nzip_cli>/${alias} DESTINATION ${CMAKE_INSTALL_BINDIR})
endforeach()

# ---- the man page ----
set(NZIP_MAN_PAGE ${PROJECT_SOURCE_DIR}/docs/nzip.1)
install(FILES ${NZIP_MAN_PAGE} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
foreach(alias unnzip nzcat)
  file(CREATE_LINK nzip.1 ${PROJECT_BINARY_DIR}/${alias}.1 SYMBOLIC)
  install(FILES ${PROJECT_BINARY_DIR}/${alias}.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
endforeach()

# ---- the library ----
install(FILES ${PROJECT_SOURCE_DIR}/include/nzip.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
set_target_properties(nzip PROPERTIES EXPORT_NAME nzip_static)
if(TARGET nzip_shared)
  set_target_properties(nzip_shared PROPERTIES EXPORT_NAME nzip_shared)
endif()
install(TARGETS ${NZIP_LIBRARY_TARGETS} EXPORT nzipTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT nzipTargets NAMESPACE nzip:: DESTINATION ${NZIP_CMAKE_DIR})

# ---- CMake package ----
get_property(NZIP_CONFIG_DEPENDENCIES GLOBAL PROPERTY NZIP_CONFIG_DEPENDENCIES)
if(NZIP_CONFIG_DEPENDENCIES)
  list(REMOVE_DUPLICATES NZIP_CONFIG_DEPENDENCIES)
endif()
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/nzipConfig.cmake.in
  ${PROJECT_BINARY_DIR}/nzipConfig.cmake INSTALL_DESTINATION ${NZIP_CMAKE_DIR})
# Before 1.0 a new minor version may change the API, as the soname says.
if(PROJECT_VERSION_MAJOR EQUAL 0)
  set(NZIP_COMPATIBILITY SameMinorVersion)
else()
  set(NZIP_COMPATIBILITY SameMajorVersion)
endif()
write_basic_package_version_file(${PROJECT_BINARY_DIR}/nzipConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY ${NZIP_COMPATIBILITY})
install(FILES ${PROJECT_BINARY_DIR}/nzipConfig.cmake
              ${PROJECT_BINARY_DIR}/nzipConfigVersion.cmake
        DESTINATION ${NZIP_CMAKE_DIR})

# ---- pkg-config ----
# The prefix is only known at install time (cmake --install --prefix P), so nzip.pc
# is written in two steps: everything else now, the prefix by the install script.
get_property(NZIP_PC_REQUIRES_PRIVATE GLOBAL PROPERTY NZIP_PC_REQUIRES_PRIVATE)
get_property(NZIP_PC_LIBS_PRIVATE GLOBAL PROPERTY NZIP_PC_LIBS_PRIVATE)
list(JOIN NZIP_PC_REQUIRES_PRIVATE " " NZIP_PC_REQUIRES_PRIVATE)
list(JOIN NZIP_PC_LIBS_PRIVATE " " NZIP_PC_LIBS_PRIVATE)
foreach(kind LIBDIR INCLUDEDIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${kind}}")
    set(NZIP_PC_${kind} "${CMAKE_INSTALL_${kind}}")
  else()
    set(NZIP_PC_${kind} "\${prefix}/${CMAKE_INSTALL_${kind}}")
  endif()
endforeach()
set(NZIP_PC_PREFIX "@NZIP_INSTALL_PREFIX@")  # filled in at install time
configure_file(${CMAKE_CURRENT_LIST_DIR}/nzip.pc.in ${PROJECT_BINARY_DIR}/nzip.pc.in @ONLY)
install(CODE "
  set(NZIP_INSTALL_PREFIX \"\${CMAKE_INSTALL_PREFIX}\")
  configure_file(\"${PROJECT_BINARY_DIR}/nzip.pc.in\" \"${PROJECT_BINARY_DIR}/nzip.pc\" @ONLY)
")
install(FILES ${PROJECT_BINARY_DIR}/nzip.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
