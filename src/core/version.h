// version.h — the one place the version lives (README and build.zig.zon agree).
#ifndef SC_CORE_VERSION_H
#define SC_CORE_VERSION_H
#define SC_VERSION "0.1.0"
#define SC_ZIG_VERSION "0.17.1"
#endif
