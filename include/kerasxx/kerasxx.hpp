// kerasxx: Keras for C++. This umbrella header brings in the whole public API.
//
//   #include <kerasxx/kerasxx.hpp>
//
//   auto [train, test] = kx::datasets::fashion_mnist::load_data();
//   kx::Sequential model({
//       kx::layers::Input({28, 28}),
//       kx::layers::Flatten(),
//       kx::layers::Dense(256, "relu"),
//       kx::layers::Dense(10),
//   });
//   model.compile({.optimizer = kx::optimizers::Adam(1e-3),
//                  .loss = kx::losses::SparseCategoricalCrossentropy({.from_logits = true}),
//                  .metrics = {"accuracy"}});
//   model.fit(train.x / 255.0f, train.y, {.epochs = 5, .batch_size = 128});
//   model.evaluate(test.x / 255.0f, test.y);
#pragma once

#include <kerasxx/activations.hpp>
#include <kerasxx/autograd.hpp>
#include <kerasxx/callbacks/backup_and_restore.hpp>
#include <kerasxx/callbacks/callback.hpp>
#include <kerasxx/callbacks/csv_logger.hpp>
#include <kerasxx/callbacks/early_stopping.hpp>
#include <kerasxx/callbacks/history.hpp>
#include <kerasxx/callbacks/lambda_callback.hpp>
#include <kerasxx/callbacks/learning_rate_scheduler.hpp>
#include <kerasxx/callbacks/model_checkpoint.hpp>
#include <kerasxx/callbacks/monitor.hpp>
#include <kerasxx/callbacks/progbar_logger.hpp>
#include <kerasxx/callbacks/reduce_lr_on_plateau.hpp>
#include <kerasxx/callbacks/remote_monitor.hpp>
#include <kerasxx/callbacks/terminate_on_nan.hpp>
#include <kerasxx/constraints.hpp>
#include <kerasxx/data/dataset.hpp>
#include <kerasxx/datasets.hpp>
#include <kerasxx/error.hpp>
#include <kerasxx/initializers.hpp>
#include <kerasxx/layer.hpp>
#include <kerasxx/layers/convolutional.hpp>
#include <kerasxx/layers/core.hpp>
#include <kerasxx/layers/embedding.hpp>
#include <kerasxx/layers/lambda.hpp>
#include <kerasxx/layers/merging.hpp>
#include <kerasxx/layers/normalization.hpp>
#include <kerasxx/layers/pooling.hpp>
#include <kerasxx/layers/preprocessing.hpp>
#include <kerasxx/layers/registry.hpp>
#include <kerasxx/layers/regularization.hpp>
#include <kerasxx/layers/reshaping.hpp>
#include <kerasxx/losses.hpp>
#include <kerasxx/metrics.hpp>
#include <kerasxx/model.hpp>
#include <kerasxx/models.hpp>
#include <kerasxx/ops.hpp>
#include <kerasxx/optimizers.hpp>
#include <kerasxx/plot_model.hpp>
#include <kerasxx/random.hpp>
#include <kerasxx/regularizers.hpp>
#include <kerasxx/sequential.hpp>
#include <kerasxx/symbolic_tensor.hpp>
#include <kerasxx/tensor.hpp>
#include <kerasxx/testing.hpp>
