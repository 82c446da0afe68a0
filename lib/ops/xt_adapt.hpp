// Internal: xtensor views over kx::Tensor storage, so kernels are xtensor expressions.
//   auto y = view(out);  xt::noalias(y) = xt::exp(view(x));
// Assign with xt::noalias into an existing buffer: a plain `=` allocates a temporary.
#pragma once

#include <kerasxx/tensor.hpp>

#include <xtensor/xadapt.hpp>

namespace kx::detail {

inline auto view(Tensor& t) { return xt::adapt(t.data(), t.size(), xt::no_ownership(), t.shape()); }
inline auto view(const Tensor& t) { return xt::adapt(t.data(), t.size(), xt::no_ownership(), t.shape()); }

}  // namespace kx::detail
