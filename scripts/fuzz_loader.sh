#!/bin/bash
# Fuzzes the model-file loader (kx::io::load_model_from_bytes) with libFuzzer under ASan + UBSan.
#
#   scripts/fuzz_loader.sh [seconds]        # default 600
#
# Installs clang if missing, builds the fuzzer in ./build-fuzz (clang, -Dfuzz=true), writes a seed
# corpus of valid .kx files, fuzzes for the given time, prints the executions per second and exits
# non-zero if an input crashed the loader (the input is saved as build-fuzz/crashes/crash-*; replay it
# with build-fuzz/test/fuzz/load_model_fuzzer <file>). New coverage accumulates in build-fuzz/corpus.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
seconds=${1:-600}
build=build-fuzz

packages=(clang libclang-rt-dev meson ninja-build pkg-config libxtensor-dev libxtensor-blas-dev libxsimd-dev xtl-dev
          libopenblas-dev nlohmann-json3-dev zlib1g-dev libfmt-dev libcpp-httplib-dev)
scripts/install_packages.sh "${packages[@]}"

if [[ ! -f $build/build.ninja ]]; then
    # Static library: libFuzzer's coverage counters and ASan see the whole loader in one binary.
    CXX=${CXX:-clang++} CC=${CC:-clang} meson setup "$build" -Dfuzz=true -Dtests=false -Db_sanitize=address,undefined \
        -Db_lundef=false -Ddefault_library=static -Dbuildtype=debugoptimized
fi
ninja -C "$build" -j "${KERASXX_JOBS:-2}" test/fuzz/load_model_fuzzer test/fuzz/make_seed_corpus

seeds=$build/seeds
rm -rf "$seeds"
mkdir -p "$seeds" "$build/corpus" "$build/crashes"
"$build/test/fuzz/make_seed_corpus" "$seeds"
echo "seed corpus: $(ls "$seeds" | wc -l) files in $seeds"

# UBSan reports abort like ASan's; one BLAS thread keeps the executions comparable between runs.
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export OPENBLAS_NUM_THREADS=1
log=$build/fuzz.log
status=0
"$build/test/fuzz/load_model_fuzzer" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
    -artifact_prefix="$build/crashes/" -print_final_stats=1 "$build/corpus" "$seeds" >"$log" 2>&1 || status=$?

executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
per_second=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
echo "fuzzed for ${seconds}s: ${executions:-?} executions, ${per_second:-?} executions/s, corpus $(ls "$build/corpus" | wc -l) files"
if ((status != 0)); then
    grep -E "ERROR|SUMMARY|runtime error|Test unit written" "$log" | head -20 || true
    echo "FAILED: the fuzzer found a crash (exit status $status); full log in $log" >&2
    exit 1
fi
echo "no crash; log in $log"
