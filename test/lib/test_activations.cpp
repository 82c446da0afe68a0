#include <cmath>
#include <string>
#include <vector>

using kx::Tensor;
namespace activations = kx::activations;

TEST_CASE("activations::names lists the Keras 3 activation names", "[activation]") {
    CHECK(activations::names() == std::vector<std::string>{"linear", "relu", "leaky_relu", "elu", "selu", "gelu",
                                                           "sigmoid", "hard_sigmoid", "tanh", "softplus",
                                                           "softsign", "silu", "swish", "softmax", "log_softmax",
                                                           "exponential"});
}

TEST_CASE("activations::get returns the op behind each name with Keras defaults", "[activation]") {
    const Tensor x({2, 3}, {-2.0f, -0.5f, 0.0f, 0.5f, 1.0f, 3.0f});
    auto same = [&](const std::string& name, const Tensor& expected) {
        INFO(name);
        CHECK(activations::get(name)(x).to_vector() == expected.to_vector());
    };
    same("relu", kx::ops::relu(x));
    same("leaky_relu", kx::ops::leaky_relu(x, 0.2f));
    same("elu", kx::ops::elu(x, 1.0f));
    same("selu", kx::ops::selu(x));
    same("gelu", kx::ops::gelu(x, /*approximate=*/false));
    same("sigmoid", kx::ops::sigmoid(x));
    same("hard_sigmoid", kx::ops::hard_sigmoid(x));
    same("tanh", kx::ops::tanh(x));
    same("softplus", kx::ops::softplus(x));
    same("softsign", kx::ops::softsign(x));
    same("silu", kx::ops::silu(x));
    same("swish", kx::ops::silu(x));
    same("softmax", kx::ops::softmax(x, -1));
    same("log_softmax", kx::ops::log_softmax(x, -1));
}

TEST_CASE("activations linear is the identity and exponential is e^x", "[activation]") {
    const Tensor x({3}, {-1.0f, 0.0f, 2.0f});
    CHECK(activations::get("linear")(x).to_vector() == x.to_vector());
    const Tensor e = activations::get("exponential")(x);
    CHECK(e.data()[0] == Approx(std::exp(-1.0f)).epsilon(1e-6));
    CHECK(e.data()[1] == Approx(1.0f).epsilon(1e-6));
    CHECK(e.data()[2] == Approx(std::exp(2.0f)).epsilon(1e-6));
}

TEST_CASE("every registered activation is differentiable through get()", "[activation]") {
    const Tensor x({2, 3}, {-2.5f, -1.0f, -0.3f, 0.4f, 1.2f, 2.1f});
    for (const std::string& name : activations::names()) {
        INFO(name);
        const auto result = kx::testing::check_gradients(
            [f = activations::get(name)](const std::vector<Tensor>& in) { return f(in[0]); }, {x});
        INFO(result.report);
        CHECK(result.ok);
    }
}

TEST_CASE("activations::get rejects an unknown name and lists the valid ones", "[activation]") {
    REQUIRE_THROWS_AS(activations::get("rleu"), kx::Error);
    REQUIRE_THROWS_WITH(activations::get("rleu"),
                        Catch::Contains("activations::get: unknown activation 'rleu'") &&
                            Catch::Contains("expected one of: linear, relu, leaky_relu, elu") &&
                            Catch::Contains("softmax, log_softmax, exponential"));
    REQUIRE_THROWS_WITH(activations::get(""), Catch::Contains("unknown activation ''"));
    REQUIRE_THROWS_WITH(activations::get("ReLU"), Catch::Contains("unknown activation 'ReLU'"));
}
