#!/bin/bash
# Side-by-side benchmarks against the PyTorch peers in ../shared/peers, same data, batch 128,
# 2 cores, alternating runs (absolute times drift on shared machines; the ratio in one run does not).
#   bench/compare.sh mlp [runs=3]   W1: one epoch of the MLP example vs torch_mlp.py (PyTorch t1ob2:
#                                   1 intra-op thread + OpenBLAS 2 threads, its best 2-core setting)
#   bench/compare.sh cnn [runs=3]   W2: 100 batches of the CNN example vs torch_cnn.py --model example
#                                   (PyTorch t2ob1: 2 OpenMP threads for oneDNN convolutions)
#   bench/compare.sh predict [runs=3]  W3: the MLP's single-sample latency (median, p99) and batch-1024
#                                   throughput vs torch_mlp.py --epochs 0 (PyTorch t1ob2)
# Each line reports the ratio as "better than PyTorch" factors: > 1 means kerasxx is ahead (its
# samples/s over PyTorch's; PyTorch's latency over its).
# kerasxx's thread budget is OpenBLAS's thread count (2): its own kernels (convolution, pooling,
# elementwise) split batches over that many threads with OpenBLAS single-threaded meanwhile
# (lib/ops/parallel.hpp), so the process never runs more than 2 busy threads. Needs python3-torch.
# Builds with -Dsimd=native in build-bench/. See ../shared/peers/README.md for the peers' thread settings.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
workload=${1:?usage: bench/compare.sh mlp|cnn [runs]}
runs=${2:-3}
peers=${PEERS_DIR:-../shared/peers}
case $workload in
    mlp) ours_cmd=(build-bench/bench/mlp_train); keys=(w1.epoch1_samples_per_s:higher)
         theirs_cmd=(/usr/bin/python3 "$peers/torch_mlp.py" --threads 1 --epochs 1 --no-infer); torch_threads=1 blas_threads=2 ;;
    cnn) ours_cmd=(build-bench/bench/cnn_train); keys=(w2.samples_per_s:higher)
         theirs_cmd=(/usr/bin/python3 "$peers/torch_cnn.py" --threads 2 --batches 100 --model example); torch_threads=2 blas_threads=1 ;;
    predict) ours_cmd=(build-bench/bench/mlp_predict); keys=(w3.b1_median_us:lower w3.b1_p99_us:lower w3.b1024_samples_per_s:higher)
         theirs_cmd=(/usr/bin/python3 "$peers/torch_mlp.py" --threads 1 --epochs 0); torch_threads=1 blas_threads=2 ;;
    *) echo "unknown workload '$workload': expected mlp, cnn or predict" >&2; exit 2 ;;
esac
[[ -f build-bench/build.ninja ]] || meson setup build-bench --buildtype=release -Dsimd=native -Dtests=false >/dev/null
ninja -C build-bench "${ours_cmd[0]#build-bench/}" >/dev/null

ours=() theirs=()
for ((i = 1; i <= runs; i++)); do
    ours+=("$(OPENBLAS_NUM_THREADS=2 OMP_NUM_THREADS=1 "${ours_cmd[@]}" | tail -1)")
    theirs+=("$(OPENBLAS_NUM_THREADS=$blas_threads OMP_NUM_THREADS=$torch_threads "${theirs_cmd[@]}" 2>/dev/null | tail -1)")
    echo "run $i done" >&2
done
python3 - "${keys[*]}" "${ours[@]}" -- "${theirs[@]}" <<'PY'
import json, statistics, sys
keys = sys.argv[1].split()
split = sys.argv.index("--")
ours = [json.loads(line) for line in sys.argv[2:split]]
theirs = [json.loads(line) for line in sys.argv[split + 1:]]
def field(d, key):
    for part in key.split("."):
        d = d[part]
    return float(d)
for spec in keys:
    key, direction = spec.split(":")
    o = [field(d, key) for d in ours]
    t = [field(d, key) for d in theirs]
    better = (lambda a, b: a / b) if direction == "higher" else (lambda a, b: b / a)
    mo, mt = statistics.median(o), statistics.median(t)
    runs = ", ".join(f"{better(a, b):.2f}" for a, b in zip(o, t))
    print(f"{key}: median kerasxx {mo:,.2f}, pytorch {mt:,.2f} -> kerasxx better by {better(mo, mt):.2f}x (per run: {runs})")
PY
