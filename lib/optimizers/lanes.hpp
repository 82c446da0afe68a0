// Internal: the loop every update rule runs, vectorised with xsimd.
//
//   for_each_lane(n, [&]<class T>(std::size_t i) {
//       const T g = load<T>(gradient + i);
//       store(variable + i, load<T>(variable + i) - lr * g / (xsimd::sqrt(load<T>(v + i)) + eps));
//   });
//
// The rule is written once, generic in T: it runs on xsimd::batch<float> (8 floats with AVX2)
// over the bulk of the array, then on float for the tail. Why not a plain loop: GCC will not
// vectorise std::sqrt unless built with -fno-math-errno (the errno branch is control flow), and
// most rules take a square root. xsimd::sqrt/max/abs also take plain floats.
#pragma once

#include <xsimd/xsimd.hpp>

#include <cstddef>
#include <type_traits>

namespace kx::optimizers::detail {

using Batch = xsimd::batch<float>;

template <class T>
inline T load(const float* p) {
    if constexpr (std::is_same_v<T, float>) return *p;
    else return T::load_unaligned(p);
}
inline void store(float* p, float x) { *p = x; }
inline void store(float* p, const Batch& x) { x.store_unaligned(p); }

template <class Rule>
inline void for_each_lane(std::size_t n, Rule&& rule) {
    std::size_t i = 0;
    for (; i + Batch::size <= n; i += Batch::size) rule.template operator()<Batch>(i);
    for (; i < n; ++i) rule.template operator()<float>(i);
}

}  // namespace kx::optimizers::detail
