// The Fashion-MNIST example's MLP (784-256-128-10, logits), as the benchmarks build it.
#pragma once

#include <kerasxx/kerasxx.hpp>

inline kx::Sequential mlp_model() {
    return kx::Sequential({
        kx::layers::Input({28, 28}),
        kx::layers::Flatten(),
        kx::layers::Dense(256, "relu"),
        kx::layers::Dense(128, "relu"),
        kx::layers::Dense(10),
    });
}
