#!/usr/bin/env bash
# Writes a self-contained facebench bundle for a Linux x86-64 machine without Node (a GPU machine
# that cannot reach a package registry), as one .tar.xz of at most 64 MiB:
#
#   facebench-gpu/bin/node    this machine's node binary, stripped
#   facebench-gpu/app/        bin/, dist/ (built here), package.json and the production
#                             node_modules (onnxruntime-node's linux/x64 binaries only)
#   facebench-gpu/vulkan/     Debian's libvulkan1 (the Vulkan loader WebGPU needs) and libglvnd0
#                             (libGLdispatch, which NVIDIA's Vulkan driver library links), unpacked
#                             with dpkg -x
#   facebench-gpu/run.sh      runs the benchmark or facebench with the bundled node and loader
#
# Usage, from the repository root after npm ci:  bench/gpu/make-bundle.sh [OUT.tar.xz]
# (default .bench/facebench-gpu.tar.xz). Set VULKAN_DEBS=DIR to take the .deb files from DIR
# instead of `apt-get download`. How to use the bundle: bench/gpu/README.md.
set -euo pipefail

out=${1:-.bench/facebench-gpu.tar.xz}
limit=$((64 * 1024 * 1024))
[ "$(uname -m)" = x86_64 ] || { echo "make-bundle: the bundle carries this machine's binaries; build it on x86-64 (this is $(uname -m))" >&2; exit 2; }
[ -f package.json ] && [ -d node_modules ] || { echo "make-bundle: run from the repository root after npm ci" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
stage=$work/facebench-gpu
mkdir -p "$stage/bin" "$stage/app" "$stage/vulkan"

node scripts/build.mjs
tar -cf - --exclude='*.map' bin dist package.json | tar -xf - -C "$stage/app"

# The production dependency closure, as npm resolved it here.
npm ls --omit=dev --parseable --all 2>/dev/null | tail -n +2 | sed "s|^$PWD/||" >"$work/packages"
tar -cf - -T "$work/packages" | tar -xf - -C "$stage/app"
ort=$stage/app/node_modules/onnxruntime-node/bin/napi-v6
find "$ort" -mindepth 2 -maxdepth 2 ! -path "$ort/linux/x64" -exec rm -rf {} +
[ -f "$ort/linux/x64/libonnxruntime.so.1" ] || { echo "make-bundle: onnxruntime-node has no linux/x64 binaries" >&2; exit 1; }

cp "$(command -v node)" "$stage/bin/node"
if command -v strip >/dev/null; then strip --strip-all "$stage/bin/node"; fi

debs=${VULKAN_DEBS:-$work/debs}
if [ -z "${VULKAN_DEBS:-}" ]; then
  mkdir -p "$debs"
  chmod 755 "$work" && chmod 777 "$debs" # apt's download sandbox user must be able to write there
  (cd "$debs" && apt-get download libvulkan1 libglvnd0 >/dev/null)
fi
for deb in "$debs"/libvulkan1_*.deb "$debs"/libglvnd0_*.deb; do
  [ -f "$deb" ] || { echo "make-bundle: missing $deb" >&2; exit 1; }
  dpkg -x "$deb" "$work/unpacked"
done
lib=usr/lib/x86_64-linux-gnu
mkdir -p "$stage/vulkan/$lib"
cp -P "$work/unpacked/$lib"/libvulkan.so.1* "$work/unpacked/$lib"/libGLdispatch.so.0* "$stage/vulkan/$lib/"
ls "$debs"/libvulkan1_*.deb "$debs"/libglvnd0_*.deb | sed 's|.*/||' >"$stage/vulkan/PACKAGES"

cat >"$stage/run.sh" <<'EOF'
#!/bin/sh
# run.sh bench [gpu-bench flags]        the GPU benchmark (app/dist/gpu-bench.js)
# run.sh facebench COMMAND [flags]      facebench itself (app/bin/facebench.js)
# Runs them with the bundled node and Vulkan loader; where no Vulkan driver manifest lies where the
# loader looks, NVIDIA's manifest under /usr/local/nvidia (a container's driver mount) is named.
here=$(cd "${0%/*}" && pwd)
export LD_LIBRARY_PATH="$here/vulkan/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
if [ -z "${VK_DRIVER_FILES:-}${VK_ICD_FILENAMES:-}" ]; then
  found=
  for d in /etc/vulkan/icd.d /usr/share/vulkan/icd.d /usr/local/share/vulkan/icd.d; do
    for f in "$d"/*.json; do [ -f "$f" ] && found=1; done
  done
  nvidia=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  if [ -z "$found" ] && [ -f "$nvidia" ]; then export VK_DRIVER_FILES="$nvidia"; fi
fi
case "${1:-}" in
  bench) shift; exec "$here/bin/node" "$here/app/dist/gpu-bench.js" "$@" ;;
  facebench) shift; exec "$here/bin/node" "$here/app/bin/facebench.js" "$@" ;;
  *) echo "usage: run.sh bench [flags] | run.sh facebench COMMAND [flags]" >&2; exit 2 ;;
esac
EOF
chmod +x "$stage/run.sh"

mkdir -p "$(dirname "$out")"
tar -C "$work" -cf - facebench-gpu | xz -9e -T0 >"$out.tmp"
size=$(stat -c %s "$out.tmp")
mv "$out.tmp" "$out"
echo "make-bundle: $out: $((size / 1024 / 1024)) MiB ($size bytes; node $("$stage/bin/node" --version), $(du -sh "$stage" | cut -f1) unpacked)"
if [ "$size" -gt "$limit" ]; then echo "make-bundle: over the 64 MiB limit" >&2; exit 1; fi
