# INTEROP_SANITIZE: build interop, its tests and examples with sanitizers.
#
# The value is passed to -fsanitize= as is (e.g. "address,undefined" or "thread").
# Everything compiled in this project is instrumented. Recovery is disabled, so the first
# report fails the test that triggered it. The libraries also carry -fsanitize= as an
# INTERFACE link option (see interop_target_sanitizer_link), because a consumer linking
# an instrumented static library needs the sanitizer runtime too.

include_guard(GLOBAL)

set(INTEROP_SANITIZE_COMPILE_OPTIONS "")
set(INTEROP_SANITIZE_LINK_OPTIONS "")

if(INTEROP_SANITIZE)
    if(MSVC)
        if(NOT INTEROP_SANITIZE STREQUAL "address")
            message(FATAL_ERROR
                "INTEROP_SANITIZE='${INTEROP_SANITIZE}': MSVC supports only 'address'.")
        endif()
        set(INTEROP_SANITIZE_COMPILE_OPTIONS /fsanitize=address)
    elseif(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
        set(INTEROP_SANITIZE_COMPILE_OPTIONS
            -fsanitize=${INTEROP_SANITIZE}
            -fno-omit-frame-pointer
            -fno-sanitize-recover=all)
        set(INTEROP_SANITIZE_LINK_OPTIONS -fsanitize=${INTEROP_SANITIZE})
        # Clang's -fsanitize=function (part of "undefined") makes the backend fail on
        # coroutines in templates with "Cannot represent a difference across sections"
        # (LLVM issue 49689; seen with Clang 14). That one check is left out.
        if(CMAKE_CXX_COMPILER_ID MATCHES "Clang"
           AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 17
           AND INTEROP_SANITIZE MATCHES "(^|,)(undefined|function)(,|$)")
            list(APPEND INTEROP_SANITIZE_COMPILE_OPTIONS -fno-sanitize=function)
        endif()
        # -fsanitize=vptr (part of "undefined") checks a dynamic type the first time it
        # meets it by probing the memory through a pipe, and reports "invalid vptr" when
        # the process has no descriptor left for that pipe. The suite runs servers out of
        # descriptors on purpose (accept under EMFILE), so that one check is left out;
        # every other UBSan check, and ASan, stay on.
        if(INTEROP_SANITIZE MATCHES "(^|,)(undefined|vptr)(,|$)")
            list(APPEND INTEROP_SANITIZE_COMPILE_OPTIONS -fno-sanitize=vptr)
        endif()
    else()
        message(FATAL_ERROR
            "INTEROP_SANITIZE is set, but sanitizers are supported only with GCC, Clang "
            "and MSVC (compiler here: ${CMAKE_CXX_COMPILER_ID}).")
    endif()

    include(CheckCXXSourceCompiles)
    set(CMAKE_REQUIRED_FLAGS "${INTEROP_SANITIZE_COMPILE_OPTIONS}")
    set(CMAKE_REQUIRED_LINK_OPTIONS ${INTEROP_SANITIZE_LINK_OPTIONS})
    string(REPLACE ";" " " CMAKE_REQUIRED_FLAGS "${CMAKE_REQUIRED_FLAGS}")
    string(MAKE_C_IDENTIFIER "INTEROP_SANITIZER_LINKS_${INTEROP_SANITIZE}" _interop_check)
    check_cxx_source_compiles("int main() { return 0; }" ${_interop_check})
    unset(CMAKE_REQUIRED_FLAGS)
    unset(CMAKE_REQUIRED_LINK_OPTIONS)
    if(NOT ${_interop_check})
        unset(${_interop_check} CACHE)  # check again on the next configure
        message(FATAL_ERROR
            "INTEROP_SANITIZE='${INTEROP_SANITIZE}': ${CMAKE_CXX_COMPILER} cannot build a "
            "program with -fsanitize=${INTEROP_SANITIZE}. With Clang on Debian, install the "
            "sanitizer runtime: apt-get install libclang-rt-14-dev")
    endif()

    message(STATUS "interop: sanitizers enabled: ${INTEROP_SANITIZE}")
    add_compile_options(${INTEROP_SANITIZE_COMPILE_OPTIONS})
    add_link_options(${INTEROP_SANITIZE_LINK_OPTIONS})
endif()

# Makes consumers of an (instrumented) library target link the sanitizer runtime.
function(interop_target_sanitizer_link target)
    if(INTEROP_SANITIZE_LINK_OPTIONS)
        target_link_options(${target} INTERFACE ${INTEROP_SANITIZE_LINK_OPTIONS})
    endif()
endfunction()
