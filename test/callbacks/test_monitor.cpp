#include <catch2/catch.hpp>
#include <kerasxx/kerasxx.hpp>

#include <cmath>
#include <optional>

using kx::callbacks::MonitorCallback;

TEST_CASE("MonitorCallback mode auto maximizes accuracy-like names and minimizes the rest", "[callbacks-monitor]") {
    for (const char* name : {"accuracy", "val_accuracy", "acc", "val_acc", "auc", "val_auc", "precision",
                             "val_recall", "f1", "val_f1_score", "categorical_accuracy", "class_accuracy"}) {
        INFO(name);
        CHECK(MonitorCallback("Test", name).maximizes());
    }
    for (const char* name : {"loss", "val_loss", "class_loss", "mae", "val_mean_squared_error", "score"}) {
        INFO(name);
        CHECK_FALSE(MonitorCallback("Test", name).maximizes());
    }
}

TEST_CASE("MonitorCallback mode min and max override the name", "[callbacks-monitor]") {
    CHECK_FALSE(MonitorCallback("Test", "val_accuracy", "min").maximizes());
    CHECK(MonitorCallback("Test", "val_loss", "max").maximizes());
    CHECK(MonitorCallback("Test", "val_loss", "max").mode() == "max");
}

TEST_CASE("MonitorCallback rejects an unknown mode and an empty monitor", "[callbacks-monitor]") {
    REQUIRE_THROWS_AS(MonitorCallback("EarlyStopping", "val_loss", "minimum"), kx::Error);
    REQUIRE_THROWS_WITH(MonitorCallback("EarlyStopping", "val_loss", "minimum"),
                        Catch::Contains("EarlyStopping") && Catch::Contains("\"auto\", \"min\", \"max\"") &&
                            Catch::Contains("mode=\"minimum\""));
    REQUIRE_THROWS_WITH(MonitorCallback("EarlyStopping", ""), Catch::Contains("monitor must name"));
}

TEST_CASE("MonitorCallback improvement must beat the reference by more than min_delta", "[callbacks-monitor]") {
    const MonitorCallback minimize("Test", "val_loss", "auto", std::nullopt, -0.1);   // |min_delta| is used
    CHECK(minimize.min_delta() == 0.1);
    CHECK(minimize.is_improvement(5.0, std::nullopt));
    CHECK(minimize.is_improvement(0.89, 1.0));
    CHECK_FALSE(minimize.is_improvement(0.95, 1.0));
    CHECK_FALSE(minimize.is_improvement(1.2, 1.0));

    const MonitorCallback maximize("Test", "val_accuracy", "auto", std::nullopt, 0.1);
    CHECK(maximize.is_improvement(0.81, 0.7));
    CHECK_FALSE(maximize.is_improvement(0.75, 0.7));
    CHECK_FALSE(maximize.is_improvement(0.6, 0.7));

    const MonitorCallback exact("Test", "val_loss");
    CHECK_FALSE(exact.is_improvement(1.0, 1.0));   // equal is not better
    CHECK(exact.is_improvement(0.999, 1.0));
    CHECK_FALSE(exact.is_improvement(std::nan(""), std::nullopt));
    CHECK_FALSE(exact.is_improvement(std::nan(""), 1.0));
}

TEST_CASE("MonitorCallback keeps the baseline", "[callbacks-monitor]") {
    const MonitorCallback with("Test", "val_loss", "auto", 0.5);
    CHECK(with.baseline() == std::optional<double>(0.5));
    CHECK_FALSE(MonitorCallback("Test", "val_loss").baseline());
}
