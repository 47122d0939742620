//! scaffold build: C11 sources compiled by Zig's clang.
//!
//!   zig build                       -> zig-out/bin/scaffold (+ libscaffold.a)
//!   zig build test                  -> builds and runs every tests/test_*.c executable
//!   zig build tests                 -> only installs them to zig-out/tests/
//!   zig build -Doptimize=ReleaseFast   for real runs (Debug keeps the UB sanitizer)
//!   zig build gen                   -> zig-out/gen/model_registry.c (for builds outside
//!                                      zig: scripts/fuzz.sh, scripts/sanitize.sh)
//!
//! Sources are discovered, not listed: every .c below src/, teachers/, students/ and
//! tasks/ goes into the library (src/main.c is the CLI entry point), and every
//! tests/test_*.c becomes one test executable. Adding a file needs no edit here.
const std = @import("std");

const c_flags = [_][]const u8{
    "-std=c11",          "-D_POSIX_C_SOURCE=200809L", "-D_DEFAULT_SOURCE",
    "-Wall",             "-Wextra",                   "-Werror",
    "-Wshadow",          "-Wstrict-prototypes",       "-Wno-unused-parameter",
    "-Wvla",             "-fno-strict-aliasing",
    // ReleaseSafe's UB sanitizer minus its pointer-overflow check: that check on
    // every `p + i` turned each kernel loop scalar (~40 instructions per element
    // in binary add, measured with perf), so the tests ran the engine ~10x slower
    // than it runs. scripts/sanitize.sh (clang, the full -fsanitize=undefined)
    // still checks pointer overflow on the same suite.
    "-fno-sanitize=pointer-overflow",
};

/// Debian packages behind each name: libutf8proc-dev, libmsgpack-dev,
/// libyaml-dev, zlib1g-dev, liblapacke-dev, libspng-dev (scripts/bootstrap.sh installs them).
const system_libs = [_][]const u8{ "utf8proc", "msgpackc", "yaml", "z", "lapacke", "spng", "zip", "bz2", "m", "pthread" };

/// Collects the .c files below `sub` (relative to the build root), sorted so the
/// build is reproducible. Each directory visited is declared as a configure
/// dependency so adding a file re-runs this logic.
fn collectSources(b: *std.Build, sub: []const u8, out: *std.ArrayList([]const u8), skip: []const []const u8) void {
    const io = b.graph.io;
    const arena = b.graph.arena;
    var dir = b.root.root_dir.handle.openDir(io, sub, .{ .iterate = true }) catch return;
    defer dir.close(io);
    b.dependOnDirectoryMetadata(b.path(sub));
    var walker = dir.walk(arena) catch @panic("OOM");
    defer walker.deinit();
    var found: std.ArrayList([]const u8) = .empty;
    while (walker.next(io) catch @panic("cannot walk source tree")) |entry| {
        const full = std.fs.path.join(arena, &.{ sub, entry.path }) catch @panic("OOM");
        if (entry.kind == .directory) {
            b.dependOnDirectoryMetadata(b.path(full));
            continue;
        }
        if (entry.kind != .file or !std.mem.endsWith(u8, entry.basename, ".c")) continue;
        var skipped = false;
        for (skip) |s| if (std.mem.eql(u8, full, s)) {
            skipped = true;
        };
        if (!skipped) found.append(arena, full) catch @panic("OOM");
    }
    std.mem.sort([]const u8, found.items, {}, struct {
        fn lt(_: void, a: []const u8, c: []const u8) bool {
            return std.mem.lessThan(u8, a, c);
        }
    }.lt);
    out.appendSlice(arena, found.items) catch @panic("OOM");
}

/// BLIS comes from Debian's libblis-openmp-dev, named by path so the loader picks the
/// OpenMP build whatever Debian's libblis.so alternative says. Its team of threads
/// (libgomp's) stays alive between calls, so a second core pays even on the small
/// products of a training step; the pthreads build starts threads on every call.
/// Sources include <blis-openmp/blis.h>.
const blis_dir = "/usr/lib/x86_64-linux-gnu/blis-openmp";

/// The OpenMP build's blis.h includes <omp.h>, which Zig's clang does not ship, and
/// src/kernels/parallel.c calls libgomp directly: both come from GCC's libgomp files
/// (Debian libgcc-N-dev, a dependency of gcc and of clang). Returns the newest
/// /usr/lib/gcc/x86_64-linux-gnu/<N> holding include/omp.h and libgomp.so.
fn gompDir(b: *std.Build) []const u8 {
    const io = b.graph.io;
    const arena = b.graph.arena;
    const base = "/usr/lib/gcc/x86_64-linux-gnu";
    const missing = "libgomp's omp.h and libgomp.so not found under " ++ base ++ "/<N>/; install libgcc-12-dev (scripts/bootstrap.sh does)";
    var best: ?[]const u8 = null;
    var best_ver: u32 = 0;
    var dir = std.Io.Dir.cwd().openDir(io, base, .{ .iterate = true }) catch @panic(missing);
    defer dir.close(io);
    var it = dir.iterate();
    while (it.next(io) catch null) |entry| {
        const ver = std.fmt.parseInt(u32, entry.name, 10) catch continue;
        const path = std.fs.path.join(arena, &.{ base, entry.name }) catch @panic("OOM");
        dir.access(io, std.fs.path.join(arena, &.{ entry.name, "include", "omp.h" }) catch @panic("OOM"), .{}) catch continue;
        dir.access(io, std.fs.path.join(arena, &.{ entry.name, "libgomp.so" }) catch @panic("OOM"), .{}) catch continue;
        if (ver > best_ver) {
            best_ver = ver;
            best = path;
        }
    }
    return best orelse @panic(missing);
}

/// The model registry (src/models/model.h): every teachers/NAME.c defines
/// `sc_teacher_NAME` and every students/NAME.c `sc_student_NAME` ('-' -> '_');
/// this writes the table of them, so adding an architecture is adding a file.
fn modelRegistry(b: *std.Build, sources: []const []const u8) std.Build.LazyPath {
    const arena = b.graph.arena;
    var decls: std.ArrayList(u8) = .empty;
    var table: std.ArrayList(u8) = .empty;
    decls.appendSlice(arena, "// Generated by build.zig from teachers/*.c and students/*.c.\n#include \"models/model.h\"\n\n") catch @panic("OOM");
    for (sources) |src| {
        const dir = std.fs.path.dirname(src) orelse continue;
        const role = if (std.mem.eql(u8, dir, "teachers")) "teacher" else if (std.mem.eql(u8, dir, "students")) "student" else continue;
        const stem = arena.dupe(u8, std.fs.path.stem(src)) catch @panic("OOM");
        std.mem.replaceScalar(u8, stem, '-', '_');
        const line = std.fmt.allocPrint(arena, "extern const sc_model_def sc_{s}_{s};\n", .{ role, stem }) catch @panic("OOM");
        decls.appendSlice(arena, line) catch @panic("OOM");
        const entry = std.fmt.allocPrint(arena, "    &sc_{s}_{s},\n", .{ role, stem }) catch @panic("OOM");
        table.appendSlice(arena, entry) catch @panic("OOM");
    }
    decls.appendSlice(arena, "\nconst sc_model_def *const sc_model_registry[] = {\n") catch @panic("OOM");
    decls.appendSlice(arena, table.items) catch @panic("OOM");
    decls.appendSlice(arena, "    NULL,\n};\n") catch @panic("OOM");
    const wf = b.addWriteFiles();
    return wf.add("model_registry.c", decls.items);
}

fn addDeps(b: *std.Build, m: *std.Build.Module) void {
    m.link_libc = true;
    // `scaffold --version` reports the compiler that built it (src/core/version.h).
    m.addCMacro("SC_ZIG_VERSION", "\"" ++ @import("builtin").zig_version_string ++ "\"");
    m.addIncludePath(b.path("src"));
    const gomp = gompDir(b);
    // omp.h alone, copied into a folder of its own: GCC's include folder also holds
    // its own stdatomic.h and friends, which must not shadow clang's.
    const omp_dir = b.addWriteFiles();
    _ = omp_dir.addCopyFile(.{ .cwd_relative = b.pathJoin(&.{ gomp, "include", "omp.h" }) }, "omp.h");
    m.addIncludePath(omp_dir.getDirectory());
    m.addObjectFile(.{ .cwd_relative = b.pathJoin(&.{ gomp, "libgomp.so" }) });
    m.addObjectFile(.{ .cwd_relative = blis_dir ++ "/libblis.so" });
    m.addRPath(.{ .cwd_relative = blis_dir });
    for (system_libs) |l| m.linkSystemLibrary(l, .{ .use_pkg_config = .no });
}

pub fn build(b: *std.Build) void {
    const target = b.standardTargetOptions(.{});
    const optimize = b.standardOptimizeOption(.{});
    const arena = b.graph.arena;

    var lib_sources: std.ArrayList([]const u8) = .empty;
    for ([_][]const u8{ "src", "teachers", "students", "tasks" }) |d|
        collectSources(b, d, &lib_sources, &.{"src/main.c"});

    const lib_mod = b.createModule(.{ .target = target, .optimize = optimize });
    addDeps(b, lib_mod);
    lib_mod.addCSourceFiles(.{ .files = lib_sources.items, .flags = &c_flags });
    const registry = modelRegistry(b, lib_sources.items);
    lib_mod.addCSourceFile(.{ .file = registry, .flags = &c_flags });
    const lib = b.addLibrary(.{ .name = "scaffold", .root_module = lib_mod, .linkage = .static });
    b.installArtifact(lib);

    const exe_mod = b.createModule(.{ .target = target, .optimize = optimize });
    addDeps(b, exe_mod);
    exe_mod.addCSourceFiles(.{ .files = &.{"src/main.c"}, .flags = &c_flags });
    exe_mod.linkLibrary(lib);
    const exe = b.addExecutable(.{ .name = "scaffold", .root_module = exe_mod });
    b.installArtifact(exe);

    // The same generated registry for the clang builds of scripts/fuzz.sh and scripts/sanitize.sh.
    const gen = b.addInstallFile(registry, "gen/model_registry.c");
    b.step("gen", "Write the generated model registry to zig-out/gen/model_registry.c").dependOn(&gen.step);

    const run_cmd = b.addRunArtifact(exe);
    run_cmd.addPassthruArgs();
    b.step("run", "Run scaffold with the arguments after --").dependOn(&run_cmd.step);

    // One executable per tests/test_*.c, each linked with cmocka and the library.
    var test_sources: std.ArrayList([]const u8) = .empty;
    collectSources(b, "tests", &test_sources, &.{});
    var support: std.ArrayList([]const u8) = .empty; // tests/support/*.c: shared helpers
    var fuzz_targets: std.ArrayList([]const u8) = .empty; // tests/fuzz/targets*.c: fuzz entry functions
    var tests: std.ArrayList([]const u8) = .empty;
    for (test_sources.items) |s| {
        if (std.mem.startsWith(u8, s, "tests/support/")) support.append(arena, s) catch @panic("OOM")
        else if (std.mem.startsWith(u8, s, "tests/fuzz/targets")) fuzz_targets.append(arena, s) catch @panic("OOM")
        else if (std.mem.startsWith(u8, std.fs.path.basename(s), "test_")) tests.append(arena, s) catch @panic("OOM");
    }
    const test_step = b.step("test", "Build and run every test executable");
    const tests_step = b.step("tests", "Build the test executables into zig-out/tests");
    for (tests.items) |src| {
        const stem = std.fs.path.stem(src);
        const m = b.createModule(.{ .target = target, .optimize = optimize });
        addDeps(b, m);
        m.addIncludePath(b.path("tests/support"));
        m.addCSourceFiles(.{ .files = &.{src}, .flags = &c_flags });
        m.addCSourceFiles(.{ .files = support.items, .flags = &c_flags });
        // The fuzz targets' entry functions, replayed on the saved inputs (tests/fuzz/README.md).
        if (std.mem.eql(u8, stem, "test_fuzz_regress")) {
            m.addIncludePath(b.path("tests/fuzz"));
            m.addCSourceFiles(.{ .files = fuzz_targets.items, .flags = &c_flags });
        }
        m.linkSystemLibrary("cmocka", .{ .use_pkg_config = .no });
        m.linkLibrary(lib);
        const t = b.addExecutable(.{ .name = stem, .root_module = m });
        const inst = b.addInstallArtifact(t, .{ .dest_dir = .{ .override = .{ .custom = "tests" } } });
        tests_step.dependOn(&inst.step);
        const run = b.addRunArtifact(t);
        run.setCwd(b.path("."));
        run.setEnvironmentVariable("CMOCKA_MESSAGE_OUTPUT", "stdout");
        run.stdio = .inherit; // show cmocka's report; a non-zero exit fails the step
        run.has_side_effects = true; // always re-run, never cached
        test_step.dependOn(&run.step);
    }
}
