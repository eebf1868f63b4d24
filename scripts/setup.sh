#!/usr/bin/env bash
# Brings a checkout to a runnable state, and is quick when it already is:
#   1. Debian packages: libtorch-dev (the engine), libopenblas0-openmp (see below), python3-torch and
#      python3-torchvision (benchmark references and fixture scripts) and chromium (the report test
#      renders HTML in it), installed with apt-get when missing (run as root on a fresh machine);
#   2. npm packages (npm ci) when package-lock.json changed;
#   3. the native addon (node-gyp) when its sources changed;
#   4. the TypeScript build (tsc, incremental);
#   5. the engine parity fixtures and the zoo's light parity fixtures (generated with python3-torch
#      and python3-torchvision, not committed).
# Everything it prints goes to stderr, so commands' standard output stays clean.
set -euo pipefail
exec 3>&1 1>&2
cd "$(dirname "$0")/.."

# Debian's libtorch does its matrix products (Linear layers, and convolutions that fall back to
# GEMM) through the system BLAS. Without an optimised one that is the reference netlib libblas3:
# single-threaded and unblocked, about 25x slower on a 512x512 product and 10x on a whole MLP's
# training step. libopenblas0-openmp registers itself as the libblas.so.3 alternative and shares
# libtorch's OpenMP runtime (the pthread build would start threads of its own on top of it).
need_pkgs=()
for p in libtorch-dev libopenblas0-openmp python3-torch python3-torchvision chromium; do
  dpkg -s "$p" >/dev/null 2>&1 || need_pkgs+=("$p")
done
if [ ${#need_pkgs[@]} -gt 0 ]; then
  echo "setup: installing ${need_pkgs[*]} with apt-get"
  if [ "$(id -u)" != 0 ]; then echo "setup: apt-get needs root; install ${need_pkgs[*]} and rerun" ; exit 1; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need_pkgs[@]}" >/dev/null
  # parity fixtures made with the old packages (another BLAS sums in another order) are remade below
  rm -f test/fixtures/engine/*.safetensors test/fixtures/zoo/*.safetensors
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi

addon=native/build/Release/fovea_native.node
if [ ! -f "$addon" ] || [ -n "$(find native/src native/binding.gyp -newer "$addon" 2>/dev/null | head -1)" ]; then
  echo "setup: building the native addon against ${LIBTORCH:-Debian libtorch}"
  nodedir=()
  [ -f /usr/include/node/node.h ] && nodedir=(--nodedir=/usr)
  node node_modules/node-gyp/bin/node-gyp.js rebuild --directory native -j "$(nproc)" "${nodedir[@]}" --loglevel=error
fi

stamp=dist/.tsbuild-stamp
if [ ! -f "$stamp" ] || [ -n "$(find src test bench tools tsconfig.json package.json -newer "$stamp" \( -name '*.ts' -o -name '*.json' -o -name '*.txt' \) 2>/dev/null | head -1)" ]; then
  echo "setup: compiling TypeScript"
  node node_modules/typescript/bin/tsc -p tsconfig.json
  touch "$stamp"
fi

# The engine's PyTorch parity fixtures are generated here rather than committed (they are tensor
# files; the script is deterministic and takes about a second).
if [ ! -f test/fixtures/engine/cnn.safetensors ] || [ ! -f test/fixtures/engine/ops.safetensors ] || \
   [ tools/fixtures/make_engine_fixtures.py -nt test/fixtures/engine/ops.safetensors ]; then
  echo "setup: generating engine parity fixtures with /usr/bin/python3 (python3-torch)"
  /usr/bin/python3 tools/fixtures/make_engine_fixtures.py >/dev/null
fi

# The architecture zoo's torchvision parity fixtures (test/models/zoo-parity.test.ts), light set
# only (keep this list in step with LIGHT in the script; the heavy set is generated on demand by
# FOVEA_SLOW=1 runs). The script rewrites only files that are missing or older than itself.
zoo_stale=
for a in resnet18 squeezenet1_1 mobilenet_v2 mobilenet_v3_small mnasnet1_0 efficientnet_b0 preact_resnet18; do
  f=test/fixtures/zoo/$a.safetensors
  if [ ! -f "$f" ] || [ tools/fixtures/make_zoo_fixtures.py -nt "$f" ]; then zoo_stale=1; break; fi
done
if [ -n "$zoo_stale" ]; then
  echo "setup: generating zoo parity fixtures (light set) with /usr/bin/python3 (python3-torchvision)"
  /usr/bin/python3 tools/fixtures/make_zoo_fixtures.py >/dev/null
fi
