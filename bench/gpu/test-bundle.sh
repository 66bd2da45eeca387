#!/usr/bin/env bash
# Checks a bundle written by make-bundle.sh the way a machine without Node would use it: unpacked
# in a temporary folder and run with an empty environment whose PATH holds only the bundled node,
# `run.sh bench --small` must print the table (and `run.sh facebench --version` its version).
# Usage: bench/gpu/test-bundle.sh [BUNDLE.tar.xz] [extra gpu-bench flags]
set -euo pipefail

bundle=$(realpath "${1:-.bench/facebench-gpu.tar.xz}")
shift || true
size=$(stat -c %s "$bundle")
[ "$size" -le $((64 * 1024 * 1024)) ] || { echo "test-bundle: $bundle is $size bytes, over 64 MiB" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tar -C "$tmp" -xJf "$bundle"
dir=$tmp/facebench-gpu
clean() { env -i PATH="$dir/bin" HOME="$tmp" TMPDIR="$tmp" /bin/sh "$dir/run.sh" "$@"; }

clean facebench --version
start=$(date +%s)
clean bench --small "$@" >"$tmp/table.md" 2>"$tmp/progress.txt" || { cat "$tmp/progress.txt" >&2; exit 1; }
end=$(date +%s)
cat "$tmp/table.md"
grep -q '^| provider | model | batch |' "$tmp/table.md" || { echo "test-bundle: no table" >&2; exit 1; }
grep -q '^| cpu | fp32 |' "$tmp/table.md" || { echo "test-bundle: no cpu row" >&2; exit 1; }
echo "test-bundle: $(basename "$bundle") ($((size / 1024 / 1024)) MiB): run.sh bench --small printed the table in $((end - start)) s"
