#include <catch2/catch.hpp>
#include <kerasxx/kerasxx.hpp>

#include "support/blobs.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using kx::callbacks::RemoteMonitor;

namespace {

struct Received {
    std::string path, content_type, body, form_field, token;
};

// An HTTP server on 127.0.0.1 at a free port, in its own thread, that records every POST.
class Server {
public:
    Server() {
        server_.Post(".*", [this](const httplib::Request& request, httplib::Response&) {
            const std::lock_guard lock(mutex_);
            received_.push_back({request.path, request.get_header_value("Content-Type"), request.body,
                                 request.get_param_value("metrics"), request.get_header_value("X-Token")});
        });
        port_ = server_.bind_to_any_port("127.0.0.1");   // bound and listening: requests queue until the loop runs
        thread_ = std::thread([this] { server_.listen_after_bind(); });
    }
    ~Server() {
        server_.stop();
        thread_.join();
    }
    std::string root() const { return "http://127.0.0.1:" + std::to_string(port_); }
    std::vector<Received> received() {
        const std::lock_guard lock(mutex_);
        return received_;
    }

private:
    httplib::Server server_;
    int port_ = 0;
    std::thread thread_;
    std::mutex mutex_;
    std::vector<Received> received_;
};

kx::History fit(std::vector<kx::CallbackHandle> callbacks, int epochs) {
    kx::utils::set_random_seed(0);
    const Blobs train = make_blobs(10), test = make_blobs(10, 1);
    kx::Sequential model({kx::layers::Input({2}), kx::layers::Dense(3)});
    model.compile({.optimizer = "sgd", .loss = kx::losses::SparseCategoricalCrossentropy({.from_logits = true})});
    return model.fit(train.x, train.y,
                     {.epochs = epochs, .batch_size = 4, .verbose = 0, .validation_data = {test.x, test.y},
                      .callbacks = std::move(callbacks)});
}

}  // namespace

TEST_CASE("RemoteMonitor has Keras 3's defaults", "[callbacks4]") {
    const RemoteMonitor monitor;
    CHECK(monitor.options().root == "http://localhost:9000");
    CHECK(monitor.options().path == "/publish/epoch/end/");
    CHECK(monitor.options().field == "data");
    CHECK(monitor.options().headers.empty());
    CHECK_FALSE(monitor.options().send_as_json);
}

TEST_CASE("RemoteMonitor posts each epoch's logs as a JSON form field", "[callbacks4]") {
    Server server;
    const kx::History h = fit({RemoteMonitor({.root = server.root(), .field = "metrics", .headers = {{"X-Token", "abc"}}})}, 2);
    const std::vector<Received> received = server.received();
    REQUIRE(received.size() == 2);
    for (std::size_t epoch = 0; epoch < 2; ++epoch) {
        const Received& r = received[epoch];
        CHECK(r.path == "/publish/epoch/end/");
        CHECK(r.content_type == "application/x-www-form-urlencoded");
        CHECK(r.token == "abc");
        // Keras' payload: epoch first, then the logs in their order, with their exact values.
        CHECK(r.form_field.rfind("{\"epoch\":" + std::to_string(epoch) + ",\"loss\":", 0) == 0);
        const nlohmann::json sent = nlohmann::json::parse(r.form_field);
        CHECK(sent.size() == 3);
        CHECK(sent.at("epoch") == epoch);
        CHECK(sent.at("loss").get<double>() == h.history.at("loss")[epoch]);
        CHECK(sent.at("val_loss").get<double>() == h.history.at("val_loss")[epoch]);
    }
}

TEST_CASE("RemoteMonitor with send_as_json posts the JSON as the body", "[callbacks4]") {
    Server server;
    kx::callbacks::LambdaCallback script({.on_epoch_end = [](int, kx::Logs& logs) { logs["score"] = std::nan(""); }});
    const kx::History h = fit({script, RemoteMonitor({.root = server.root(), .path = "/events", .send_as_json = true})}, 1);
    const std::vector<Received> received = server.received();
    REQUIRE(received.size() == 1);
    CHECK(received[0].path == "/events");
    CHECK(received[0].content_type == "application/json");
    const nlohmann::json sent = nlohmann::json::parse(received[0].body);
    CHECK(sent.at("epoch") == 0);
    CHECK(sent.at("loss").get<double>() == h.history.at("loss")[0]);
    CHECK(sent.at("score").is_null());   // NaN is not JSON
}

TEST_CASE("RemoteMonitor posts to root + path when root has a path of its own", "[callbacks4]") {
    Server server;
    fit({RemoteMonitor({.root = server.root() + "/api"})}, 1);
    const std::vector<Received> received = server.received();
    REQUIRE(received.size() == 1);
    CHECK(received[0].path == "/api/publish/epoch/end/");
}

TEST_CASE("RemoteMonitor warns once and keeps training when the server cannot be reached (Keras' case)", "[callbacks4]") {
    std::ostringstream err;
    std::streambuf* previous = std::cerr.rdbuf(err.rdbuf());
    const kx::History h = fit({RemoteMonitor({.root = "http://127.0.0.1:1"})}, 2);   // nothing listens on port 1
    std::cerr.rdbuf(previous);
    const std::string warnings = err.str();
    CHECK(h.epoch.size() == 2);
    CHECK_THAT(warnings, Catch::StartsWith("Could not reach RemoteMonitor root server at http://127.0.0.1:1 ("));
    CHECK(std::count(warnings.begin(), warnings.end(), '\n') == 1);
}

TEST_CASE("RemoteMonitor rejects a root that is not an http(s) URL and a path without a leading slash", "[callbacks4]") {
    REQUIRE_THROWS_WITH(RemoteMonitor({.root = "ftp://localhost:9000"}),
                        Catch::Contains("RemoteMonitor: expected root to be an http:// or https:// URL, got root=\"ftp://localhost:9000\""));
    REQUIRE_THROWS_WITH(RemoteMonitor({.root = "localhost:9000"}), Catch::Contains("http:// or https://"));
    REQUIRE_THROWS_WITH(RemoteMonitor({.path = "publish"}),
                        Catch::Contains("RemoteMonitor: expected path to start with '/', got path=\"publish\""));
}
