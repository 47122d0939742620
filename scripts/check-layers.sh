#!/usr/bin/env bash
# The include graph against the layer order of src/README.md (its ```layers
# block: one line per layer, lowest first; folders on one line are one layer).
# A file in src/<dir>/, teachers/, students/ or tasks/ may include
# "<dir2>/..." only if dir2's layer is at or below its own. Prints every upward
# include as FILE:LINE: dir -> dir2, and a closing line
# "layers: N passed, M failed" (N = files checked clean, M = files with an
# upward include). Exit 1 on any.
set -uo pipefail
cd "$(dirname "$0")/.."

declare -A layer
n=0
while IFS= read -r line; do
  for d in $line; do layer[$d]=$n; done
  n=$((n + 1))
done < <(sed -n '/^```layers$/,/^```$/p' src/README.md | sed '1d;$d')
if [ "$n" -eq 0 ]; then
  echo "check-layers: no \`\`\`layers block in src/README.md" >&2
  exit 2
fi

ok=0
bad=0
files=$( (find src -mindepth 2 -name '*.[ch]'; find teachers students tasks -name '*.[ch]'; echo src/main.c src/scaffold.h) | sort -u)
for f in $files; do
  case "$f" in
    src/main.c) own=main ;;
    src/scaffold.h) continue ;;  # the umbrella header includes every layer by design
    src/*) own=${f#src/}; own=${own%%/*} ;;
    *) own=${f%%/*} ;;
  esac
  if [ -z "${layer[$own]+x}" ]; then
    echo "$f: folder '$own' is not in the layers block of src/README.md"
    bad=$((bad + 1))
    continue
  fi
  clean=1
  while IFS=: read -r ln dep; do
    [ -z "${layer[$dep]+x}" ] && continue  # "model_registry.c"-style generated or local headers
    if [ "${layer[$dep]}" -gt "${layer[$own]}" ]; then
      echo "$f:$ln: $own -> $dep (upward: $dep is layer ${layer[$dep]}, $own is layer ${layer[$own]})"
      clean=0
    fi
  done < <(grep -n '^#include "[a-z_]*/' "$f" | sed 's/^\([0-9]*\):#include "\([a-z_]*\)\/.*/\1:\2/')
  if [ $clean -eq 1 ]; then ok=$((ok + 1)); else bad=$((bad + 1)); fi
done
echo "layers: $ok passed, $bad failed"
[ "$bad" -eq 0 ]
