#!/usr/bin/env bash
# The suite as CI runs it on a NEW machine: a fresh clone of the committed HEAD
# (uncommitted changes are not in it, as they would not be in CI), a copy of
# ../shared beside it, an empty HOME (so an empty data cache, no Zig toolchain,
# an empty Zig build cache), none of scaffold's environment variables, CI=true,
# no standard input — then `bash .ci/run`. A test that only passes because this
# machine has something cached fails here. Run it before resolving any issue.
#
# What it cannot make fresh: Debian packages already installed stay installed
# (scripts/bootstrap.sh installs the missing ones; `--list-apt` prints the list
# it would install on a bare Debian 12).
#
# usage: scripts/ci-fresh.sh [--keep] [--ref REV] [-- ARGS for scripts/test.sh]
#   --keep     keep the temporary folder (clone, HOME, logs) for inspection
#   --ref REV  test that commit instead of HEAD
# Ends with the suite's own closing line; exits with its exit code.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
keep=0
ref=HEAD
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --keep) keep=1 ;;
    --ref) ref="${2:?--ref needs a revision}"; shift ;;
    --list-apt) sed -n '/^APT_PACKAGES=(/,/^)/p' "$repo/scripts/bootstrap.sh" | sed '1d;$d' | tr -s ' \n' '\n' | sed '/^$/d'; exit 0 ;;
    --) shift; args=("$@"); break ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "scripts/ci-fresh.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done

root=$(mktemp -d "${TMPDIR:-/tmp}/scaffold-ci-fresh.XXXXXX")
cleanup() { if [ $keep -eq 1 ]; then echo "ci-fresh: kept $root" >&2; else rm -rf "$root"; fi; }
trap cleanup EXIT

commit=$(git -C "$repo" rev-parse --verify "$ref^{commit}")
git clone -q --no-local "$repo" "$root/main"
git -C "$root/main" checkout -q --detach "$commit"
if [ -d "$repo/../shared" ]; then
  cp -r "$repo/../shared" "$root/shared"
  chmod -R a-w "$root/shared"   # CI's copy of shared/ has no write bits
fi
mkdir -p "$root/home" "$root/tmp"

echo "ci-fresh: $(git -C "$root/main" log -1 --format='%h %s') in $root (empty HOME, empty caches)" >&2
start=$(date +%s)
set +e
( cd "$root/main" &&
  env -i PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
      HOME="$root/home" TMPDIR="$root/tmp" LANG=C.UTF-8 TERM="${TERM:-dumb}" CI=true \
      bash .ci/run "${args[@]+"${args[@]}"}" </dev/null )
rc=$?
set -e
echo "ci-fresh: exit $rc after $(( $(date +%s) - start )) s" >&2
# CI's copy of shared/ is read-only: the suite must not have written into it.
chmod -R u+w "$root/shared" 2>/dev/null || true
exit $rc
