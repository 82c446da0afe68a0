// Interop from kx::Tensor back to xtensor. (The other way is implicit: any xtensor array or
// expression converts to a kx::Tensor, e.g. model.fit(images / 255.0f, labels).)
//
//   #include <kerasxx/xtensor.hpp>
//
//   kx::Tensor probs = model.predict(x);                        // (B, 10)
//   xt::xtensor<float, 2> p = kx::to_xtensor<2>(probs);         // fixed rank: fastest in xtensor
//   auto labels = xt::argmax(p, 1);
//   xt::xarray<float> any_rank = kx::to_xarray(probs);
//
// Both copy: the xtensor container owns its data and outlives the tensor. This is the one
// kerasxx header that includes xtensor; the umbrella <kerasxx/kerasxx.hpp> does not include it.
#pragma once

#include <kerasxx/error.hpp>
#include <kerasxx/tensor.hpp>

#include <xtensor/xarray.hpp>
#include <xtensor/xtensor.hpp>

#include <algorithm>
#include <array>
#include <string>

namespace kx {

inline xt::xarray<float> to_xarray(const Tensor& tensor) {
    auto array = xt::xarray<float>::from_shape(tensor.shape());
    std::copy_n(tensor.data(), tensor.size(), array.data());
    return array;
}

// Throws kx::Error unless tensor.rank() == N.
template <std::size_t N>
xt::xtensor<float, N> to_xtensor(const Tensor& tensor) {
    if (tensor.rank() != N)
        throw Error("kx::to_xtensor<" + std::to_string(N) + ">: expected a tensor of rank " + std::to_string(N) +
                    ", got shape " + to_string(tensor.shape()) + " (rank " + std::to_string(tensor.rank()) +
                    "); use to_xtensor<" + std::to_string(tensor.rank()) + "> or to_xarray");
    std::array<std::size_t, N> shape;
    std::copy_n(tensor.shape().begin(), N, shape.begin());
    auto array = xt::xtensor<float, N>::from_shape(shape);
    std::copy_n(tensor.data(), tensor.size(), array.data());
    return array;
}

}  // namespace kx
