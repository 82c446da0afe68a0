#!/bin/bash
# Side-by-side W1 benchmark: kerasxx's mlp_train against ../shared/peers/torch_mlp.py, same data,
# batch 128, 2 cores, alternating runs (absolute times drift on shared machines; the ratio in one
# run does not). PyTorch runs in its best 2-core setting (t1ob2: 1 intra-op thread, OpenBLAS 2
# threads, see ../shared/peers/README.md); kerasxx uses OpenBLAS's 2 threads and nothing else.
#   bench/compare_mlp.sh [runs=3]
# Needs python3-torch. Builds kerasxx with -Dsimd=native in build-bench/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
runs=${1:-3}
peers=${PEERS_DIR:-../shared/peers}
[[ -f build-bench/build.ninja ]] || meson setup build-bench --buildtype=release -Dsimd=native -Dtests=false >/dev/null
ninja -C build-bench bench/mlp_train >/dev/null

ours=() theirs=()
for ((i = 1; i <= runs; i++)); do
    o=$(OPENBLAS_NUM_THREADS=2 OMP_NUM_THREADS=1 build-bench/bench/mlp_train | tail -1)
    t=$(OPENBLAS_NUM_THREADS=2 OMP_NUM_THREADS=1 /usr/bin/python3 "$peers/torch_mlp.py" --threads 1 --epochs 1 --no-infer 2>/dev/null | tail -1)
    ours+=("$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["w1"]["epoch1_samples_per_s"])' "$o")")
    theirs+=("$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["w1"]["epoch1_samples_per_s"])' "$t")")
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
