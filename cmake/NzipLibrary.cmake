# NzipLibrary.cmake - libnzip, built once and linked two ways.
#
# The sources (NZIP_LIB_SOURCES) compile once into the object library nzip_objects,
# position-independent and with hidden visibility: only what include/nzip.h marks
# NZ_API is exported from the shared library (tests/install/check_symbols.sh checks
# it). The same objects make
#   nzip         libnzip.a   what the CLI, tests, benches and fuzzers link (they may
#                            call internal nz_* functions, which a static link sees);
#   nzip_shared  libnzip.so  the installed shared library, soname from the version.
#
# Link dependencies go through nzip_link_dependency() so that both libraries, nzip.pc
# (Requires.private / Libs.private) and nzipConfig.cmake (find_dependency) stay in
# step: an optional dependency (OpenCL, say) is one call:
#   nzip_link_dependency(OpenCL::OpenCL PKG OpenCL PACKAGE OpenCL)

option(NZIP_BUILD_SHARED "Build the shared library libnzip.so as well" ON)
include(GNUInstallDirs)

# The header's version macros and the project's version must agree: the soname, the
# pkg-config and CMake package versions come from the project's.
file(STRINGS ${PROJECT_SOURCE_DIR}/include/nzip.h NZIP_HEADER_VERSION
     REGEX "^#define NZ_VERSION_STRING ")
string(REGEX REPLACE ".*\"(.*)\".*" "\\1" NZIP_HEADER_VERSION "${NZIP_HEADER_VERSION}")
if(NOT NZIP_HEADER_VERSION STREQUAL PROJECT_VERSION)
  message(FATAL_ERROR "include/nzip.h says version ${NZIP_HEADER_VERSION}, "
                      "CMakeLists.txt project() says ${PROJECT_VERSION}: make them agree")
endif()
# Before 1.0 every minor version may change the ABI, so it is part of the soname.
if(PROJECT_VERSION_MAJOR EQUAL 0)
  set(NZIP_SOVERSION "0.${PROJECT_VERSION_MINOR}")
else()
  set(NZIP_SOVERSION "${PROJECT_VERSION_MAJOR}")
endif()

add_library(nzip_objects OBJECT ${NZIP_LIB_SOURCES})
set_target_properties(nzip_objects PROPERTIES
  POSITION_INDEPENDENT_CODE ON
  C_VISIBILITY_PRESET hidden)
target_include_directories(nzip_objects
  PUBLIC  $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
  PRIVATE ${PROJECT_SOURCE_DIR}/lib)

add_library(nzip STATIC $<TARGET_OBJECTS:nzip_objects>)
target_include_directories(nzip PUBLIC
  $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
  $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
set(NZIP_LIBRARY_TARGETS nzip)

if(NZIP_BUILD_SHARED)
  add_library(nzip_shared SHARED $<TARGET_OBJECTS:nzip_objects>)
  set_target_properties(nzip_shared PROPERTIES
    OUTPUT_NAME nzip
    VERSION ${PROJECT_VERSION}
    SOVERSION ${NZIP_SOVERSION})
  target_include_directories(nzip_shared PUBLIC
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  # Every symbol the library needs must come from a listed dependency (sanitizer
  # runtimes are the exception: they resolve in the executable).
  if(NOT NZIP_SANITIZE AND NOT NZIP_FUZZ)
    target_link_options(nzip_shared PRIVATE -Wl,--no-undefined)
  endif()
  list(APPEND NZIP_LIBRARY_TARGETS nzip_shared)
endif()

# nzip_link_dependency(ITEM [PKG pkg-config-module] [PACKAGE cmake-package] [LIBS flags])
#   ITEM     a target (Threads::Threads), a library path or a plain name (m);
#   PKG      the pkg-config module that provides it (goes to Requires.private);
#   LIBS     otherwise, its linker flags for Libs.private (default: -l<name>, derived
#            from ITEM; for a target, from its IMPORTED_LOCATION);
#   PACKAGE  the CMake package nzipConfig.cmake must find_dependency() for it.
function(nzip_link_dependency item)
  cmake_parse_arguments(PARSE_ARGV 1 D "" "PKG;PACKAGE;LIBS" "")
  set_property(GLOBAL APPEND PROPERTY NZIP_LINK_DEPENDENCIES ${item})
  target_link_libraries(nzip_objects PRIVATE ${item})
  foreach(t IN LISTS NZIP_LIBRARY_TARGETS)
    target_link_libraries(${t} PRIVATE ${item})
  endforeach()
  if(D_PKG)
    set_property(GLOBAL APPEND PROPERTY NZIP_PC_REQUIRES_PRIVATE ${D_PKG})
  else()
    if("LIBS" IN_LIST ARGN)
      set(flags "${D_LIBS}")  # may be empty: -pthread is not needed with glibc >= 2.34
    else()
      set(file "${item}")
      if(TARGET ${item})
        get_target_property(file ${item} IMPORTED_LOCATION)
        if(NOT file)
          get_target_property(file ${item} IMPORTED_LOCATION_RELEASE)
        endif()
        if(NOT file)
          message(FATAL_ERROR "nzip_link_dependency(${item}): give LIBS or PKG for nzip.pc")
        endif()
      endif()
      get_filename_component(name "${file}" NAME_WE)
      string(REGEX REPLACE "^lib" "" name "${name}")
      set(flags "-l${name}")
    endif()
    if(flags)
      set_property(GLOBAL APPEND PROPERTY NZIP_PC_LIBS_PRIVATE ${flags})
    endif()
  endif()
  if(D_PACKAGE)
    set_property(GLOBAL APPEND PROPERTY NZIP_CONFIG_DEPENDENCIES ${D_PACKAGE})
  endif()
endfunction()

# Called at the end of the configuration (NzipInstall.cmake): settings made on the
# target nzip directly would reach only libnzip.a (link libraries), or nothing at
# all (compile definitions and options: nzip has no sources of its own), so they
# are refused with a hint instead of silently building a different library.
function(nzip_check_library_settings)
  get_property(registered GLOBAL PROPERTY NZIP_LINK_DEPENDENCIES)
  get_target_property(linked nzip LINK_LIBRARIES)
  foreach(item IN LISTS linked)
    if(NOT item IN_LIST registered)
      message(FATAL_ERROR "target_link_libraries(nzip ... ${item}): use "
        "nzip_link_dependency(${item} ...) (cmake/NzipLibrary.cmake) so that the shared "
        "library, nzip.pc and nzipConfig.cmake get it too")
    endif()
  endforeach()
  # What nzip has beyond what nzip_objects has (both inherit the directory's).
  foreach(prop COMPILE_DEFINITIONS COMPILE_OPTIONS INCLUDE_DIRECTORIES SOURCES)
    get_target_property(value nzip ${prop})
    get_target_property(objects nzip_objects ${prop})
    if(NOT value)
      set(value "")
    endif()
    if(objects AND NOT prop STREQUAL SOURCES)
      list(REMOVE_ITEM value ${objects})
    endif()
    list(REMOVE_ITEM value "$<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>"
                           "$<TARGET_OBJECTS:nzip_objects>")
    if(value)
      message(FATAL_ERROR "target nzip has ${prop} '${value}': the library is compiled "
        "in the target nzip_objects (cmake/NzipLibrary.cmake); set it there")
    endif()
  endforeach()
endfunction()
