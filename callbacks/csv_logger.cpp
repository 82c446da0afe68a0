#include "format.hpp"

#include <kerasxx/callbacks/csv_logger.hpp>
#include <kerasxx/error.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>

namespace kx::callbacks {

namespace {

// The excel dialect quotes a field that holds the delimiter, the quote character or a line break,
// doubling its quotes.
std::string quoted(const std::string& field, char separator) {
    if (field.find_first_of(std::string{separator, '"', '\r', '\n'}) == std::string::npos) return field;
    std::string out = "\"";
    for (char c : field) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + '"';
}

bool empty_or_missing(const std::string& filename) {
    std::ifstream in(filename);
    return !in || in.peek() == std::ifstream::traits_type::eof();
}

}  // namespace

CSVLogger::CSVLogger(std::string filename) : CSVLogger(std::move(filename), Options{}) {}

CSVLogger::CSVLogger(std::string filename, Options options) : filename_(std::move(filename)), options_(std::move(options)) {
    if (filename_.empty()) throw Error("CSVLogger: expected a filename, got an empty string");
    if (options_.separator.size() != 1)
        throw Error("CSVLogger: expected a one-character separator (as Python's csv module), got separator=\"" +
                    options_.separator + "\"");
}

void CSVLogger::on_train_begin(Logs&) {
    // Keras writes the header again only into an empty file: appending continues the same table.
    write_header_ = !options_.append || empty_or_missing(filename_);
    const auto mode = options_.append ? std::ios::out | std::ios::app : std::ios::out | std::ios::trunc;
    file_ = std::make_shared<std::ofstream>(filename_, mode | std::ios::binary);
    if (!*file_)
        throw Error("CSVLogger: cannot open '" + filename_ + "' for writing: " + std::strerror(errno));
    keys_.reset();
    warned_ = false;
}

void CSVLogger::on_epoch_end(int epoch, Logs& logs) {
    if (!file_) return;
    if (!keys_) {
        keys_.emplace();
        for (const auto& [name, value] : logs) keys_->push_back(name);
        std::sort(keys_->begin(), keys_->end());
        // Validation every N > 1 epochs: the first epoch has no val_ keys yet.
        const bool has_val = std::any_of(keys_->begin(), keys_->end(), [](const std::string& k) { return k.starts_with("val_"); });
        if (params().do_validation && !has_val) {
            const std::size_t train_keys = keys_->size();
            for (std::size_t i = 0; i < train_keys; ++i) keys_->push_back("val_" + (*keys_)[i]);
        }
        if (write_header_) {
            std::vector<std::string> header{"epoch"};
            header.insert(header.end(), keys_->begin(), keys_->end());
            write_row(header);
        }
    }
    for (const auto& [name, value] : logs) {
        if (warned_ || std::find(keys_->begin(), keys_->end(), name) != keys_->end()) continue;
        std::cerr << "CSVLogger: '" << name << "' first appeared at epoch " << epoch
                  << ", after the columns were fixed by the first epoch's logs; it is not written to " << filename_ << '\n';
        warned_ = true;
    }
    std::vector<std::string> row{std::to_string(epoch)};
    for (const std::string& key : *keys_) row.push_back(logs.contains(key) ? detail::python_float(logs.at(key)) : "NA");
    write_row(row);
    file_->flush();
    if (!*file_) throw Error("CSVLogger: writing to '" + filename_ + "' failed: " + std::strerror(errno));
}

void CSVLogger::on_train_end(Logs&) { file_.reset(); }

void CSVLogger::write_row(const std::vector<std::string>& fields) {
    const char separator = options_.separator[0];
    for (std::size_t i = 0; i < fields.size(); ++i) {
        if (i > 0) *file_ << separator;
        *file_ << quoted(fields[i], separator);
    }
    *file_ << "\r\n";
}

}  // namespace kx::callbacks
