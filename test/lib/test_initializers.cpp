#include <catch2/catch.hpp>
#include <kerasxx/kerasxx.hpp>

#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

namespace init = kx::initializers;

namespace {

struct Stats {
    double mean = 0, stddev = 0, min = 0, max = 0;
};

Stats stats(const kx::Tensor& t) {
    const float* p = t.data();
    const std::size_t n = t.size();
    Stats s{0, 0, p[0], p[0]};
    for (std::size_t i = 0; i < n; ++i) {
        s.mean += p[i];
        s.min = std::min<double>(s.min, p[i]);
        s.max = std::max<double>(s.max, p[i]);
    }
    s.mean /= static_cast<double>(n);
    for (std::size_t i = 0; i < n; ++i) s.stddev += (p[i] - s.mean) * (p[i] - s.mean);
    s.stddev = std::sqrt(s.stddev / static_cast<double>(n));
    return s;
}

// The standard deviation of a standard normal truncated to [-2, 2] (Keras' constant).
constexpr double truncated_stddev = 0.87962566103423978;

// Checks a zero-mean draw of 500,000 values: mean within 5 standard errors, stddev within 1%,
// every value inside [-bound, bound].
void check_zero_mean(const kx::Tensor& t, double stddev, double bound) {
    const Stats s = stats(t);
    CHECK(std::abs(s.mean) < 5 * stddev / std::sqrt(static_cast<double>(t.size())));
    CHECK(s.stddev == Approx(stddev).epsilon(0.01));
    CHECK(s.min >= -bound);
    CHECK(s.max <= bound);
}

// max |(W^T W) - gain^2 I| over a (rows, cols) matrix, with rows >= cols.
double orthogonality_error(const kx::Tensor& w, std::size_t rows, std::size_t cols, bool transpose, double gain) {
    auto at = [&](std::size_t r, std::size_t c) { return static_cast<double>(transpose ? w.data()[c * rows + r] : w.data()[r * cols + c]); };
    double error = 0.0;
    for (std::size_t a = 0; a < cols; ++a)
        for (std::size_t b = 0; b < cols; ++b) {
            double dot = 0.0;
            for (std::size_t r = 0; r < rows; ++r) dot += at(r, a) * at(r, b);
            error = std::max(error, std::abs(dot - (a == b ? gain * gain : 0.0)));
        }
    return error;
}

}  // namespace

TEST_CASE("compute_fans treats rank > 2 shapes as convolution kernels", "[initializers]") {
    const auto conv = init::compute_fans({3, 3, 16, 32});
    CHECK(conv.fan_in == 3 * 3 * 16);
    CHECK(conv.fan_out == 3 * 3 * 32);
    const auto dense = init::compute_fans({784, 256});
    CHECK(dense.fan_in == 784);
    CHECK(dense.fan_out == 256);
    CHECK(init::compute_fans({10}).fan_in == 10);
    CHECK(init::compute_fans({10}).fan_out == 10);
    CHECK(init::compute_fans({}).fan_in == 1);
}

TEST_CASE("Zeros, Ones and Constant fill exactly", "[initializers]") {
    for (float v : init::Zeros()({2, 3}).to_vector()) CHECK(v == 0.0f);
    for (float v : init::Ones()({4}).to_vector()) CHECK(v == 1.0f);
    const kx::Tensor c = init::Constant(2.5)({3, 2});
    CHECK(c.shape() == kx::Shape{3, 2});
    for (float v : c.to_vector()) CHECK(v == 2.5f);
    CHECK(init::Constant(2.5).get_config() == nlohmann::json{{"value", 2.5}});
}

TEST_CASE("GlorotUniform draws from [-sqrt(6 / (fan_in + fan_out)), +...]", "[initializers]") {
    const double limit = std::sqrt(6.0 / (1000 + 500));
    check_zero_mean(init::GlorotUniform()({1000, 500}), limit / std::sqrt(3.0), limit);
}

TEST_CASE("GlorotNormal has stddev sqrt(2 / (fan_in + fan_out)) after truncation at 2 sigma", "[initializers]") {
    const double stddev = std::sqrt(2.0 / (1000 + 500));
    check_zero_mean(init::GlorotNormal()({1000, 500}), stddev, 2 * stddev / truncated_stddev);
}

TEST_CASE("He and Lecun initializers scale by fan_in", "[initializers]") {
    // Conv kernel (5, 5, 40, 500): fan_in = 5 * 5 * 40 = 1000.
    const kx::Shape kernel{5, 5, 40, 500};
    const double fan_in = 1000;
    SECTION("HeNormal") {
        const double s = std::sqrt(2.0 / fan_in);
        check_zero_mean(init::HeNormal()(kernel), s, 2 * s / truncated_stddev);
    }
    SECTION("HeUniform") {
        const double limit = std::sqrt(6.0 / fan_in);
        check_zero_mean(init::HeUniform()(kernel), limit / std::sqrt(3.0), limit);
    }
    SECTION("LecunNormal") {
        const double s = std::sqrt(1.0 / fan_in);
        check_zero_mean(init::LecunNormal()(kernel), s, 2 * s / truncated_stddev);
    }
    SECTION("LecunUniform") {
        const double limit = std::sqrt(3.0 / fan_in);
        check_zero_mean(init::LecunUniform()(kernel), limit / std::sqrt(3.0), limit);
    }
}

TEST_CASE("VarianceScaling untruncated_normal with fan_out has stddev sqrt(scale / fan_out)", "[initializers]") {
    const kx::Tensor t = init::VarianceScaling({.scale = 3.0, .mode = "fan_out", .distribution = "untruncated_normal"})({2000, 250});
    const Stats s = stats(t);
    CHECK(s.stddev == Approx(std::sqrt(3.0 / 250)).epsilon(0.01));
    CHECK(s.max > 2 * std::sqrt(3.0 / 250));   // not truncated: 2-sigma values occur
}

TEST_CASE("RandomNormal, RandomUniform and TruncatedNormal honour their parameters", "[initializers]") {
    SECTION("RandomNormal") {
        const Stats s = stats(init::RandomNormal({.mean = 1.0, .stddev = 2.0})({500000}));
        CHECK(s.mean == Approx(1.0).margin(0.02));
        CHECK(s.stddev == Approx(2.0).epsilon(0.01));
        CHECK(s.max > 1.0 + 4 * 2.0);
    }
    SECTION("RandomUniform") {
        const Stats s = stats(init::RandomUniform(-1.0, 3.0)({500000}));
        CHECK(s.mean == Approx(1.0).margin(0.01));
        CHECK(s.stddev == Approx(4.0 / std::sqrt(12.0)).epsilon(0.01));
        CHECK(s.min >= -1.0);
        CHECK(s.max < 3.0);
    }
    SECTION("TruncatedNormal") {
        const Stats s = stats(init::TruncatedNormal(0.5, 0.1)({500000}));
        CHECK(s.mean == Approx(0.5).margin(0.001));
        CHECK(s.stddev == Approx(0.1 * truncated_stddev).epsilon(0.01));
        CHECK(s.min >= 0.3 - 1e-6);
        CHECK(s.max <= 0.7 + 1e-6);
    }
    SECTION("defaults are Keras' (stddev 0.05, range +-0.05)") {
        CHECK(init::RandomNormal().get_config() == nlohmann::json{{"seed", nullptr}, {"mean", 0.0}, {"stddev", 0.05}});
        CHECK(init::RandomUniform().get_config() == nlohmann::json{{"seed", nullptr}, {"minval", -0.05}, {"maxval", 0.05}});
    }
}

TEST_CASE("Orthogonal gives orthonormal columns or rows, times gain", "[initializers]") {
    CHECK(orthogonality_error(init::Orthogonal()({64, 32}), 64, 32, false, 1.0) < 1e-5);
    // Wide: the rows are orthonormal, so read the (32, 64) matrix transposed.
    CHECK(orthogonality_error(init::Orthogonal()({32, 64}), 64, 32, true, 1.0) < 1e-5);
    CHECK(orthogonality_error(init::Orthogonal(2.0)({50, 50}), 50, 50, false, 2.0) < 1e-4);
    // A conv kernel (3, 3, 4, 8) is the matrix (36, 8).
    CHECK(orthogonality_error(init::Orthogonal({.gain = 1.0, .seed = 3})({3, 3, 4, 8}), 36, 8, false, 1.0) < 1e-5);
    REQUIRE_THROWS_WITH(init::Orthogonal()({5}), Catch::Contains("rank >= 2") && Catch::Contains("(5,)"));
}

TEST_CASE("A seeded initializer returns the same values on every call", "[initializers]") {
    const init::HeNormal seeded(42);
    const kx::Tensor a = seeded({20, 10});
    CHECK(a.to_vector() == seeded({20, 10}).to_vector());
    CHECK(a.to_vector() == init::HeNormal(42)({20, 10}).to_vector());
    CHECK(a.to_vector() != init::HeNormal(43)({20, 10}).to_vector());
    CHECK(init::RandomUniform({.seed = 7})({5}).to_vector() == init::RandomUniform({.seed = 7})({5}).to_vector());
    CHECK(init::Orthogonal(1.0, 7)({4, 4}).to_vector() == init::Orthogonal(1.0, 7)({4, 4}).to_vector());
    CHECK(init::GlorotUniform(42).get_config() == nlohmann::json{{"seed", 42}});
}

TEST_CASE("Unseeded initializers draw from the generator that set_random_seed resets", "[initializers]") {
    const init::GlorotUniform glorot;
    kx::utils::set_random_seed(123);
    const kx::Tensor first = glorot({30, 20});
    const kx::Tensor second = glorot({30, 20});
    CHECK(first.to_vector() != second.to_vector());   // successive draws differ
    kx::utils::set_random_seed(123);
    CHECK(glorot({30, 20}).to_vector() == first.to_vector());
    CHECK(glorot({30, 20}).to_vector() == second.to_vector());
}

TEST_CASE("Initializer::get accepts Keras names, aliases and class names", "[initializers]") {
    CHECK(kx::Initializer::get("glorot_uniform")->class_name() == "GlorotUniform");
    CHECK(kx::Initializer::get("he_normal")->class_name() == "HeNormal");
    CHECK(kx::Initializer::get("HeNormal")->class_name() == "HeNormal");
    CHECK(kx::Initializer::get("zeros")->class_name() == "Zeros");
    CHECK(kx::Initializer::get("zero")->class_name() == "Zeros");
    CHECK(kx::Initializer::get("uniform")->class_name() == "RandomUniform");
    CHECK(kx::Initializer::get("orthogonal")->class_name() == "Orthogonal");
    kx::Handle<kx::Initializer> handle = "lecun_uniform";
    CHECK(handle->class_name() == "LecunUniform");
    REQUIRE_THROWS_WITH(kx::Initializer::get("glorot"),
                        Catch::Contains("'glorot'") && Catch::Contains("glorot_normal, glorot_uniform, he_normal") &&
                            Catch::Contains("zeros"));
}

TEST_CASE("VarianceScaling validates scale, mode and distribution like Keras", "[initializers]") {
    REQUIRE_THROWS_WITH(init::VarianceScaling(0.0), Catch::Contains("positive scale") && Catch::Contains("scale=0"));
    REQUIRE_THROWS_WITH(init::VarianceScaling(1.0, "fan_sum"), Catch::Contains("fan_in, fan_out, fan_avg") &&
                                                                  Catch::Contains("'fan_sum'"));
    REQUIRE_THROWS_WITH(init::VarianceScaling(1.0, "fan_in", "cauchy"), Catch::Contains("untruncated_normal") &&
                                                                           Catch::Contains("'cauchy'"));
    const nlohmann::json config = init::VarianceScaling(2.0, "fan_avg", "normal").get_config();
    CHECK(config == nlohmann::json{{"seed", nullptr}, {"scale", 2.0}, {"mode", "fan_avg"}, {"distribution", "truncated_normal"}});
    REQUIRE_THROWS_WITH(init::RandomUniform(1.0, 0.0), Catch::Contains("minval < maxval"));
    REQUIRE_THROWS_WITH(init::RandomNormal(0.0, -1.0), Catch::Contains("stddev >= 0"));
}

TEST_CASE("serialize gives Keras' class_name/config form that get() reads back", "[initializers]") {
    const nlohmann::json s = kx::initializers::serialize(kx::initializers::Constant(0.5));
    CHECK(s["class_name"] == "Constant");
    CHECK(s["config"]["value"] == 0.5);
    CHECK(kx::Initializer::get(s["class_name"].get<std::string>())->class_name() == "Constant");
}

TEST_CASE("initializers::deserialize restores every initializer's arguments, seed included", "[initializers][config4]") {
    const std::vector<std::shared_ptr<kx::Initializer>> originals = {
        std::make_shared<init::Zeros>(),
        std::make_shared<init::Ones>(),
        std::make_shared<init::Constant>(0.25),
        std::make_shared<init::RandomNormal>(0.5, 0.2, 11),
        std::make_shared<init::RandomUniform>(-0.3, 0.7, 12),
        std::make_shared<init::TruncatedNormal>(-1.0, 0.1, 13),
        std::make_shared<init::VarianceScaling>(0.7, "fan_out", "untruncated_normal", 14),
        std::make_shared<init::GlorotUniform>(15),
        std::make_shared<init::GlorotNormal>(16),
        std::make_shared<init::HeNormal>(17),
        std::make_shared<init::HeUniform>(18),
        std::make_shared<init::LecunNormal>(19),
        std::make_shared<init::LecunUniform>(20),
        std::make_shared<init::Orthogonal>(1.5, 21),
    };
    for (const auto& original : originals) {
        INFO(original->class_name());
        // Through the JSON text, as a model file stores it.
        const nlohmann::json s = nlohmann::json::parse(init::serialize(*original).dump());
        const std::shared_ptr<kx::Initializer> copy = init::deserialize(s);
        CHECK(copy->class_name() == original->class_name());
        CHECK(copy->get_config() == original->get_config());
        CHECK((*copy)({6, 4}).to_vector() == (*original)({6, 4}).to_vector());   // the same draws
    }
}

TEST_CASE("Initializer configs hold Keras 3's keys", "[initializers][config4]") {
    using json = nlohmann::json;
    CHECK(init::Zeros().get_config() == json::object());
    CHECK(init::Constant(2.0).get_config() == json{{"value", 2.0}});
    CHECK(init::RandomNormal(0.1, 0.2, 3).get_config() == json{{"mean", 0.1}, {"stddev", 0.2}, {"seed", 3}});
    CHECK(init::RandomUniform(-1.0, 1.0).get_config() == json{{"minval", -1.0}, {"maxval", 1.0}, {"seed", nullptr}});
    CHECK(init::TruncatedNormal(0.0, 1.0, 4).get_config() == json{{"mean", 0.0}, {"stddev", 1.0}, {"seed", 4}});
    CHECK(init::HeUniform(5).get_config() == json{{"seed", 5}});
    CHECK(init::Orthogonal(2.0).get_config() == json{{"gain", 2.0}, {"seed", nullptr}});
}

TEST_CASE("initializers::deserialize accepts identifiers, snake_case and Keras 3's full form", "[initializers][config4]") {
    CHECK(init::deserialize("glorot_uniform")->class_name() == "GlorotUniform");
    CHECK(init::deserialize({{"class_name", "he_normal"}, {"config", {{"seed", 3}}}})->get_config() ==
          nlohmann::json{{"seed", 3}});
    const auto keras3 = init::deserialize({{"module", "keras.initializers"},
                                           {"class_name", "RandomNormal"},
                                           {"config", {{"mean", 0.0}, {"stddev", 0.05}, {"seed", nullptr}}},
                                           {"registered_name", nullptr}});
    CHECK(keras3->get_config() == init::RandomNormal().get_config());
    // Keras 3.0-3.3 wrote the orthogonal initializer's class name as OrthogonalInitializer.
    CHECK(init::deserialize({{"class_name", "OrthogonalInitializer"}, {"config", {{"gain", 2.0}, {"seed", 1}}}})
              ->get_config() == init::Orthogonal(2.0, 1).get_config());
    // Absent arguments keep their defaults.
    CHECK(init::deserialize({{"class_name", "VarianceScaling"}, {"config", {{"scale", 3.0}}}})->get_config() ==
          init::VarianceScaling(3.0).get_config());
}

TEST_CASE("initializers::deserialize names the initializer and the key of a bad config", "[initializers][config4]") {
    using json = nlohmann::json;
    REQUIRE_THROWS_WITH(init::deserialize({{"class_name", "Glorot"}, {"config", json::object()}}),
                        Catch::Contains("unknown initializer class 'Glorot'") &&
                            Catch::Contains("Constant, GlorotNormal, GlorotUniform") && Catch::Contains("Zeros"));
    REQUIRE_THROWS_WITH(init::deserialize({{"class_name", "RandomNormal"}, {"config", {{"stdev", 1.0}}}}),
                        Catch::Contains("unknown argument 'stdev' for RandomNormal") && Catch::Contains("stddev"));
    REQUIRE_THROWS_WITH(init::deserialize({{"class_name", "GlorotUniform"}, {"config", {{"scale", 2.0}}}}),
                        Catch::Contains("'scale' for GlorotUniform"));
    REQUIRE_THROWS_WITH(init::deserialize({{"class_name", "RandomUniform"}, {"config", {{"maxval", "big"}}}}),
                        Catch::Contains("expected a number for 'maxval' of RandomUniform") && Catch::Contains("\"big\""));
    REQUIRE_THROWS_WITH(init::deserialize({{"class_name", "HeNormal"}, {"config", {{"seed", -1}}}}),
                        Catch::Contains("non-negative integer for 'seed' of HeNormal") && Catch::Contains("-1"));
    REQUIRE_THROWS_WITH(init::deserialize({{"class_name", "VarianceScaling"}, {"config", {{"mode", "fan_sum"}}}}),
                        Catch::Contains("VarianceScaling") && Catch::Contains("mode='fan_sum'"));
    REQUIRE_THROWS_WITH(init::deserialize(json(3)), Catch::Contains("initializers::deserialize") && Catch::Contains("3"));
    REQUIRE_THROWS_WITH(init::deserialize("glorot"), Catch::Contains("'glorot'"));
}
