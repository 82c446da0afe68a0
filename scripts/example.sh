#!/bin/bash
# Quick start 1: installs what is missing, builds, and trains the Fashion-MNIST MLP example.
# Extra arguments go to the example (e.g. --epochs 10).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-2} build/examples/fashion_mnist_mlp "$@"
