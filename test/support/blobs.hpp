// Small deterministic data sets for training tests.
#pragma once

#include <kerasxx/tensor.hpp>

#include <random>

struct Blobs {
    kx::Tensor x, y;
};

// `n` points in 2-D around three well-separated centres; y holds the class ids 0, 1, 2.
inline Blobs make_blobs(std::size_t n, unsigned seed = 0) {
    const float centres[3][2] = {{-2.0f, 0.0f}, {2.0f, 0.0f}, {0.0f, 2.5f}};
    std::mt19937 engine(seed);
    std::normal_distribution<float> noise(0.0f, 0.5f);
    Blobs b{kx::Tensor::empty({n, 2}), kx::Tensor::empty({n})};
    for (std::size_t i = 0; i < n; ++i) {
        const std::size_t c = i % 3;
        b.x.data()[2 * i] = centres[c][0] + noise(engine);
        b.x.data()[2 * i + 1] = centres[c][1] + noise(engine);
        b.y.data()[i] = static_cast<float>(c);
    }
    return b;
}
