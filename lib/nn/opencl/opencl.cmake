# opencl.cmake - the OpenCL backend of the engine (lib/nn/opencl/), included by
# the top CMakeLists.txt after the library targets exist (nzip_objects with
# cmake/NzipLibrary.cmake, else nzip). Built when
# find_package(OpenCL) finds the headers and the ICD loader (Debian:
# ocl-icd-opencl-dev opencl-headers; at run time a platform such as
# pocl-opencl-icd); otherwise skipped with a message, and the registry keeps
# NZ_NN_BACKEND_OPENCL unsupported.
option(NZIP_OPENCL "Build the OpenCL backend when OpenCL is found" ON)
if(NZIP_OPENCL)
  find_package(OpenCL QUIET)
endif()
if(NZIP_OPENCL AND OpenCL_FOUND)
  set(_ocl ${PROJECT_SOURCE_DIR}/lib/nn/opencl)
  # the program source, in this order (nn_math.h is the CPU's own math)
  set(_ocl_sources ${_ocl}/kernel_compat.h ${_ocl}/simd_opencl.h
      ${PROJECT_SOURCE_DIR}/lib/nn/nn_math.h ${_ocl}/nn_kernels.cl)
  set(_ocl_gen ${CMAKE_BINARY_DIR}/generated/ocl_source.c)
  string(REPLACE ";" "|" _ocl_list "${_ocl_sources}") # one argument for cmake -P
  add_custom_command(OUTPUT ${_ocl_gen}
    COMMAND ${CMAKE_COMMAND} -DOUT=${_ocl_gen} "-DSOURCES=${_ocl_list}"
            -P ${_ocl}/embed_source.cmake
    DEPENDS ${_ocl_sources} ${_ocl}/embed_source.cmake
    COMMENT "Embedding the OpenCL kernel sources" VERBATIM)
  set(_ocl_c ${_ocl}/ocl_backend.c ${_ocl}/ocl_mem.c ${_ocl}/ocl_runtime.c ${_ocl_gen})
  if(TARGET nzip_objects)
    # the library made by cmake/NzipLibrary.cmake (objects shared by libnzip.a and
    # libnzip.so; dependencies through nzip_link_dependency)
    target_sources(nzip_objects PRIVATE ${_ocl_c})
    target_compile_definitions(nzip_objects PRIVATE NZ_NN_HAVE_OPENCL=1)
    nzip_link_dependency(OpenCL::OpenCL PKG OpenCL PACKAGE OpenCL)
  else()
    target_sources(nzip PRIVATE ${_ocl_c})
    target_compile_definitions(nzip PRIVATE NZ_NN_HAVE_OPENCL=1)
    target_link_libraries(nzip PUBLIC OpenCL::OpenCL)
  endif()
  message(STATUS "nzip: OpenCL backend enabled (${OpenCL_LIBRARY}, OpenCL ${OpenCL_VERSION_STRING})")
else()
  message(STATUS "nzip: OpenCL backend SKIPPED: OpenCL headers or ICD loader not found "
                 "(apt-get install ocl-icd-opencl-dev opencl-headers) or NZIP_OPENCL=OFF")
endif()
