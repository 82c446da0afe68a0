#include "family_registration.hpp"
#include "ops/axes.hpp"

#include <kerasxx/error.hpp>
#include <kerasxx/layers/embedding.hpp>
#include <kerasxx/ops.hpp>

#include <nlohmann/json.hpp>

#include <cmath>
#include <sstream>

namespace kx::layers {

namespace {
using json = nlohmann::json;
using kx::detail::position;
}  // namespace

Embedding::Embedding(std::size_t input_dim, std::size_t output_dim, Options options)
    : Layer(options.name), input_dim_(input_dim), output_dim_(output_dim), options_(std::move(options)) {
    if (input_dim_ == 0)
        throw Error("Embedding: expected a positive input_dim (the vocabulary size), got input_dim=0");
    if (output_dim_ == 0) throw Error("Embedding: expected a positive output_dim, got output_dim=0");
    if (options_.mask_zero && input_dim_ < 2)
        throw Error("Embedding: mask_zero=true reserves id 0 for padding, so input_dim must be the vocabulary size + 1, "
                    "at least 2; got input_dim=" + std::to_string(input_dim_));
    if (!options_.embeddings_initializer) throw Error("Embedding: embeddings_initializer must not be null");
    set_activity_regularizer(options_.activity_regularizer);
    claim_name();
}

void Embedding::build(const Shape&) {
    embeddings_ = add_weight("embeddings", {input_dim_, output_dim_},
                             {.initializer = options_.embeddings_initializer,
                              .regularizer = options_.embeddings_regularizer,
                              .constraint = options_.embeddings_constraint});
}

Tensor Embedding::ids_of(const Tensor& inputs) const {
    Tensor ids = Tensor::empty(inputs.shape());
    const float* x = inputs.data();
    float* id = ids.data();
    const auto limit = static_cast<float>(input_dim_);
    for (std::size_t i = 0; i < ids.size(); ++i) {
        id[i] = std::trunc(x[i]);   // Keras casts float ids to int32, which truncates
        if (!(id[i] >= 0.0f && id[i] < limit)) {
            std::ostringstream msg;
            msg << describe() << ": expected ids in [0, " << input_dim_ << ") (input_dim=" << input_dim_ << "), got "
                << x[i] << " at index " << position(i, inputs.shape()) << " of the input of shape "
                << to_string(inputs.shape());
            throw Error(msg.str());
        }
    }
    return ids;
}

Tensor Embedding::call(const Tensor& inputs, bool) { return ops::take(embeddings_, ids_of(inputs), 0); }

Shape Embedding::compute_output_shape(const Shape& input_shape) {
    Shape out = input_shape;
    out.push_back(output_dim_);
    return out;
}

Tensor Embedding::compute_mask(const Tensor& inputs) const {
    if (!options_.mask_zero) return {};
    Tensor mask = Tensor::empty(inputs.shape());
    const float* x = inputs.data();
    float* m = mask.data();
    for (std::size_t i = 0; i < mask.size(); ++i) m[i] = static_cast<float>(std::trunc(x[i]) != 0.0f);
    return mask;
}

json Embedding::get_config() const {
    json config = Layer::get_config();
    config["input_dim"] = input_dim_;
    config["output_dim"] = output_dim_;
    config["embeddings_initializer"] = initializers::serialize(*options_.embeddings_initializer);
    config["embeddings_regularizer"] = regularizers::serialize(options_.embeddings_regularizer);
    config["activity_regularizer"] = regularizers::serialize(activity_regularizer());
    config["embeddings_constraint"] = constraints::serialize(options_.embeddings_constraint);
    config["mask_zero"] = options_.mask_zero;
    return config;
}

namespace detail {

void register_embedding_layers(FactoryTable& table) {
    add<Embedding>(table, "Embedding", [](const json& c) {
        const json initializer = c.value("embeddings_initializer", json());
        EmbeddingOptions options{
            .embeddings_initializer = initializer.is_null()     ? Handle<Initializer>("uniform")
                                      : initializer.is_string() ? Handle<Initializer>(initializer.get<std::string>())
                                                                : initializer_of(initializer),
            .embeddings_regularizer = regularizers::deserialize(c.value("embeddings_regularizer", json())),
            .embeddings_constraint = constraints::deserialize(c.value("embeddings_constraint", json())),
            .mask_zero = c.value("mask_zero", false),
            .activity_regularizer = regularizers::deserialize(c.value("activity_regularizer", json())),
            .name = name_of(c),
        };
        return with_trainable(LayerHandle(Embedding(c.at("input_dim").get<std::size_t>(),
                                                    c.at("output_dim").get<std::size_t>(), std::move(options))),
                              c);
    });
}

}  // namespace detail

}  // namespace kx::layers
