#!/bin/bash
# The install test: `meson install` into a scratch prefix, then a program outside the tree builds
# with nothing but `g++ -std=c++20 prog.cpp $(pkg-config --cflags --libs kerasxx)` and runs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
build=${1:-build}
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
meson install -C "$build" --quiet --destdir "$prefix" >/dev/null
root="$prefix/usr/local"
libdir=$(dirname "$(find "$root" -name kerasxx.pc | head -1)")
# The .pc file names the final prefix; point pkg-config at the staged copy instead.
export PKG_CONFIG_PATH="$libdir" PKG_CONFIG_SYSROOT_DIR="$prefix"
cat > "$prefix/prog.cpp" <<'CPP'
#include <kerasxx/kerasxx.hpp>
#include <iostream>
int main() {
    kx::Sequential model({kx::layers::Input({4}), kx::layers::Dense(3, "relu"), kx::layers::Dense(1)});
    model.compile({.optimizer = "sgd", .loss = "mse"});
    kx::Tensor x = kx::Tensor::ones({8, 4});
    model.fit(x, kx::Tensor::zeros({8, 1}), {.epochs = 2, .verbose = 0});
    std::cout << "params=" << model.count_params() << " predict=" << kx::to_string(model.predict(x).shape()) << '\n';
}
CPP
if ! g++ -std=c++20 "$prefix/prog.cpp" -o "$prefix/prog" $(pkg-config --cflags --libs kerasxx) \
        -Wl,-rpath,"$(dirname "$(find "$root" -name 'libkerasxx.so' | head -1)")" 2>"$prefix/g++.log"; then
    echo "install check: FAILED, the program did not compile:"
    head -20 "$prefix/g++.log"
    exit 1
fi
out=$("$prefix/prog")
if [[ $out == "params=19 predict=(8, 1)" ]]; then
    echo "install check: ok ($out)"
else
    echo "install check: FAILED, program printed: $out"
    exit 1
fi
