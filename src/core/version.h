// version.h — scaffold's version. The Zig toolchain's pinned version lives in
// one place, build.zig.zon's minimum_zig_version (scripts/bootstrap.sh and
// scripts/zig read it); build.zig passes the compiler's own version here.
#ifndef SC_CORE_VERSION_H
#define SC_CORE_VERSION_H
#define SC_VERSION "0.1.0"
#ifndef SC_ZIG_VERSION
#define SC_ZIG_VERSION "none (built by clang outside build.zig)"
#endif
#endif
