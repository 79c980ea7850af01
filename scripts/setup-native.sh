#!/usr/bin/env bash
# npm run setup:native [-- --gpu]
#
# Installs the optional native TensorFlow backend (@tensorflow/tfjs-node, or tfjs-node-gpu with
# --gpu) into .native/<variant>/, outside the node_modules that `npm ci` owns (npm ci deletes
# node_modules, and the package's own install script would try a download this machine cannot
# make). trainer/backend.ts loads it from there; without it the embedded default runs on wasm.
#
# Only the package registries are used: the TensorFlow C library comes from a PyPI wheel
# (libtensorflow_cc.so.2 exports the whole C API and no Python symbols), checked against a pinned
# sha256 and cached under .tools/native so a rerun is offline; the N-API addon is built from
# source against it with the installed Node.js headers (/usr/include/node here). Idempotent: a stamp records
# what was installed, and a rerun that finds the same stamp and a loading addon does nothing.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="$PWD"
log() { echo "[setup:native $(date -u +%H:%M:%S)] $*" >&2; }
die() { log "error: $*"; exit 1; }

variant=cpu
for arg in "$@"; do
  case "$arg" in
    --gpu) variant=gpu ;;
    --cpu) variant=cpu ;;
    *) die "unknown argument '$arg' (expected --gpu or nothing)" ;;
  esac
done

# The tfjs-node release and the TensorFlow.js the project depends on must be the same version:
# the addon registers its kernels with the project's own @tensorflow/tfjs (no second copy).
tfjs_version=4.22.0
if [[ $variant == cpu ]]; then
  package=@tensorflow/tfjs-node
  wheel_req=tensorflow-cpu==2.16.2
  wheel_file=tensorflow_cpu-2.16.2-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl
  wheel_sha256=c855cb6bf05d32dd5928086b03a5f6b4189b63c22b95e017703cbee4291023ca
  wheel_platform=manylinux2014_x86_64
  install_arg=cpu
else
  package=@tensorflow/tfjs-node-gpu
  wheel_req=tensorflow==2.18.1
  wheel_file=tensorflow-2.18.1-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl
  wheel_sha256=c9f87e5d2a680a4595f5dc30daf6bbaec9d4129b46d7ef1b2af63c46ac7d2828
  wheel_platform=manylinux_2_17_x86_64
  install_arg=gpu
fi

dest="$root/.native/$variant"
# node-gyp builds against the headers of the Node.js that runs it: /usr/include/node for a Debian
# nodejs, /usr/local/include/node in the official Node images.
nodedir="${npm_config_nodedir:-$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")}"
pkg_dir="$dest/node_modules/$package"
cache="$root/.tools/native/wheels"
# Bump layout when what this script puts in .native changes: the stamp then no longer matches.
layout=1
stamp_want="$package@$tfjs_version $wheel_file $wheel_sha256 node $(node -p process.versions.napi)/$(node -p process.version) layout $layout"

# The addon loads when a child Node.js can require the package from .native and make a tensor.
addon_loads() {
  (cd "$root" && node -e "
    const { createRequire } = require('node:module');
    const tfn = createRequire('$dest/package.json')('$package');
    if (tfn.getBackend() !== 'tensorflow') process.exit(1);
    tfn.tensor1d([1, 2]).dataSync();
  " >/dev/null 2>&1)
}

if [[ "$(cat "$dest/.installed" 2>/dev/null || true)" == "$stamp_want" ]] && addon_loads; then
  log "$package already installed in .native/$variant (nothing to do)"
  exit 0
fi

# ---------------------------------------------------------------- preconditions
command -v python3 >/dev/null || die "python3 is needed (pip downloads the TensorFlow wheel)"
python3 -m pip --version >/dev/null 2>&1 || die "pip is needed: apt-get install python3-pip"
[[ -f "$nodedir/include/node/node_api.h" ]] || die "the Node.js headers are missing ($nodedir/include/node/node_api.h): install them, or set npm_config_nodedir to a Node.js prefix that has them"
{ command -v g++ && command -v make; } >/dev/null || die "a C++ toolchain is needed: apt-get install g++ make"
have_tfjs="$(node -p "require('@tensorflow/tfjs/package.json').version" 2>/dev/null || true)"
[[ "$have_tfjs" == "$tfjs_version" ]] || die "node_modules has @tensorflow/tfjs '${have_tfjs:-none}', the native backend needs $tfjs_version: run npm ci first"

# ---------------------------------------------------------------- the TensorFlow wheel (cached, verified)
mkdir -p "$cache"
wheel="$cache/$wheel_file"
verify() { [[ "$(sha256sum "$1" | cut -d' ' -f1)" == "$wheel_sha256" ]]; }
if [[ -f "$wheel" ]] && verify "$wheel"; then
  log "wheel $wheel_file from the cache"
else
  log "pip download $wheel_req"
  rm -f "$wheel"
  python3 -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.11 \
    --platform "$wheel_platform" "$wheel_req" -d "$cache"
  [[ -f "$wheel" ]] || die "pip did not produce $wheel_file"
  verify "$wheel" || { rm -f "$wheel"; die "sha256 of $wheel_file is not the pinned $wheel_sha256"; }
fi

# ---------------------------------------------------------------- the npm package, without its install script
log "npm ci $package@$tfjs_version into .native/$variant"
rm -rf "$dest"
mkdir -p "$dest"
cp "$root/scripts/native/$variant/package.json" "$root/scripts/native/$variant/package-lock.json" "$dest/"
(cd "$dest" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
# Its own copy of TensorFlow.js goes: from .native the package then resolves the project's
# @tensorflow/tfjs (same version, checked above), so there is one engine and one Tensor class.
for d in "$dest"/node_modules/@tensorflow/*; do
  [[ "$d" == "$pkg_dir" ]] || rm -rf "$d"
done

# ---------------------------------------------------------------- libraries and headers from the wheel
log "libtensorflow from $wheel_file"
lib="$pkg_dir/deps/lib"
include="$pkg_dir/deps/include"
mkdir -p "$lib" "$include"
python3 - "$wheel" "$lib" "$include" <<'PY'
import shutil, sys, zipfile
from pathlib import Path
wheel, lib, include = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
# The headers the addon's sources include, and what those include in turn.
header_roots = ["tensorflow/c/", "tensorflow/core/platform/", "tsl/", "xla/tsl/c/"]
with zipfile.ZipFile(wheel) as z:
    for name in ["libtensorflow_cc.so.2", "libtensorflow_framework.so.2"]:
        with z.open(f"tensorflow/{name}") as src, open(lib / name, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
    for info in z.infolist():
        rel = info.filename.removeprefix("tensorflow/include/")
        if rel != info.filename and not info.is_dir() and any(rel.startswith(r) for r in header_roots):
            out = include / rel
            out.parent.mkdir(parents=True, exist_ok=True)
            with z.open(info) as src, open(out, "wb") as dst:
                shutil.copyfileobj(src, dst)
PY
# The names binding.gyp links (-ltensorflow -ltensorflow_framework) and install.js checks for
# (libtensorflow.so.2.9.1); the built addon then records the libraries' own sonames
# (libtensorflow_cc.so.2, libtensorflow_framework.so.2), found through its rpath to deps/lib.
ln -sf libtensorflow_cc.so.2 "$lib/libtensorflow.so"
ln -sf libtensorflow_cc.so.2 "$lib/libtensorflow.so.2.9.1"
ln -sf libtensorflow_framework.so.2 "$lib/libtensorflow_framework.so"
ln -sf libtensorflow_framework.so.2 "$lib/libtensorflow_framework.so.2.9.1"

if [[ $variant == gpu ]]; then
  # libtensorflow_cc.so.2's RUNPATH looks for $ORIGIN/../nvidia/<lib>/lib: the CUDA libraries of
  # tensorflow[and-cuda], at the versions its metadata pins, unpacked next to deps/lib.
  log "CUDA wheels (tensorflow[and-cuda]==2.18.1's pins) into deps/nvidia"
  mapfile -t cuda < <(python3 - "$wheel" <<'PY'
import re, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    meta = next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))
    for line in z.read(meta).decode().splitlines():
        m = re.match(r"Requires-Dist: (nvidia-[\w-]+)\s*(?:\()?(==[\w.]+)\)?\s*;\s*extra\s*==\s*['\"]and-cuda['\"]", line)
        if m:
            print(m.group(1) + m.group(2))
PY
)
  ((${#cuda[@]} > 0)) || die "no nvidia-* pins found in $wheel_file's metadata"
  python3 -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.11 \
    --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 -d "$root/.tools/native/cuda-wheels" "${cuda[@]}"
  for w in "$root"/.tools/native/cuda-wheels/nvidia_*.whl; do
    python3 -c "import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])" "$w" "$pkg_dir/deps"
  done
fi

# ---------------------------------------------------------------- build the addon from source
# "tf-lib" set and no "addon": install.js skips the download (deps/lib/libtensorflow.so.2.9.1
# exists) and runs node-pre-gyp --build-from-source; node-gyp takes the headers from $nodedir.
printf '{ "tf-lib": "file://%s" }\n' "$lib" >"$pkg_dir/scripts/custom-binary.json"
log "building the N-API addon (node-gyp, headers from $nodedir/include/node)"
(cd "$pkg_dir" && npm_config_nodedir="$nodedir" PATH="$dest/node_modules/.bin:$PATH" node scripts/install.js "$install_arg" >"$dest/build.log" 2>&1) \
  || { tail -n 30 "$dest/build.log" >&2; die "building the addon failed (full log: .native/$variant/build.log)"; }
addon_loads || { tail -n 30 "$dest/build.log" >&2; die "the addon built but does not load"; }
echo "$stamp_want" >"$dest/.installed"
log "$package installed in .native/$variant: the trainer's 'auto' backend now picks it"
