#include <kerasxx/callbacks/remote_monitor.hpp>
#include <kerasxx/error.hpp>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <iostream>
#include <utility>

namespace kx::callbacks {

namespace {

constexpr int timeout_seconds = 10;   // Keras' requests.post(..., timeout=10)

// "http://host:9000/api" -> {"http://host:9000", "/api"}: httplib's client takes scheme://host:port,
// and Keras posts to root + path, so a root with a path of its own must keep working.
std::pair<std::string, std::string> split_root(const std::string& root) {
    const std::size_t authority = root.find("://") + 3;
    const std::size_t slash = root.find('/', authority);
    if (slash == std::string::npos) return {root, ""};
    return {root.substr(0, slash), root.substr(slash)};
}

}  // namespace

RemoteMonitor::RemoteMonitor() : RemoteMonitor(Options{}) {}

RemoteMonitor::RemoteMonitor(Options options) : options_(std::move(options)) {
    const std::string& root = options_.root;
    if (!root.starts_with("http://") && !root.starts_with("https://"))
        throw Error("RemoteMonitor: expected root to be an http:// or https:// URL, got root=\"" + root + "\"");
    if (!httplib::Client(split_root(root).first).is_valid())
        throw Error("RemoteMonitor: root=\"" + root + "\" is not a valid URL (expected scheme://host[:port])");
    if (!options_.path.starts_with("/"))
        throw Error("RemoteMonitor: expected path to start with '/', got path=\"" + options_.path + "\"");
}

void RemoteMonitor::on_train_begin(Logs&) { warned_ = false; }

void RemoteMonitor::on_epoch_end(int epoch, Logs& logs) {
    nlohmann::ordered_json send;   // Keras' dict order: epoch first, then the logs as fit wrote them
    send["epoch"] = epoch;
    for (const auto& [name, value] : logs) send[name] = value;
    const std::string payload = send.dump();

    const auto [base, prefix] = split_root(options_.root);
    const std::string target = prefix + options_.path;
    httplib::Client client(base);
    client.set_connection_timeout(timeout_seconds);
    client.set_read_timeout(timeout_seconds);
    client.set_write_timeout(timeout_seconds);
    const httplib::Headers headers(options_.headers.begin(), options_.headers.end());
    const httplib::Result result = options_.send_as_json
                                       ? client.Post(target, headers, payload, "application/json")
                                       : client.Post(target, headers, httplib::Params{{options_.field, payload}});
    if (!result && !warned_) {
        std::cerr << "Could not reach RemoteMonitor root server at " << options_.root << " ("
                  << httplib::to_string(result.error()) << ")\n";
        warned_ = true;
    }
}

}  // namespace kx::callbacks
