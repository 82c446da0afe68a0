// The Fashion-MNIST example's MLP (784-256-128-10, logits), as the benchmarks build it, and compiled as
// the peers train it (Adam 1e-3, cross-entropy on logits).
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

inline kx::Sequential compiled_mlp_model() {
    kx::Sequential model = mlp_model();
    model.compile({.optimizer = kx::optimizers::Adam(1e-3),
                   .loss = kx::losses::SparseCategoricalCrossentropy({.from_logits = true}),
                   .metrics = {"accuracy"}});
    return model;
}
