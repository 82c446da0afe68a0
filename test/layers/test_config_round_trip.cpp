// Every registered layer, configured away from its defaults (initializers, regularizers and
// constraints included), must come back from its config through the registry unchanged: the same
// config, and the same outputs and penalties once given the same weights. A built-in layer
// without a sample here fails the test, so no new layer skips it.
#include <catch2/catch.hpp>
#include <kerasxx/kerasxx.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace {

namespace L = kx::layers;
namespace init = kx::initializers;
namespace reg = kx::regularizers;
namespace con = kx::constraints;

struct Sample {
    std::function<kx::LayerHandle()> make;
    kx::Shapes input_shapes;       // concrete, batch included; several for merges
    bool integer_inputs = false;   // token ids in [0, 10) (Embedding)
    bool seeded_noise = false;     // training outputs are reproducible: compare them too
};

// The built-in layers: the registry as the process starts, before any test registers a custom
// layer of its own (those are tested where they are registered).
const std::vector<std::string> builtin_layers = kx::layers::registered_layers();

// Layers the test cannot round-trip, and why.
const std::map<std::string, std::string> skipped = {
    {"Lambda", "holds C++ code, which a config cannot carry (deserialize says so)"},
};

kx::Tensor sample_input(const kx::Shape& shape, std::size_t k, bool integer) {
    kx::Tensor x = kx::Tensor::empty(shape);
    for (std::size_t i = 0; i < x.size(); ++i)
        x.data()[i] = integer ? static_cast<float>((i * 7 + k) % 10)
                              : (static_cast<float>((i * 37 + 11 * k) % 19) - 9.0f) / 9.0f + 0.05f + 0.037f * static_cast<float>(k);
    return x;
}

kx::Shapes symbolic(kx::Shapes shapes) {
    for (kx::Shape& shape : shapes) shape[0] = kx::None;
    return shapes;
}

std::vector<std::vector<float>> outputs(kx::Layer& layer, const kx::Tensors& xs, bool training) {
    std::vector<std::vector<float>> out;
    const kx::Tensors ys = xs.size() == 1 ? kx::Tensors{layer(xs[0], training)} : layer.apply(xs, training);
    for (const kx::Tensor& y : ys) out.push_back(y.to_vector());
    return out;
}

std::vector<std::vector<float>> penalties(const kx::Layer& layer) {
    std::vector<std::vector<float>> out;
    for (const kx::Tensor& loss : layer.losses()) out.push_back(loss.to_vector());
    return out;
}

const std::map<std::string, Sample>& samples() {
    static const std::map<std::string, Sample> table = {
        {"Activation", {[] { return kx::LayerHandle(L::Activation("sigmoid", "act")); }, {{2, 3}}}},
        {"ActivityRegularization",
         {[] { return kx::LayerHandle(L::ActivityRegularization({.l1 = 0.01, .l2 = 0.02, .name = "ar"})); }, {{2, 3}}}},
        {"Add", {[] { return kx::LayerHandle(L::Add("add")); }, {{2, 3, 4}, {2, 3, 4}, {2, 3, 4}}}},
        {"Average", {[] { return kx::LayerHandle(L::Average("avg")); }, {{2, 3, 4}, {2, 3, 4}}}},
        {"AveragePooling1D",
         {[] { return kx::LayerHandle(L::AveragePooling1D(2, {.strides = 3, .padding = "same", .name = "ap1"})); },
          {{2, 7, 3}}}},
        {"AveragePooling2D",
         {[] { return kx::LayerHandle(L::AveragePooling2D(3, {.strides = L::Size2(2, 1), .name = "ap2"})); },
          {{2, 7, 6, 2}}}},
        {"BatchNormalization",
         {[] {
              return kx::LayerHandle(L::BatchNormalization({.axis = 1,
                                                            .momentum = 0.9,
                                                            .epsilon = 1e-2,
                                                            .beta_initializer = init::Constant(0.1),
                                                            .gamma_initializer = init::RandomUniform(0.5, 1.5, 4),
                                                            .moving_mean_initializer = init::Constant(0.2),
                                                            .moving_variance_initializer = init::Constant(2.0),
                                                            .beta_regularizer = reg::L2(0.03),
                                                            .gamma_regularizer = reg::L1(0.02),
                                                            .beta_constraint = con::MaxNorm({.max_value = 3.0}),
                                                            .gamma_constraint = con::NonNeg(),
                                                            .name = "bn"}));
          },
          {{4, 3, 5}},
          false,
          true}},
        {"Concatenate", {[] { return kx::LayerHandle(L::Concatenate(1, "cat")); }, {{2, 3, 4}, {2, 2, 4}}}},
        {"Conv1D",
         {[] {
              return kx::LayerHandle(L::Conv1D(4, 3,
                                               {.padding = "causal",
                                                .dilation_rate = 2,
                                                .groups = 2,
                                                .activation = "relu",
                                                .use_bias = true,
                                                .kernel_initializer = init::RandomNormal(0.0, 0.3, 7),
                                                .bias_initializer = init::Constant(0.05),
                                                .kernel_regularizer = reg::L1L2({.l1 = 0.01, .l2 = 0.02}),
                                                .bias_regularizer = reg::L2(0.1),
                                                .activity_regularizer = reg::L1(0.001),
                                                .kernel_constraint = con::UnitNorm({.axis = 1}),
                                                .bias_constraint = con::NonNeg(),
                                                .name = "c1"}));
          },
          {{2, 9, 4}}}},
        {"Conv2D",
         {[] {
              return kx::LayerHandle(L::Conv2D(4, {3, 2},
                                               {.strides = L::Size2(2, 1),
                                                .padding = "same",
                                                .activation = "tanh",
                                                .kernel_initializer = init::HeUniform(3),
                                                .bias_initializer = init::Constant(0.1),
                                                .kernel_regularizer = reg::L2(0.01),
                                                .activity_regularizer = reg::L2(0.002),
                                                .kernel_constraint = con::MinMaxNorm({.min_value = 0.1, .max_value = 2.0, .rate = 0.5, .axis = 3}),
                                                .bias_constraint = con::NonNeg(),
                                                .name = "c2"}));
          },
          {{2, 7, 6, 2}}}},
        {"Conv2DTranspose",
         {[] {
              return kx::LayerHandle(L::Conv2DTranspose(3, 3,
                                                        {.strides = 2,
                                                         .padding = "same",
                                                         .output_padding = L::Size2(1, 1),
                                                         .activation = "elu",
                                                         .kernel_initializer = init::TruncatedNormal(0.0, 0.2, 8),
                                                         .bias_initializer = init::RandomUniform(-0.1, 0.1, 9),
                                                         .bias_regularizer = reg::L1(0.05),
                                                         .kernel_constraint = con::MaxNorm({.max_value = 1.5, .axis = 2}),
                                                         .name = "c2t"}));
          },
          {{2, 4, 4, 2}}}},
        {"Cropping1D", {[] { return kx::LayerHandle(L::Cropping1D({1, 2}, {.name = "crop1"})); }, {{2, 6, 3}}}},
        {"Cropping2D",
         {[] { return kx::LayerHandle(L::Cropping2D(L::Margins2({1, 0}, {0, 2}), {.name = "crop2"})); }, {{2, 5, 6, 2}}}},
        {"Dense",
         {[] {
              return kx::LayerHandle(L::Dense(3, {.activation = "softplus",
                                                  .kernel_initializer = init::RandomNormal(0.1, 0.3, 5),
                                                  .bias_initializer = init::Constant(0.2),
                                                  .kernel_regularizer = reg::L1L2({.l1 = 0.01, .l2 = 0.02}),
                                                  .bias_regularizer = reg::L2(0.03),
                                                  .activity_regularizer = reg::L1(0.001),
                                                  .kernel_constraint = con::MaxNorm({.max_value = 1.5}),
                                                  .bias_constraint = con::NonNeg(),
                                                  .name = "dense_a"}));
          },
          {{2, 5}}}},
        {"DepthwiseConv2D",
         {[] {
              return kx::LayerHandle(L::DepthwiseConv2D(3, {.padding = "same",
                                                            .depth_multiplier = 2,
                                                            .dilation_rate = 2,
                                                            .activation = "selu",
                                                            .depthwise_initializer = init::LecunNormal(10),
                                                            .bias_initializer = init::Constant(-0.1),
                                                            .depthwise_regularizer = reg::L2(0.02),
                                                            .bias_regularizer = reg::L1(0.01),
                                                            .activity_regularizer = reg::L2(0.001),
                                                            .depthwise_constraint = con::MaxNorm({.max_value = 2.5}),
                                                            .bias_constraint = con::NonNeg(),
                                                            .name = "dw"}));
          },
          {{2, 7, 7, 3}}}},
        {"Dot", {[] { return kx::LayerHandle(L::Dot({2, 2}, {.normalize = true, .name = "dot"})); }, {{2, 3, 4}, {2, 5, 4}}}},
        {"Dropout", {[] { return kx::LayerHandle(L::Dropout(0.3f, "drop")); }, {{2, 3}}}},
        {"Embedding",
         {[] {
              return kx::LayerHandle(L::Embedding(10, 4,
                                                  {.embeddings_initializer = init::RandomUniform(-1.0, 1.0, 9),
                                                   .embeddings_regularizer = reg::L2(0.01),
                                                   .embeddings_constraint = con::UnitNorm({.axis = 1}),
                                                   .mask_zero = true,
                                                   .activity_regularizer = reg::L1(0.002),
                                                   .name = "emb"}));
          },
          {{2, 5}},
          true}},
        {"Flatten", {[] { return kx::LayerHandle(L::Flatten("flat")); }, {{2, 3, 4}}}},
        {"Functional",
         {[] {
              const kx::SymbolicTensor a = kx::Input({4}, "fa"), b = kx::Input({3}, "fb");
              const kx::SymbolicTensor x = L::Dense(5, {.activation = "tanh",
                                                        .kernel_initializer = init::RandomNormal(0.0, 0.5, 15),
                                                        .kernel_regularizer = reg::L2(0.01),
                                                        .name = "f_dense_a"})(a);
              const kx::SymbolicTensor y = L::Dense(5, {.bias_initializer = init::Constant(0.3), .name = "f_dense_b"})(b);
              const kx::SymbolicTensor z = L::Add("f_add")({x, y});
              return kx::LayerHandle(kx::Model({a, b}, L::Dense(2, "softmax", "f_out")(z), "func"));
          },
          {{2, 4}, {2, 3}}}},
        {"GaussianDropout",
         {[] { return kx::LayerHandle(L::GaussianDropout(0.3f, {.seed = 6, .name = "gd"})); }, {{2, 3, 4}}, false, true}},
        {"GaussianNoise",
         {[] { return kx::LayerHandle(L::GaussianNoise(0.5f, {.seed = 5, .name = "gn"})); }, {{2, 3, 4}}, false, true}},
        {"GlobalAveragePooling1D",
         {[] { return kx::LayerHandle(L::GlobalAveragePooling1D({.keepdims = true, .name = "gap1"})); }, {{2, 5, 3}}}},
        {"GlobalAveragePooling2D",
         {[] { return kx::LayerHandle(L::GlobalAveragePooling2D({.keepdims = true, .name = "gap2"})); }, {{2, 4, 5, 3}}}},
        {"GlobalMaxPooling1D",
         {[] { return kx::LayerHandle(L::GlobalMaxPooling1D({.keepdims = true, .name = "gmp1"})); }, {{2, 5, 3}}}},
        {"GlobalMaxPooling2D",
         {[] { return kx::LayerHandle(L::GlobalMaxPooling2D({.keepdims = true, .name = "gmp2"})); }, {{2, 4, 5, 3}}}},
        {"GroupNormalization",
         {[] {
              return kx::LayerHandle(L::GroupNormalization(2, {.axis = -1,
                                                               .epsilon = 1e-2,
                                                               .beta_initializer = init::Constant(0.3),
                                                               .gamma_initializer = init::RandomNormal(1.0, 0.1, 2),
                                                               .beta_regularizer = reg::L1(0.01),
                                                               .gamma_constraint = con::NonNeg(),
                                                               .name = "gnorm"}));
          },
          {{2, 5, 4}}}},
        {"Identity", {[] { return kx::LayerHandle(L::Identity("ident")); }, {{2, 3}}}},
        {"InputLayer", {[] { return kx::LayerHandle(L::Input({3, 4}, "inp")); }, {{2, 3, 4}}}},
        {"LayerNormalization",
         {[] {
              return kx::LayerHandle(L::LayerNormalization({.axis = {1, 2},
                                                            .epsilon = 1e-2,
                                                            .center = false,
                                                            .gamma_initializer = init::RandomUniform(0.5, 1.5, 3),
                                                            .gamma_regularizer = reg::L2(0.01),
                                                            .gamma_constraint = con::MaxNorm({.max_value = 4.0}),
                                                            .name = "ln"}));
          },
          {{2, 3, 4}}}},
        {"MaxPooling1D",
         {[] { return kx::LayerHandle(L::MaxPooling1D(3, {.strides = 1, .padding = "same", .name = "mp1"})); }, {{2, 7, 3}}}},
        {"MaxPooling2D",
         {[] { return kx::LayerHandle(L::MaxPooling2D({2, 3}, {.strides = L::Size2(1, 2), .padding = "same", .name = "mp2"})); },
          {{2, 5, 6, 3}}}},
        {"Maximum", {[] { return kx::LayerHandle(L::Maximum("max")); }, {{2, 3, 4}, {2, 3, 4}}}},
        {"Minimum", {[] { return kx::LayerHandle(L::Minimum("min")); }, {{2, 3, 4}, {2, 3, 4}}}},
        {"Multiply", {[] { return kx::LayerHandle(L::Multiply("mul")); }, {{2, 3, 4}, {2, 3, 4}}}},
        {"Normalization",
         {[] {
              return kx::LayerHandle(L::Normalization({.axis = {-1},
                                                       .mean = kx::Tensor({3}, {0.5f, -1.0f, 2.0f}),
                                                       .variance = kx::Tensor({3}, {4.0f, 0.25f, 1.0f}),
                                                       .invert = true,
                                                       .name = "norm"}));
          },
          {{2, 3}}}},
        {"Permute", {[] { return kx::LayerHandle(L::Permute({2, 1}, "perm")); }, {{2, 3, 4}}}},
        {"RepeatVector", {[] { return kx::LayerHandle(L::RepeatVector(3, "rep")); }, {{2, 4}}}},
        {"Rescaling", {[] { return kx::LayerHandle(L::Rescaling(0.5, {.offset = -1.0, .name = "resc"})); }, {{2, 3}}}},
        {"Reshape", {[] { return kx::LayerHandle(L::Reshape({4, 3}, "resh")); }, {{2, 3, 4}}}},
        {"SeparableConv2D",
         {[] {
              return kx::LayerHandle(L::SeparableConv2D(4, 3,
                                                        {.padding = "same",
                                                         .depth_multiplier = 2,
                                                         .activation = "gelu",
                                                         .depthwise_initializer = init::GlorotNormal(11),
                                                         .pointwise_initializer = init::Orthogonal(1.5, 12),
                                                         .bias_initializer = init::Constant(0.2),
                                                         .depthwise_regularizer = reg::L1(0.01),
                                                         .pointwise_regularizer = reg::L2(0.02),
                                                         .bias_regularizer = reg::L1L2({.l1 = 0.1, .l2 = 0.2}),
                                                         .activity_regularizer = reg::L1(0.003),
                                                         .depthwise_constraint = con::MaxNorm({.max_value = 2.0}),
                                                         .pointwise_constraint = con::UnitNorm({.axis = 2}),
                                                         .bias_constraint = con::NonNeg(),
                                                         .name = "sep"}));
          },
          {{2, 6, 6, 3}}}},
        {"Sequential",
         {[] {
              return kx::LayerHandle(kx::Sequential({L::Input({4}, "seq_in"),
                                                     L::Dense(3, {.activation = "relu",
                                                                  .kernel_initializer = init::HeNormal(13),
                                                                  .kernel_regularizer = reg::L2(0.01),
                                                                  .name = "seq_dense"}),
                                                     L::BatchNormalization({.momentum = 0.8, .name = "seq_bn"}),
                                                     L::GaussianNoise(0.2f, {.seed = 14, .name = "seq_noise"})},
                                                    "seq"));
          },
          {{2, 4}},
          false,
          true}},
        {"SpatialDropout1D",
         {[] { return kx::LayerHandle(L::SpatialDropout1D(0.4f, {.seed = 3, .name = "sd1"})); }, {{2, 5, 3}}, false, true}},
        {"SpatialDropout2D",
         {[] { return kx::LayerHandle(L::SpatialDropout2D(0.4f, {.seed = 4, .name = "sd2"})); }, {{2, 4, 4, 3}}, false, true}},
        {"Subtract", {[] { return kx::LayerHandle(L::Subtract("sub")); }, {{2, 3, 4}, {2, 3, 4}}}},
        {"UnitNormalization", {[] { return kx::LayerHandle(L::UnitNormalization({1, 2}, "unorm")); }, {{2, 3, 4}}}},
        {"UpSampling1D", {[] { return kx::LayerHandle(L::UpSampling1D(3, "up1")); }, {{2, 4, 3}}}},
        {"UpSampling2D",
         {[] { return kx::LayerHandle(L::UpSampling2D({2, 3}, {.interpolation = "bilinear", .name = "up2"})); },
          {{2, 3, 4, 2}}}},
        {"ZeroPadding1D", {[] { return kx::LayerHandle(L::ZeroPadding1D({2, 1}, {.name = "zp1"})); }, {{2, 4, 3}}}},
        {"ZeroPadding2D",
         {[] { return kx::LayerHandle(L::ZeroPadding2D(L::Margins2({1, 2}, {0, 1}), {.name = "zp2"})); }, {{2, 3, 4, 2}}}},
    };
    return table;
}

void check_round_trip(const std::string& class_name, const Sample& sample) {
    kx::LayerHandle layer = sample.make();
    CHECK(layer->class_name() == class_name);
    kx::Tensors xs;
    for (std::size_t k = 0; k < sample.input_shapes.size(); ++k)
        xs.push_back(sample_input(sample.input_shapes[k], k, sample.integer_inputs));

    // Through the JSON text, as a model file stores it.
    const nlohmann::json config = {{"class_name", layer->class_name()}, {"config", layer->get_config()}};
    kx::LayerHandle copy = kx::layers::deserialize(nlohmann::json::parse(config.dump()));
    CHECK(copy->class_name() == class_name);
    CHECK(copy->get_config() == layer->get_config());

    // Built from the same input shapes (not called yet), given the same weights: the same outputs
    // and penalties, in inference and, for seeded noise and batch statistics, in training.
    const kx::Shapes shapes = symbolic(sample.input_shapes);
    if (shapes.size() == 1) {
        layer->ensure_built(shapes[0]);
        copy->ensure_built(shapes[0]);
    } else {
        layer->ensure_built(shapes);
        copy->ensure_built(shapes);
    }
    copy->set_weights(layer->get_weights());
    CHECK(outputs(*copy, xs, false) == outputs(*layer, xs, false));
    CHECK(penalties(*copy) == penalties(*layer));
    if (sample.seeded_noise) {
        CHECK(outputs(*copy, xs, true) == outputs(*layer, xs, true));
        CHECK(copy->get_weights().size() == layer->get_weights().size());
        const std::vector<kx::Tensor> a = copy->get_weights(), b = layer->get_weights();
        for (std::size_t i = 0; i < a.size(); ++i) CHECK(a[i].to_vector() == b[i].to_vector());   // moving statistics
    }
}

}  // namespace

TEST_CASE("Every registered layer round-trips its non-default config through the registry", "[layers][config4]") {
    REQUIRE(!builtin_layers.empty());
    for (const std::string& class_name : builtin_layers) {
        if (skipped.count(class_name)) continue;
        const auto found = samples().find(class_name);
        if (found == samples().end()) {
            FAIL_CHECK("registered layer " << class_name
                                           << " has no sample in test/layers/test_config_round_trip.cpp: add one");
            continue;
        }
        INFO("layer " << class_name);
        CHECK_NOTHROW(check_round_trip(class_name, found->second));
    }
}

TEST_CASE("The round-trip samples name only built-in layers", "[layers][config4]") {
    for (const auto& [class_name, sample] : samples()) {
        INFO(class_name);
        CHECK(std::find(builtin_layers.begin(), builtin_layers.end(), class_name) != builtin_layers.end());
    }
}

TEST_CASE("A Dense config that leaves out its initializers gets Keras' defaults", "[layers][config4]") {
    const kx::LayerHandle dense = kx::layers::deserialize({{"class_name", "Dense"}, {"config", {{"units", 2}}}});
    CHECK(dense->get_config()["kernel_initializer"] == kx::initializers::serialize(kx::initializers::GlorotUniform()));
    CHECK(dense->get_config()["bias_initializer"] == kx::initializers::serialize(kx::initializers::Zeros()));
}
