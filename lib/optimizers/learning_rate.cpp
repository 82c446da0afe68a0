#include <kerasxx/error.hpp>
#include <kerasxx/optimizers.hpp>

#include <nlohmann/json.hpp>

namespace kx::optimizers {

LearningRate::LearningRate(double value) : value_(value) {}

void LearningRate::check_not_null() const {
    if (!schedule_) throw Error("LearningRate: expected a learning rate schedule, got a null pointer");
}

double LearningRate::at(std::int64_t step) const { return schedule_ ? (*schedule_)(step) : value_; }

nlohmann::json LearningRate::to_json() const { return schedule_ ? schedules::serialize(*schedule_) : nlohmann::json(value_); }

nlohmann::json schedules::serialize(const LearningRateSchedule& schedule) {
    return {{"module", "keras.optimizers.schedules"},
            {"class_name", schedule.class_name()},
            {"config", schedule.get_config()},
            {"registered_name", nullptr}};
}

}  // namespace kx::optimizers
