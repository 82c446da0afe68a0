// read_csv: RFC 4180 CSV files, plain or gzipped, into a float table with inferred column types.
//
// The file is read whole (zlib's gzread decompresses gzip and passes plain files through, so one
// code path serves both), split into records, and only the kept columns' fields are stored. Types
// are inferred once every row is in, because a column is numeric only if all its fields are.
#include <kerasxx/datasets.hpp>
#include <kerasxx/error.hpp>

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>

namespace kx::datasets {
namespace {

constexpr unsigned gz_buffer_bytes = 1u << 18;
constexpr std::size_t read_chunk_bytes = std::size_t{1} << 20;
constexpr std::size_t max_listed_names = 20;   // an error lists the valid names up to this many

struct GzClose {
    void operator()(gzFile_s* file) const { gzclose(file); }
};
using GzFile = std::unique_ptr<gzFile_s, GzClose>;

[[noreturn]] void fail(const std::string& path, const std::string& defect) {
    throw Error("read_csv: '" + path + "' " + defect);
}

[[noreturn]] void fail_at(const std::string& path, std::size_t line, const std::string& defect) {
    throw Error("read_csv: '" + path + "' line " + std::to_string(line) + ": " + defect);
}

std::string gz_message(gzFile_s* file, const std::string& path) {
    int code = Z_OK;
    std::string message = gzerror(file, &code);
    if (code == Z_ERRNO) message = std::strerror(errno);
    if (message.starts_with(path + ": ")) message.erase(0, path.size() + 2);   // zlib prefixes the path
    return message;
}

// The whole file, decompressed if it is gzipped.
std::string read_text(const std::string& path) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::file_status status = fs::status(path, ec);
    if (!fs::exists(status)) fail(path, "does not exist");
    if (!fs::is_regular_file(status)) fail(path, "is not a regular file");
    errno = 0;
    GzFile file(gzopen(path.c_str(), "rb"));
    if (!file) fail(path, std::string("cannot be opened: ") + std::strerror(errno ? errno : ENOMEM));
    gzbuffer(file.get(), gz_buffer_bytes);

    std::string text;
    for (;;) {
        const std::size_t done = text.size();
        text.resize(done + read_chunk_bytes);
        const int got = gzread(file.get(), text.data() + done, static_cast<unsigned>(read_chunk_bytes));
        if (got < 0) fail(path, "is corrupt: " + gz_message(file.get(), path));
        text.resize(done + static_cast<std::size_t>(got));
        if (got == 0) break;
    }
    int code = Z_OK;
    gzerror(file.get(), &code);
    if (code == Z_BUF_ERROR)   // zlib: "the input ended in the middle of a gzip stream"
        fail(path, "is truncated: its gzip stream ends before its end-of-stream marker and checksum");
    return text;
}

// Splits the text into records of fields, tracking physical line numbers for error messages.
class RecordReader {
public:
    RecordReader(std::string_view text, char separator, std::size_t skip_rows, const std::string& path)
        : text_(text), separator_(separator), path_(path) {
        for (std::size_t skipped = 0; skipped < skip_rows && pos_ < text_.size(); ++skipped) {
            const std::size_t eol = text_.find('\n', pos_);
            pos_ = eol == std::string_view::npos ? text_.size() : eol + 1;
            ++line_;
        }
    }

    // The next non-blank record into `fields`; false at the end of the text.
    bool next(std::vector<std::string>& fields) {
        fields.clear();
        while (pos_ < text_.size() && line_break_length(pos_) > 0) {
            pos_ += line_break_length(pos_);
            ++line_;
        }
        if (pos_ >= text_.size()) return false;
        record_line_ = line_;
        for (;;) {
            fields.push_back(at_quote() ? quoted_field() : unquoted_field());
            if (pos_ >= text_.size()) return true;
            if (text_[pos_] == separator_) {
                ++pos_;
                continue;
            }
            pos_ += line_break_length(pos_);
            ++line_;
            return true;
        }
    }

    // The line on which the last record returned by next() starts.
    std::size_t record_line() const { return record_line_; }
    // The line the next record would start on (after skip_rows, before anything is read).
    std::size_t line() const { return line_; }

private:
    // 1 for "\n", 2 for "\r\n", 0 if no line ends at `at`.
    std::size_t line_break_length(std::size_t at) const {
        if (text_[at] == '\n') return 1;
        if (text_[at] == '\r' && at + 1 < text_.size() && text_[at + 1] == '\n') return 2;
        return 0;
    }

    bool at_quote() const { return pos_ < text_.size() && text_[pos_] == '"'; }

    std::string unquoted_field() {
        const std::size_t start = pos_;
        while (pos_ < text_.size() && text_[pos_] != separator_ && line_break_length(pos_) == 0) ++pos_;
        return std::string(text_.substr(start, pos_ - start));
    }

    // "..." with "" standing for one quote; separators and line breaks inside are data.
    std::string quoted_field() {
        const std::size_t open_line = line_;
        std::string field;
        ++pos_;
        for (;;) {
            const std::size_t close = text_.find('"', pos_);
            if (close == std::string_view::npos)
                fail_at(path_, open_line, "a quoted field opened on this line is never closed (expected a closing \")");
            const std::string_view chunk = text_.substr(pos_, close - pos_);
            line_ += static_cast<std::size_t>(std::count(chunk.begin(), chunk.end(), '\n'));
            field.append(chunk);
            pos_ = close + 1;
            if (pos_ < text_.size() && text_[pos_] == '"') {
                field.push_back('"');
                ++pos_;
                continue;
            }
            break;
        }
        if (pos_ < text_.size() && text_[pos_] != separator_ && line_break_length(pos_) == 0)
            fail_at(path_, line_, std::string("expected a separator '") + separator_ +
                                      "' or the end of the line after the closing quote of a quoted field, got '" +
                                      text_[pos_] + "'");
        return field;
    }

    std::string_view text_;
    char separator_;
    const std::string& path_;
    std::size_t pos_ = 0;
    std::size_t line_ = 1;
    std::size_t record_line_ = 1;
};

std::string_view trim_blanks(std::string_view s) {
    const std::size_t first = s.find_first_not_of(" \t");
    if (first == std::string_view::npos) return {};
    return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

bool is_missing(std::string_view field) {
    const std::string_view s = trim_blanks(field);
    return s.empty() || s == "NA" || s == "N/A" || s == "NaN" || s == "nan" || s == "null";
}

// Parses the whole field as a number. Through double then float, as numpy's float64 -> float32
// does, so values match a Python reader bit for bit.
bool parse_number(std::string_view field, float& out) {
    std::string_view s = trim_blanks(field);
    if (s.size() > 1 && s[0] == '+' && s[1] != '-') s.remove_prefix(1);   // from_chars refuses a '+' sign
    double value = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (end != s.data() + s.size() || s.empty()) return false;
    if (ec == std::errc::result_out_of_range) {
        // Beyond double's range: a negative exponent underflows to 0, a positive one overflows.
        const std::size_t e = s.find_first_of("eE");
        const bool underflow = e != std::string_view::npos && e + 1 < s.size() && s[e + 1] == '-';
        const float magnitude = underflow ? 0.0f : std::numeric_limits<float>::infinity();
        out = s[0] == '-' ? -magnitude : magnitude;
        return true;
    }
    if (ec != std::errc()) return false;
    if (std::abs(value) > std::numeric_limits<float>::max())   // the cast would be undefined
        out = value < 0 ? -std::numeric_limits<float>::infinity() : std::numeric_limits<float>::infinity();
    else
        out = static_cast<float>(value);
    return true;
}

std::string listed(const std::vector<std::string>& names) {
    std::string out;
    for (std::size_t i = 0; i < names.size() && i < max_listed_names; ++i) out += (i ? ", '" : "'") + names[i] + "'";
    if (names.size() > max_listed_names) out += ", ... (" + std::to_string(names.size()) + " in all)";
    return out;
}

// The file positions of the requested columns, in the order requested; all of them if none is.
std::vector<std::size_t> resolve_columns(const std::vector<CsvColumnRef>& refs, const std::vector<std::string>& names,
                                         bool header, const std::string& path, std::size_t line) {
    std::vector<std::size_t> keep;
    if (refs.empty()) {
        for (std::size_t i = 0; i < names.size(); ++i) keep.push_back(i);
        return keep;
    }
    for (const CsvColumnRef& ref : refs) {
        if (!ref.by_name()) {
            if (ref.index() < 0 || static_cast<std::size_t>(ref.index()) >= names.size())
                fail_at(path, line, "column index " + std::to_string(ref.index()) + " is out of range: the file has " +
                                        std::to_string(names.size()) + " columns");
            keep.push_back(static_cast<std::size_t>(ref.index()));
            continue;
        }
        std::vector<std::size_t> matches;
        for (std::size_t i = 0; i < names.size(); ++i)
            if (names[i] == ref.name()) matches.push_back(i);
        if (matches.empty())
            fail_at(path, line, "no column named '" + ref.name() + "'; the columns are " + listed(names) +
                                    (header ? "" : " (options.header is false, so columns are named by position)"));
        if (matches.size() > 1)
            fail_at(path, line, "the header names " + std::to_string(matches.size()) + " columns '" + ref.name() +
                                    "' (positions " + std::to_string(matches[0]) + " and " +
                                    std::to_string(matches[1]) + "); select one by index");
        keep.push_back(matches[0]);
    }
    return keep;
}

// Writes one column of `rows` values into column k of the row-major (rows, cols) `out`.
CsvColumn encode_column(std::string name, const std::vector<std::string>& fields, float* out, std::size_t cols) {
    CsvColumn column{std::move(name), CsvKind::numeric, {}};
    const float nan = std::numeric_limits<float>::quiet_NaN();
    bool numeric = true;
    for (std::size_t i = 0; i < fields.size() && numeric; ++i) {
        float value = nan;
        if (!is_missing(fields[i])) numeric = parse_number(fields[i], value);
        out[i * cols] = value;
    }
    if (numeric) return column;

    column.kind = CsvKind::categorical;
    for (const std::string& field : fields)
        if (!is_missing(field)) column.vocabulary.push_back(field);
    std::sort(column.vocabulary.begin(), column.vocabulary.end());
    column.vocabulary.erase(std::unique(column.vocabulary.begin(), column.vocabulary.end()), column.vocabulary.end());
    for (std::size_t i = 0; i < fields.size(); ++i) {
        if (is_missing(fields[i])) {
            out[i * cols] = nan;
            continue;
        }
        const auto it = std::lower_bound(column.vocabulary.begin(), column.vocabulary.end(), fields[i]);
        out[i * cols] = static_cast<float>(it - column.vocabulary.begin());
    }
    return column;
}

}  // namespace

CsvTable read_csv(const std::string& path, CsvOptions options) {
    if (options.separator == '"' || options.separator == '\n' || options.separator == '\r')
        throw Error("read_csv: '" + path + "': options.separator cannot be a quote or a line break, got " +
                    (options.separator == '"' ? std::string("'\"'") : std::string("a line break")));
    const std::string text = read_text(path);
    std::string_view body = text;
    if (body.starts_with("\xEF\xBB\xBF")) body.remove_prefix(3);   // a UTF-8 byte order mark is not part of the first name
    RecordReader reader(body, options.separator, options.skip_rows, path);

    std::vector<std::string> fields;
    std::vector<std::string> names;
    std::size_t first_line = reader.line();   // the header's line, else the first row's
    bool more = reader.next(fields);
    if (options.header) {
        if (!more)
            fail(path, "has no header line" +
                           (options.skip_rows ? " after skipping " + std::to_string(options.skip_rows) + " lines" : "") +
                           " (options.header is true: the first row names the columns)");
        first_line = reader.record_line();
        names = std::move(fields);
        more = reader.next(fields);
    } else if (more) {
        first_line = reader.record_line();
        for (std::size_t i = 0; i < fields.size(); ++i) names.push_back(std::to_string(i));
    }
    const std::size_t width = names.size();
    const std::vector<std::size_t> keep = resolve_columns(options.columns, names, options.header, path, first_line);

    std::vector<std::vector<std::string>> kept(keep.size());
    for (; more; more = reader.next(fields)) {
        if (fields.size() != width)
            fail_at(path, reader.record_line(),
                    "expected " + std::to_string(width) + " fields like " +
                        (options.header ? "the header" : "the first row") + " (line " + std::to_string(first_line) +
                        "), got " + std::to_string(fields.size()));
        for (std::size_t k = 0; k < keep.size(); ++k) kept[k].push_back(fields[keep[k]]);
    }

    const std::size_t rows = kept.empty() ? 0 : kept[0].size();
    CsvTable table;
    table.values = Tensor::empty({rows, keep.size()});
    for (std::size_t k = 0; k < keep.size(); ++k)
        table.columns.push_back(encode_column(names[keep[k]], kept[k], table.values.data() + k, keep.size()));
    return table;
}

std::size_t CsvTable::index_of(std::string_view name) const {
    std::vector<std::size_t> matches;
    std::vector<std::string> names;
    for (std::size_t i = 0; i < columns.size(); ++i) {
        names.push_back(columns[i].name);
        if (columns[i].name == name) matches.push_back(i);
    }
    if (matches.empty())
        throw Error("CsvTable: no column named '" + std::string(name) + "'; the columns are " + listed(names));
    if (matches.size() > 1)
        throw Error("CsvTable: " + std::to_string(matches.size()) + " columns are named '" + std::string(name) +
                    "' (positions " + std::to_string(matches[0]) + " and " + std::to_string(matches[1]) +
                    "); read them from `values` by position");
    return matches[0];
}

Tensor CsvTable::column(std::string_view name) const {
    const std::size_t k = index_of(name);
    const std::size_t cols = columns.size();
    Tensor out = Tensor::empty({rows()});
    const float* src = values.data();
    float* dst = out.data();
    for (std::size_t i = 0; i < rows(); ++i) dst[i] = src[i * cols + k];   // (rows,) = values[:, k]
    return out;
}

}  // namespace kx::datasets
