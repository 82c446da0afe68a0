#include "format.hpp"

#include <kerasxx/error.hpp>
#include <kerasxx/layers/regularization.hpp>
#include <kerasxx/ops.hpp>

#include <nlohmann/json.hpp>

namespace kx::layers {

Dropout::Dropout(float rate, std::string name) : Layer(std::move(name)), rate_(rate) {
    if (!(rate >= 0.0f && rate < 1.0f))
        throw Error("Dropout: expected a rate in [0, 1), got rate=" + detail::format_number(rate));
    claim_name();
}

// Dropout is active only in training (fit); evaluate and predict see the identity.
Tensor Dropout::call(const Tensor& inputs, bool training) { return training ? ops::dropout(inputs, rate_) : inputs; }

nlohmann::json Dropout::get_config() const {
    nlohmann::json config = Layer::get_config();
    config["rate"] = rate_;
    return config;
}

}  // namespace kx::layers
