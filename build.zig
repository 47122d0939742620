//! scaffold build: C11 sources compiled by Zig's clang.
//!
//!   zig build                       -> zig-out/bin/scaffold (+ libscaffold.a)
//!   zig build test                  -> builds and runs every tests/test_*.c executable
//!   zig build tests                 -> only installs them to zig-out/tests/
//!   zig build -Doptimize=ReleaseFast   for real runs (Debug keeps the UB sanitizer)
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

/// BLIS comes from Debian's libblis-pthread-dev, named by path: Debian's default
/// libblis.so alternative is the OpenMP build, whose header needs omp.h (absent from
/// Zig's clang; sources include <blis-pthread/blis.h>) and whose thread pool is harder to keep deterministic. The rpath
/// makes the loader pick the pthread build whatever the alternatives say.
const blis_dir = "/usr/lib/x86_64-linux-gnu/blis-pthread";

fn addDeps(b: *std.Build, m: *std.Build.Module) void {
    m.link_libc = true;
    m.addIncludePath(b.path("src"));
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
    const lib = b.addLibrary(.{ .name = "scaffold", .root_module = lib_mod, .linkage = .static });
    b.installArtifact(lib);

    const exe_mod = b.createModule(.{ .target = target, .optimize = optimize });
    addDeps(b, exe_mod);
    exe_mod.addCSourceFiles(.{ .files = &.{"src/main.c"}, .flags = &c_flags });
    exe_mod.linkLibrary(lib);
    const exe = b.addExecutable(.{ .name = "scaffold", .root_module = exe_mod });
    b.installArtifact(exe);

    const run_cmd = b.addRunArtifact(exe);
    run_cmd.addPassthruArgs();
    b.step("run", "Run scaffold with the arguments after --").dependOn(&run_cmd.step);

    // One executable per tests/test_*.c, each linked with cmocka and the library.
    var test_sources: std.ArrayList([]const u8) = .empty;
    collectSources(b, "tests", &test_sources, &.{});
    var support: std.ArrayList([]const u8) = .empty; // tests/support/*.c: shared helpers
    var tests: std.ArrayList([]const u8) = .empty;
    for (test_sources.items) |s| {
        if (std.mem.startsWith(u8, s, "tests/support/")) support.append(arena, s) catch @panic("OOM")
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
