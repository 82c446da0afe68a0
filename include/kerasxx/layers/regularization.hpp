// Regularization layers.
//
//   kx::layers::Dropout(0.2)   // during fit only: zeroes 20% of the inputs, scales the rest by 1/0.8
#pragma once

#include <kerasxx/layer.hpp>

namespace kx::layers {

class Dropout : public Layer {
public:
    explicit Dropout(float rate, std::string name = {});
    Tensor call(const Tensor& inputs, bool training) override;
    Shape compute_output_shape(const Shape& input_shape) override { return input_shape; }
    nlohmann::json get_config() const override;
    float rate() const { return rate_; }

private:
    float rate_;
};

}  // namespace kx::layers
