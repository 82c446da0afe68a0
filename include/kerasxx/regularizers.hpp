// Weight regularizers: penalties on a layer's weights, added to the training loss.
//
//   kx::layers::Dense(64, {.activation = "relu", .kernel_regularizer = kx::regularizers::L2(1e-4)});
//   kx::layers::Dense(64, {.kernel_regularizer = "l1_l2"});        // Keras' defaults: l1 = l2 = 0.01
//   kx::Tensor penalty = kx::regularizers::L1(0.01)(kernel);     // 0.01 * sum(|kernel|), recorded for autograd
//
// A layer's regularization terms (and its activity regularizer's, computed on its outputs) are in
// layer.losses(); Model::fit adds them to the compiled loss, as Keras does.
#pragma once

#include <kerasxx/tensor.hpp>

#include <nlohmann/json_fwd.hpp>

#include <memory>
#include <string>

namespace kx {

class Regularizer {
public:
    virtual ~Regularizer() = default;
    // The penalty for `x`: a scalar tensor, differentiable with respect to x.
    virtual Tensor operator()(const Tensor& x) const = 0;
    virtual std::string class_name() const = 0;             // "L1L2"
    virtual nlohmann::json get_config() const = 0;           // {"l1": 0.01, "l2": 0.0}
    // "l1", "l2", "l1_l2" (Keras' defaults, 0.01) or a class name; unknown ones list the valid ones.
    static std::shared_ptr<Regularizer> get(const std::string& identifier);
};

namespace regularizers {

// Keras' serialized form, {"class_name": "L2", "config": {"l2": 0.01}}; null for no regularizer.
nlohmann::json serialize(const std::shared_ptr<Regularizer>& regularizer);
// The inverse; null gives an empty handle.
std::shared_ptr<Regularizer> deserialize(const nlohmann::json& config);

class L1 : public Regularizer {   // l1 * sum(|x|)
public:
    explicit L1(double l1 = 0.01);
    Tensor operator()(const Tensor& x) const override;
    std::string class_name() const override { return "L1"; }
    nlohmann::json get_config() const override;

private:
    double l1_;
};

class L2 : public Regularizer {   // l2 * sum(x^2)
public:
    explicit L2(double l2 = 0.01);
    Tensor operator()(const Tensor& x) const override;
    std::string class_name() const override { return "L2"; }
    nlohmann::json get_config() const override;

private:
    double l2_;
};

struct L1L2Options {
    double l1 = 0.0;
    double l2 = 0.0;
};

class L1L2 : public Regularizer {   // l1 * sum(|x|) + l2 * sum(x^2)
public:
    explicit L1L2(L1L2Options options = {});
    Tensor operator()(const Tensor& x) const override;
    std::string class_name() const override { return "L1L2"; }
    nlohmann::json get_config() const override;

private:
    L1L2Options options_;
};

}  // namespace regularizers
}  // namespace kx
