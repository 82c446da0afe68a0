#!/bin/bash
# Side-by-side benchmarks against the PyTorch peers in ../shared/peers, same data, batch 128,
# 2 cores, alternating runs (absolute times drift on shared machines; the ratio in one run does not).
#   bench/compare.sh mlp [runs=3]   W1: one epoch of the MLP example vs torch_mlp.py (PyTorch t1ob2:
#                                   1 intra-op thread + OpenBLAS 2 threads, its best 2-core setting)
#   bench/compare.sh cnn [runs=3]   W2: 100 batches of the CNN example vs torch_cnn.py --model example
#                                   (PyTorch t2ob1: 2 OpenMP threads for oneDNN convolutions)
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
    mlp) ours_cmd=(build-bench/bench/mlp_train); key=w1.epoch1_samples_per_s
         theirs_cmd=(/usr/bin/python3 "$peers/torch_mlp.py" --threads 1 --epochs 1 --no-infer); torch_threads=1 blas_threads=2 ;;
    cnn) ours_cmd=(build-bench/bench/cnn_train); key=w2.samples_per_s
         theirs_cmd=(/usr/bin/python3 "$peers/torch_cnn.py" --threads 2 --batches 100 --model example); torch_threads=2 blas_threads=1 ;;
    *) echo "unknown workload '$workload': expected mlp or cnn" >&2; exit 2 ;;
esac
[[ -f build-bench/build.ninja ]] || meson setup build-bench --buildtype=release -Dsimd=native -Dtests=false >/dev/null
ninja -C build-bench "${ours_cmd[0]#build-bench/}" >/dev/null

field() { python3 -c 'import json,sys; d=json.loads(sys.argv[1]); [d:=d[k] for k in sys.argv[2].split(".")]; print(d)' "$1" "$2"; }
ours=() theirs=()
for ((i = 1; i <= runs; i++)); do
    o=$(OPENBLAS_NUM_THREADS=2 OMP_NUM_THREADS=1 "${ours_cmd[@]}" | tail -1)
    t=$(OPENBLAS_NUM_THREADS=$blas_threads OMP_NUM_THREADS=$torch_threads "${theirs_cmd[@]}" 2>/dev/null | tail -1)
    ours+=("$(field "$o" "$key")")
    theirs+=("$(field "$t" "$key")")
    echo "run $i: kerasxx ${ours[-1]} samples/s, pytorch ${theirs[-1]} samples/s"
done
python3 - "${ours[*]}" "${theirs[*]}" <<'PY'
import statistics, sys
ours = [float(v) for v in sys.argv[1].split()]
theirs = [float(v) for v in sys.argv[2].split()]
mo, mt = statistics.median(ours), statistics.median(theirs)
ratios = [o / t for o, t in zip(ours, theirs)]
print(f"median: kerasxx {mo:,.0f} samples/s, pytorch {mt:,.0f} samples/s")
print(f"ratio kerasxx/pytorch = {mo / mt:.2f} (per run: {', '.join(f'{r:.2f}' for r in ratios)})")
PY
