# interop_require_found_in_prefix(BUILD PREFIX WHO): a consumer configured in BUILD must
# have found the interop package installed under PREFIX, not one found elsewhere (a
# system install, a package registry). For the scripts that install interop and build
# something against it (InteropInstallTest.cmake, InteropCustomRuntimeTest.cmake); WHO
# starts the error message.

include_guard(GLOBAL)

function(interop_require_found_in_prefix build prefix who)
    file(STRINGS "${build}/CMakeCache.txt" found_dir REGEX "^interop_DIR:")
    string(REGEX REPLACE "^interop_DIR:[A-Z]+=" "" found_dir "${found_dir}")
    file(REAL_PATH "${found_dir}" found_real)
    file(REAL_PATH "${prefix}" prefix_real)
    cmake_path(IS_PREFIX prefix_real "${found_real}" NORMALIZE found_in_prefix)
    if(NOT found_in_prefix)
        message(FATAL_ERROR "${who}: found interop in '${found_dir}', not under ${prefix}")
    endif()
endfunction()
