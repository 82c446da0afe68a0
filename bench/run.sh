#!/bin/bash
# The benchmark suite: kerasxx against the PyTorch and libtorch peers of ../shared/peers on
# Fashion-MNIST, 2 cores, alternating runs, one command on a clean clone (Debian 12, root or sudo).
#
#   bench/run.sh [--reps N] [--timeout S] [workload ...]
#
# Workloads (default: all): mlp_train cnn_train mlp_predict_b1 mlp_predict_b1024 peak_rss
# gemm_efficiency dataset_overhead. Prints a table (median, spread, ratio against the best peer,
# target) and one JSON line per measurement; writes them to bench/results/latest.{md,jsonl}. A failed
# run is reported and the suite goes on; the exit status is then 1.
#
# Installs what is missing (the build packages, python3-torch, libtorch-dev), builds kerasxx's
# benchmarks in build-bench/ (release, -Dsimd=native, no tests) and the libtorch peer in
# $PEER_BUILD_DIR (default /tmp/kerasxx-bench-peers), then hands over to bench/suite.py, which runs
# and reports. PEERS_DIR: the peers' folder (default ../shared/peers, else /work/shared/peers).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [[ ${1:-} == -h || ${1:-} == --help ]]; then
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
    exit 0
fi

find_peers() {
    local dir candidates=("${PEERS_DIR:-}")
    [[ -n ${PEERS_DIR:-} ]] || candidates=(../shared/peers /work/shared/peers)
    for dir in "${candidates[@]}"; do
        [[ -f $dir/torch_mlp.py ]] && { (cd "$dir" && pwd); return 0; }
    done
    echo "bench/run.sh: no peer scripts (torch_mlp.py) in ${candidates[*]}: set PEERS_DIR to the folder" \
         "of the peers (PEERS_DIR=${PEERS_DIR:-<unset>})" >&2
    return 1
}
quietly() {  # runs a build step, showing its output only when it fails
    local log status=0
    log=$(mktemp)
    "$@" >"$log" 2>&1 || status=$?
    ((status == 0)) || cat "$log" >&2
    rm -f "$log"
    return "$status"
}

peers=$(find_peers)
peer_build=${PEER_BUILD_DIR:-/tmp/kerasxx-bench-peers}

source scripts/build_packages.sh
scripts/install_packages.sh "${build_packages[@]}" python3 python3-numpy python3-torch libtorch-dev
suite=(/usr/bin/python3 bench/suite.py --build-dir build-bench --peers "$peers" --peer-build-dir "$peer_build")
"${suite[@]}" --check-args "$@"   # a mistyped workload fails now, not after the build

echo "building kerasxx's benchmarks in build-bench/ ..." >&2
if [[ ! -f build-bench/build.ninja ]]; then
    quietly meson setup build-bench --buildtype=release -Dsimd=native -Dtests=false
fi
quietly ninja -C build-bench -j "${KERASXX_JOBS:-2}" \
    bench/mlp_train bench/mlp_predict bench/cnn_train bench/gemm_efficiency bench/dataset_fit

# The libtorch peer takes a minute to compile: only when it is missing or older than its source.
if [[ ! $peer_build/libtorch_mlp -nt $peers/libtorch_mlp.cpp ]]; then
    echo "building the libtorch peer in $peer_build ..." >&2
    BUILD_DIR=$peer_build quietly "$peers/build_libtorch.sh"
fi

exec "${suite[@]}" "$@"
