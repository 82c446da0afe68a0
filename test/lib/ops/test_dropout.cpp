#include <cmath>
#include <limits>
#include <vector>

using kx::Tensor;
namespace ops = kx::ops;

TEST_CASE("dropout with the same seed draws the same mask", "[dropout]") {
    const Tensor x = Tensor::ones({64, 32});
    kx::utils::set_random_seed(7);
    const std::vector<float> first = ops::dropout(x, 0.5f).to_vector();
    kx::utils::set_random_seed(7);
    const std::vector<float> again = ops::dropout(x, 0.5f).to_vector();
    CHECK(first == again);
    kx::utils::set_random_seed(8);
    CHECK(ops::dropout(x, 0.5f).to_vector() != first);
}

TEST_CASE("dropout draws a fresh mask on each call", "[dropout]") {
    const Tensor x = Tensor::ones({64, 32});
    kx::utils::set_random_seed(3);
    const std::vector<float> first = ops::dropout(x, 0.5f).to_vector();
    CHECK(ops::dropout(x, 0.5f).to_vector() != first);
}

TEST_CASE("dropout zeroes about rate of a large tensor and scales the rest by 1 / (1 - rate)", "[dropout]") {
    kx::utils::set_random_seed(11);
    const std::size_t n = 200000;
    for (float rate : {0.1f, 0.3f, 0.8f}) {
        INFO("rate " << rate);
        const Tensor x = Tensor::full({n}, 2.0f);
        const Tensor y = ops::dropout(x, rate);
        std::size_t zeros = 0;
        double total = 0.0;
        bool kept_scaled = true;
        for (float v : y.to_vector()) {
            if (v == 0.0f) ++zeros;
            else kept_scaled = kept_scaled && std::abs(v - 2.0f / (1.0f - rate)) < 1e-5f;
            total += v;
        }
        CHECK(kept_scaled);
        // Binomial standard deviation sqrt(rate (1 - rate) / n) <= 0.0012: 0.006 is 5 sigma.
        CHECK(double(zeros) / n == Approx(rate).margin(0.006));
        // Inverted dropout preserves the expectation: mean stays 2 (0.04 is over 5 sigma at rate 0.8).
        CHECK(total / n == Approx(2.0).margin(0.04));
    }
}

TEST_CASE("dropout with rate 0 returns its input unchanged", "[dropout]") {
    const Tensor x({3}, {1.0f, -2.0f, 3.0f});
    const Tensor y = ops::dropout(x, 0.0f);
    CHECK(y.data() == x.data());
    CHECK(y.to_vector() == std::vector<float>{1.0f, -2.0f, 3.0f});
}

TEST_CASE("dropout rejects rates outside [0, 1)", "[dropout]") {
    const Tensor x = Tensor::ones({4});
    for (float rate : {1.0f, -0.1f, 1.5f, std::numeric_limits<float>::quiet_NaN()}) {
        INFO("rate " << rate);
        REQUIRE_THROWS_AS(ops::dropout(x, rate), kx::Error);
    }
    REQUIRE_THROWS_WITH(ops::dropout(x, 1.0f), Catch::Contains("ops::dropout: expected a rate in [0, 1)") &&
                                                   Catch::Contains("got rate=1"));
    REQUIRE_THROWS_WITH(ops::dropout(x, -0.25f), Catch::Contains("got rate=-0.25"));
}

TEST_CASE("dropout gradient is the mask times 1 / (1 - rate)", "[dropout]") {
    // With x all ones the output is the scaled mask itself, so d(sum y)/dx must equal y.
    kx::Variable x("x", Tensor::ones({10, 10}));
    kx::utils::set_random_seed(5);
    const Tensor y = ops::dropout(x, 0.4f);
    kx::backward(y, Tensor::ones({10, 10}));
    const std::vector<float> mask = y.to_vector();
    const std::vector<float> grad = x.grad().to_vector();
    for (std::size_t i = 0; i < mask.size(); ++i) {
        INFO("element " << i);
        CHECK((mask[i] == 0.0f || mask[i] == Approx(1.0f / 0.6f)));
        CHECK(grad[i] == mask[i]);
    }
}

TEST_CASE("dropout passes a finite-difference gradient check with a fixed mask", "[dropout]") {
    const Tensor x({3, 4}, {0.5f, -1.0f, 2.0f, 0.3f, -0.7f, 1.1f, 0.9f, -2.0f, 1.4f, 0.2f, -0.4f, 0.8f});
    const auto result = kx::testing::check_gradients(
        [](const std::vector<Tensor>& in) {
            kx::utils::set_random_seed(21);   // the same mask on every call the check makes
            return ops::dropout(in[0], 0.5f);
        },
        {x});
    INFO(result.report);
    CHECK(result.ok);
}
