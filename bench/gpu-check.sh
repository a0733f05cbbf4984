#!/usr/bin/env bash
# CPU vs CUDA tokens/s on a machine with an NVIDIA GPU, offline, in under 5 minutes. Not part of `npm test`.
# Needs: `npm ci` done (it installs node-llama-cpp's prebuilt CUDA build as an npm package: nothing is built from
# source, nothing is downloaded) and the NVIDIA driver. It generates a ~1 GB F32 llama-architecture model with the
# project's generator (test/support/tiny-model.ts; random weights, gibberish output: speed is what is measured),
# prints `tokenwise doctor` (prompt and generation tokens/s) on the CPU and on CUDA, then the local batching bench
# (1, 2, 4, 8 requests at once) on CUDA (on the CPU, that bench alone would take longer than the 5 minutes).
#
#   bash bench/gpu-check.sh [threads]        # threads for the CPU run; default: all cores
set -euo pipefail
cd "$(dirname "$0")/.."
threads="${1:-$(nproc)}"
model="${TMPDIR:-/tmp}/tokenwise-gpu-check-1gb.gguf"

command -v nvidia-smi >/dev/null || { echo "nvidia-smi not found: this check needs an NVIDIA GPU and its driver" >&2; exit 1; }
nvidia-smi --query-gpu=name,memory.total,memory.free --format=csv
[ -d node_modules/@node-llama-cpp/linux-x64-cuda ] || { echo "node_modules/@node-llama-cpp/linux-x64-cuda is missing: run npm ci first" >&2; exit 1; }
node esbuild.config.js

# 5 layers of width 2048 (FFN 5632), F32: ~1.03 GB. Written once, reused on later runs.
[ -f "$model" ] || node --import tsx test/support/tiny-model.ts "$model" --embd 2048 --heads 16 --ff 5632 --layers 5 --ctx 2048
ls -l "$model"

export TOKENWISE_LOCAL_MODEL="$model" TOKENWISE_PORT=0
export TOKENWISE_DATA_DIR="$(mktemp -d)"
echo "=== CPU ($threads threads) ==="
timeout 120 node bin/tokenwise.js doctor --gpu cpu --threads "$threads" --parallel 4
echo "=== CUDA ==="
# Prebuilt binaries only: the proxy passes build: "never" to node-llama-cpp, so a missing CUDA build fails, never compiles.
timeout 60 node bin/tokenwise.js doctor --gpu cuda --parallel 4
echo "=== CUDA, local batching bench ==="
TOKENWISE_GPU=cuda timeout 120 node --import tsx bench/local-batching.bench.ts \
  | node -e 'const r = JSON.parse(require("fs").readFileSync(0, "utf8").trim().split("\n").pop()).results; for (const [k, v] of Object.entries(r)) console.log(`  ${k}: ${v}`)'
rm -rf "$TOKENWISE_DATA_DIR"
