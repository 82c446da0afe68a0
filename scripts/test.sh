#!/bin/bash
# Quick start 2: installs what is missing, builds, and runs the whole test suite: the Catch2
# cases, then the install check (meson install + a program built with pkg-config). The last line
# is "N passed, N failed", counting test cases.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }
# Test data: the CSV reader's tests read the small data sets Debian's scikit-learn package ships.
bash scripts/install_packages.sh python3-sklearn || { echo "0 passed, 1 failed"; exit 1; }

log=$(mktemp)
trap 'rm -f "$log"' EXIT
OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-2} build/test/kerasxx_tests --reporter console 2>&1 | tee "$log"
catch_status=${PIPESTATUS[0]}
summary=$(grep -E "^(All tests passed|test cases:)" "$log" | tail -1)
if [[ $summary =~ ^All\ tests\ passed.*in\ ([0-9]+)\ test\ case ]]; then
    passed=${BASH_REMATCH[1]}; failed=0
elif [[ $summary =~ test\ cases:\ +([0-9]+)\ \|\ +([0-9]+)\ passed\ \|\ +([0-9]+)\ failed ]]; then
    passed=${BASH_REMATCH[2]}; failed=${BASH_REMATCH[3]}
else
    passed=0; failed=1   # the test binary crashed before printing its summary
fi

if bash test/install_check.sh; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
((catch_status == 0 && failed == 0)) || status=1
echo "$passed passed, $failed failed"
exit "${status:-0}"
