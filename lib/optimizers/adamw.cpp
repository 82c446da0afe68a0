#include <kerasxx/optimizers.hpp>

namespace kx::optimizers {

AdamW::AdamW() : AdamW(Options{}) {}
AdamW::AdamW(LearningRate learning_rate) : AdamW(Options{.learning_rate = std::move(learning_rate)}) {}
AdamW::AdamW(Options o)
    : Adam("AdamW", Adam::Options{.learning_rate = o.learning_rate,
                                  .beta_1 = o.beta_1,
                                  .beta_2 = o.beta_2,
                                  .epsilon = o.epsilon,
                                  .amsgrad = o.amsgrad,
                                  .weight_decay = o.weight_decay,
                                  .clipnorm = o.clipnorm,
                                  .clipvalue = o.clipvalue,
                                  .global_clipnorm = o.global_clipnorm,
                                  .name = o.name}) {}

}  // namespace kx::optimizers
