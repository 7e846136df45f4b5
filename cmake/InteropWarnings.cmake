# interop_warnings: the warning set for interop's own targets.
#
# An INTERFACE target that project targets link PRIVATE and wrapped in
# $<BUILD_INTERFACE:...>, so the flags apply to interop's sources, tests and examples and
# never reach the exported targets or their consumers. Third-party headers (doctest,
# CLI11, Asio) come in through imported targets, whose include directories are SYSTEM,
# so they do not trip these warnings.
#
# INTEROP_WARNINGS_AS_ERRORS adds -Werror (/WX).

include_guard(GLOBAL)

add_library(interop_warnings INTERFACE)

if(MSVC)
    target_compile_options(interop_warnings INTERFACE
        /W4
        /permissive-
        /w14265  # class has virtual functions but a non-virtual destructor
        /w14296  # expression is always true/false (signed/unsigned comparisons)
        /w14826  # sign-extending conversion
        $<$<BOOL:${INTEROP_WARNINGS_AS_ERRORS}>:/WX>)
else()
    target_compile_options(interop_warnings INTERFACE
        -Wall
        -Wextra
        -Wpedantic
        -Wshadow
        -Wconversion
        -Wsign-conversion
        -Wnon-virtual-dtor
        -Wold-style-cast
        -Woverloaded-virtual
        -Wcast-align
        -Wdouble-promotion
        -Wformat=2
        -Wimplicit-fallthrough
        -Wextra-semi
        # GCC-only. (Not -Wlogical-op: it flags the portable `e == EAGAIN || e == EWOULDBLOCK`
        # where both are the same number.)
        $<$<CXX_COMPILER_ID:GNU>:-Wduplicated-cond>
        # Clang-only: GCC's -Wshadow already covers constructor parameters; GCC has no
        # warning for names reserved to the implementation (_Upper, __x).
        $<$<CXX_COMPILER_ID:Clang,AppleClang>:-Wshadow-field-in-constructor>
        $<$<CXX_COMPILER_ID:Clang,AppleClang>:-Wreserved-identifier>
        $<$<BOOL:${INTEROP_WARNINGS_AS_ERRORS}>:-Werror>)
endif()

# Applies the warning set to a target of this project without exporting it.
function(interop_target_warnings target)
    target_link_libraries(${target} PRIVATE $<BUILD_INTERFACE:interop_warnings>)
endfunction()
