#!/bin/bash
# Installs what is missing (Debian 12 packages), then configures and builds kerasxx in ./build.
# Idempotent: a second run installs nothing and rebuilds only what changed. Meant to be sourced
# or run by scripts/example.sh and scripts/test.sh; extra arguments go to `meson setup`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

source scripts/build_packages.sh
scripts/install_packages.sh "${build_packages[@]}"

if [[ ! -f build/build.ninja ]]; then
    meson setup build --buildtype=release "$@"
fi
# Two parallel jobs: the machines we target have 2 cores, and xtensor TUs need ~0.7 GB each.
ninja -C build -j "${KERASXX_JOBS:-2}"
