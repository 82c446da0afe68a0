// Embedding: a trainable lookup table that turns integer ids into dense vectors.
//
//   kx::Sequential model({
//       kx::layers::Input({20}),                      // 20 token ids per sample, stored as floats
//       kx::layers::Embedding(10000, 64),             // -> (None, 20, 64)
//       ...
//   });
//
//   kx::layers::Embedding embed(1001, 32, {.mask_zero = true});   // ids 1..1000, 0 is padding
//   kx::Tensor vectors = embed(ids);                             // (batch, length, 32)
//   kx::Tensor mask = embed.compute_mask(ids);                   // (batch, length): 1 where id != 0
//
// Inputs of any rank (batch, ...) give (batch, ..., output_dim). Ids are floats: as Keras casts them
// to int32, each is truncated toward zero (2.7 -> 2), and an id outside [0, input_dim) after that is
// a kx::Error naming the layer, the id and its position (float32 holds ids exactly up to 2^24).
//
// mask_zero follows Keras: id 0 is reserved for padding, so input_dim is the vocabulary size + 1
// (row 0 still exists and is what padding looks up). compute_mask() returns the mask; passing it
// on automatically to later layers (Keras' mask propagation) is not implemented: apply it yourself,
// e.g. a mean over the real tokens only:
//   kx::Tensor m = kx::ops::reshape(mask, {batch, length, 1});
//   kx::Tensor mean = kx::ops::sum(vectors * m, {1}) / kx::ops::sum(m, {1});   // (batch, 32)
#pragma once

#include <kerasxx/constraints.hpp>
#include <kerasxx/layer.hpp>
#include <kerasxx/regularizers.hpp>

#include <string>

namespace kx::layers {

struct EmbeddingOptions {
    Handle<Initializer> embeddings_initializer = "uniform";   // RandomUniform(-0.05, 0.05), as Keras
    Handle<Regularizer> embeddings_regularizer = {};
    Handle<Constraint> embeddings_constraint = {};
    bool mask_zero = false;
    Handle<Regularizer> activity_regularizer = {};
    std::string name = {};
};

// outputs[..., :] = embeddings[ids[...], :]. embeddings: (input_dim, output_dim).
class Embedding : public Layer {
public:
    using Options = EmbeddingOptions;
    Embedding(std::size_t input_dim, std::size_t output_dim, Options options = {});

    void build(const Shape& input_shape) override;
    Tensor call(const Tensor& inputs, bool training) override;
    Shape compute_output_shape(const Shape& input_shape) override;
    nlohmann::json get_config() const override;

    // Keras' compute_mask: with mask_zero, 1 where the (truncated) id is not 0 and 0 where it is, in
    // the inputs' shape; without mask_zero, an undefined tensor (Keras returns None).
    Tensor compute_mask(const Tensor& inputs) const;

    std::size_t input_dim() const { return input_dim_; }
    std::size_t output_dim() const { return output_dim_; }
    const Options& options() const { return options_; }
    const Variable& embeddings() const { return embeddings_; }

private:
    // The inputs truncated to integer ids, each checked to be in [0, input_dim).
    Tensor ids_of(const Tensor& inputs) const;

    std::size_t input_dim_;
    std::size_t output_dim_;
    Options options_;
    Variable embeddings_;
};

}  // namespace kx::layers
