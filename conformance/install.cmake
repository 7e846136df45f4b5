# Installs the conformance suite with the package (included from
# conformance/CMakeLists.txt when INTEROP_INSTALL is on), so that a project that found
# interop with find_package(interop) certifies its own runtime with one call:
#
#   interop_add_conformance(NAME myrt TARGET myrt_adapter FACTORY backend.cpp)
#
#   <prefix>/share/interop/conformance/   the test cases, the harness and its headers
#   <prefix>/lib/libinterop_conformance_suite.a  the same compiled (interop::conformance_suite)
#   <prefix>/lib/cmake/interop/           InteropConformance.cmake and its helpers
#   <prefix>/bin/interop-conformance      the runner (interop::conformance_runner)
#
# interopConfig.cmake includes InteropConformance.cmake when the suite is installed.

set(INTEROP_CONFORMANCE_INSTALL_DIR "${CMAKE_INSTALL_DATADIR}/interop/conformance"
    CACHE STRING "Where the conformance suite's sources are installed, relative to the prefix")
mark_as_advanced(INTEROP_CONFORMANCE_INSTALL_DIR)
# The same default as the top-level CMakeLists.txt, which reads this cache entry later.
set(INTEROP_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/interop"
    CACHE STRING "Where the interop package config is installed, relative to the prefix")

install(DIRECTORY include tests src
    DESTINATION "${INTEROP_CONFORMANCE_INSTALL_DIR}"
    COMPONENT interop_conformance
    FILES_MATCHING PATTERN "*.cpp" PATTERN "*.hpp")
install(FILES
        "${PROJECT_SOURCE_DIR}/cmake/InteropConformance.cmake"
        "${PROJECT_SOURCE_DIR}/cmake/InteropDoctest.cmake"
        "${PROJECT_SOURCE_DIR}/cmake/InteropDoctestList.cmake"
    DESTINATION "${INTEROP_INSTALL_CMAKEDIR}"
    COMPONENT interop_conformance)
# The suite compiled, so that a runtime outside the tree links it instead of compiling
# about fifty files: it does not depend on the adapter. It is linked by the same kind of
# toolchain as libinterop itself; the sources above stay for reading.
target_include_directories(interop_conformance_suite
    PUBLIC "$<INSTALL_INTERFACE:${INTEROP_CONFORMANCE_INSTALL_DIR}/include>")
install(TARGETS interop_conformance_suite
    EXPORT interopConformanceSuite
    ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}"
    COMPONENT interop_conformance)
install(EXPORT interopConformanceSuite
    NAMESPACE interop::
    FILE interopConformanceSuite.cmake
    DESTINATION "${INTEROP_INSTALL_CMAKEDIR}"
    COMPONENT interop_conformance)
install(TARGETS interop_conformance_runner
    EXPORT interopTargets
    RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}" COMPONENT interop_conformance)
