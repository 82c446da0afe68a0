// Reshaping layers. Target shapes exclude the batch dimension, as in Keras.
//
//   kx::layers::Flatten()            // (None, 28, 28) -> (None, 784)
//   kx::layers::Reshape({7, 4, 28})  // (None, 784) -> (None, 7, 4, 28); one entry may be kx::None
#pragma once

#include <kerasxx/layer.hpp>

namespace kx::layers {

class Flatten : public Layer {
public:
    explicit Flatten(std::string name = {});
    Tensor call(const Tensor& inputs, bool training) override;
    Shape compute_output_shape(const Shape& input_shape) override;
};

class Reshape : public Layer {
public:
    explicit Reshape(Shape target_shape, std::string name = {});
    void build(const Shape& input_shape) override;
    Tensor call(const Tensor& inputs, bool training) override;
    Shape compute_output_shape(const Shape& input_shape) override;
    nlohmann::json get_config() const override;

private:
    Shape target_shape_;
    Shape resolved_;   // target_shape_ with the kx::None entry inferred at build time
};

}  // namespace kx::layers
