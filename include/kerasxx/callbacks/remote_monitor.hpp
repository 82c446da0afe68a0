// kx::callbacks::RemoteMonitor: POSTs each epoch's logs to an HTTP server, for live dashboards.
//
//   kx::callbacks::RemoteMonitor monitor({.root = "http://localhost:9000", .send_as_json = true});
//   model.fit(x, y, {.epochs = 10, .callbacks = {monitor}});
//   // each epoch end: POST http://localhost:9000/publish/epoch/end/
//   //                 {"epoch":0,"loss":0.52,"val_loss":0.61}          (Content-Type: application/json)
//
// Keras 3's arguments, defaults and semantics: the payload is a JSON object with "epoch" (counted
// from 0) followed by the logs in their order; with send_as_json it is the request body, otherwise
// it is sent as the form field `field` (application/x-www-form-urlencoded, data=<the JSON>).
// `headers` are added to the request. A server that cannot be reached (or does not answer within
// 10 seconds, as in Keras) gives a warning on stderr, once per fit, and training goes on; the
// server's HTTP status is not checked (Keras does not either). NaN and infinite values are sent as
// null (Python's json.dumps would write NaN, which is not JSON). root must be an http:// or
// https:// URL and path must start with '/'; anything else is a kx::Error at construction.
#pragma once

#include <kerasxx/callbacks/callback.hpp>

#include <map>
#include <string>

namespace kx::callbacks {

class RemoteMonitor : public Callback {
public:
    struct Options {
        std::string root = "http://localhost:9000";
        std::string path = "/publish/epoch/end/";
        std::string field = "data";                      // the form field (when send_as_json is false)
        std::map<std::string, std::string> headers = {};
        bool send_as_json = false;
    };

    RemoteMonitor();
    explicit RemoteMonitor(Options options);

    void on_train_begin(Logs& logs) override;
    void on_epoch_end(int epoch, Logs& logs) override;

    const Options& options() const { return options_; }

private:
    Options options_;
    bool warned_ = false;
};

}  // namespace kx::callbacks
