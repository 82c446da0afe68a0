// kx::Sequential: a plain stack of layers, each feeding the next.
//
//   kx::Sequential model({
//       kx::layers::Input({28, 28}),
//       kx::layers::Flatten(),
//       kx::layers::Dense(128, "relu"),
//   });
//   model.add(kx::layers::Dense(10));
//   model.summary();
//
// With an Input first, the model is built at once (summary() works before fit); otherwise it is
// built on the first batch it sees. As in Keras, the Input is not one of layers().
#pragma once

#include <kerasxx/model.hpp>

#include <optional>

namespace kx {

class Sequential : public Model {
public:
    explicit Sequential(std::vector<LayerHandle> layers = {}, std::string name = {});

    void add(LayerHandle layer);
    void pop();
    std::vector<std::shared_ptr<Layer>> layers() const override { return layers_; }

    void build(const Shape& input_shape) override;
    Tensor call(const Tensor& inputs, bool training) override;
    Shape compute_output_shape(const Shape& input_shape) override;
    nlohmann::json get_config() const override;

private:
    std::vector<std::shared_ptr<Layer>> layers_;
    std::optional<Shape> declared_input_;   // from an Input layer, batch included
};

}  // namespace kx
