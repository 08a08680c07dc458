#!/bin/bash
# Prepare the GPU check for a lent device machine (no Node.js, no network there). Run here, from
# anywhere in the repo, after `npm ci`:
#   bash bench/gpu/build.sh
# It assembles .devkit/ with shared/tools/device-kit.sh (Node binary, Vulkan loader, Dawn; ~31 MB)
# when missing, bundles bench/gpu/check.ts into .devkit/gpu-check.mjs (webgpu external: the kit's
# prelude provides it), bundles the bootstrap hook bench/bootstrap/gpu.ts into
# .devkit/gpu-bootstrap.mjs (and the bootstrap's worker into .devkit/replicate-worker.mjs) when that
# file exists, and puts tfjs's .wasm binaries where the bundle resolves them. Then the device command is: bash bench/gpu/run.sh   (carry: [".devkit"])
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd); cd "$top"
shared=${SHARED:-$top/../shared}
[ -f .devkit/prelude.sh ] || bash "$shared/tools/device-kit.sh"
# CommonJS parts of tfjs call require() and read __dirname; give the ES module bundle both.
banner='import { createRequire as __sysgmmRequire } from "node:module"; import { fileURLToPath as __sysgmmPath } from "node:url"; const require = __sysgmmRequire(import.meta.url); const __filename = __sysgmmPath(import.meta.url); const __dirname = __filename.slice(0, __filename.lastIndexOf("/"));'
bundle() { npx esbuild "$1" --bundle --platform=node --format=esm --target=node20 --external:webgpu --log-level=warning --banner:js="$banner" --outfile="$2"; }
bundle bench/gpu/check.ts .devkit/gpu-check.mjs
if [ -f bench/bootstrap/gpu.ts ]; then
  bundle bench/bootstrap/gpu.ts .devkit/gpu-bootstrap.mjs
  # The bootstrap's worker threads, bundled: run.sh points SYSGMM_WORKER at it (no tsx on the device).
  bundle src/bootstrap/replicate-worker.ts .devkit/replicate-worker.mjs
  echo "build: bootstrap hook and its worker bundled (bench/bootstrap/gpu.ts)"
else
  rm -f .devkit/gpu-bootstrap.mjs .devkit/replicate-worker.mjs
  echo "build: no bench/bootstrap/gpu.ts; the check runs without the bootstrap hook"
fi
wasm=.devkit/node_modules/@tensorflow/tfjs-backend-wasm
mkdir -p "$wasm/dist"
cp node_modules/@tensorflow/tfjs-backend-wasm/package.json "$wasm/"
cp node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm "$wasm/dist/"
du -sh .devkit
