#!/usr/bin/env bash
# Installs whatever scaffold needs and this machine lacks — Debian packages with
# apt-get, the pinned Zig toolchain with pip — and nothing from anywhere else.
# Safe to re-run; prints nothing when everything is already present.
#
#   SCAFFOLD_TOOLS   where the pinned Zig goes (default: ~/.cache/scaffold)
set -euo pipefail

# The pinned Zig: build.zig.zon's minimum_zig_version is the one place it is written.
ZIG_VERSION=$(sed -n 's/^ *\.minimum_zig_version = "\(.*\)",.*/\1/p' "$(dirname "$0")/../build.zig.zon")
[ -n "$ZIG_VERSION" ] || { echo "bootstrap: no minimum_zig_version in build.zig.zon" >&2; exit 1; }

# Build: BLIS (OpenMP build, with GCC's libgomp and omp.h: see build.zig), utf8proc, msgpack-c, libyaml, zlib,
# LAPACKE, libspng, cmocka. Run: gnuplot (plots). Data: Fashion-MNIST. Tests: valgrind.
# Fuzzing and sanitizers (scripts/fuzz.sh, scripts/sanitize.sh): Debian's clang 14 with
# the libFuzzer/ASan/UBSan runtimes (Zig's clang ships none), LLVM's omp.h for it
# (libomp-14-dev: GCC's is not clang 14's dialect), and make. The Slurm
# backend's test (tests/slurm/): Slurm's controller, node daemon, client and munge.
APT_PACKAGES=(
  libblis-openmp-dev libgcc-12-dev libutf8proc-dev libmsgpack-dev libyaml-dev zlib1g-dev
  liblapacke-dev libspng-dev libcmocka-dev gnuplot-nox dataset-fashion-mnist
  valgrind python3 python3-pip ca-certificates libzip-dev libbz2-dev chromium
  clang libclang-rt-14-dev libomp-14-dev make
  slurmctld slurmd slurm-client munge
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "bootstrap: installing Debian packages: ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

tools="${SCAFFOLD_TOOLS:-$HOME/.cache/scaffold}"
zigdir="$tools/ziglang-$ZIG_VERSION"
if [ ! -x "$zigdir/ziglang/zig" ]; then
  echo "bootstrap: installing ziglang==$ZIG_VERSION from PyPI into $zigdir" >&2
  mkdir -p "$tools"
  rm -rf "$zigdir.tmp"
  # --target keeps the toolchain out of the system Python (PEP 668 safe).
  python3 -m pip install --quiet --disable-pip-version-check --no-warn-script-location \
    --target "$zigdir.tmp" "ziglang==$ZIG_VERSION" ||
  python3 -m pip install --quiet --disable-pip-version-check --no-warn-script-location \
    --break-system-packages --target "$zigdir.tmp" "ziglang==$ZIG_VERSION"
  rm -rf "$zigdir"
  mv "$zigdir.tmp" "$zigdir"
fi
got=$("$zigdir/ziglang/zig" version)
if [ "$got" != "$ZIG_VERSION" ]; then
  echo "bootstrap: $zigdir holds zig $got, expected $ZIG_VERSION; remove it and re-run" >&2
  exit 1
fi
