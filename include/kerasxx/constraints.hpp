// Weight constraints: projections applied to a weight after every optimizer update.
//
//   kx::layers::Dense(64, {.kernel_constraint = kx::constraints::MaxNorm({.max_value = 3})});
//   kx::layers::Dense(64, {.kernel_constraint = "non_neg"});
//
// The constraint travels with the variable (Variable::set_constraint), so every optimizer applies
// it right after updating that variable, as Keras does.
#pragma once

#include <kerasxx/tensor.hpp>

#include <nlohmann/json_fwd.hpp>

#include <memory>
#include <string>

namespace kx {

class Constraint {
public:
    virtual ~Constraint() = default;
    // The projected value of `w` (a new tensor; not recorded for autograd).
    virtual Tensor operator()(const Tensor& w) const = 0;
    virtual std::string class_name() const = 0;             // "MaxNorm"
    virtual nlohmann::json get_config() const = 0;
    // "max_norm", "non_neg", "unit_norm", "min_max_norm" or a class name; unknown ones list the valid ones.
    static std::shared_ptr<Constraint> get(const std::string& identifier);
};

namespace constraints {

// {"class_name": "MaxNorm", "config": {...}}; null for no constraint, and back.
nlohmann::json serialize(const std::shared_ptr<Constraint>& constraint);
std::shared_ptr<Constraint> deserialize(const nlohmann::json& config);

struct MaxNormOptions {
    double max_value = 2.0;
    int axis = 0;             // the norm is taken over this axis (0: each output unit's incoming weights)
};
class MaxNorm : public Constraint {   // rescales slices whose L2 norm exceeds max_value
public:
    explicit MaxNorm(MaxNormOptions options = {});
    Tensor operator()(const Tensor& w) const override;
    std::string class_name() const override { return "MaxNorm"; }
    nlohmann::json get_config() const override;

private:
    MaxNormOptions options_;
};

class NonNeg : public Constraint {   // max(w, 0)
public:
    Tensor operator()(const Tensor& w) const override;
    std::string class_name() const override { return "NonNeg"; }
    nlohmann::json get_config() const override;
};

struct UnitNormOptions {
    int axis = 0;
};
class UnitNorm : public Constraint {   // each slice along `axis` scaled to unit L2 norm
public:
    explicit UnitNorm(UnitNormOptions options = {});
    Tensor operator()(const Tensor& w) const override;
    std::string class_name() const override { return "UnitNorm"; }
    nlohmann::json get_config() const override;

private:
    UnitNormOptions options_;
};

struct MinMaxNormOptions {
    double min_value = 0.0;
    double max_value = 1.0;
    double rate = 1.0;
    int axis = 0;
};
class MinMaxNorm : public Constraint {   // norms pulled into [min_value, max_value] at `rate`
public:
    explicit MinMaxNorm(MinMaxNormOptions options = {});
    Tensor operator()(const Tensor& w) const override;
    std::string class_name() const override { return "MinMaxNorm"; }
    nlohmann::json get_config() const override;

private:
    MinMaxNormOptions options_;
};

}  // namespace constraints
}  // namespace kx
