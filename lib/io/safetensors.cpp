#include "safetensors.hpp"

#include "atomic_file.hpp"

#include <kerasxx/error.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <optional>
#include <set>
#include <string_view>
#include <tuple>

namespace kx::io {

// Tensor bytes are written and read as they are in memory, and safetensors data is little-endian.
static_assert(std::endian::native == std::endian::little, "kerasxx's file I/O assumes a little-endian machine");

namespace {

struct DtypeInfo {
    std::string_view name;
    std::size_t size;
};

// Every dtype of the reference implementation, so that any valid file parses; the model loader
// decides which ones it can use.
constexpr std::array<DtypeInfo, 15> kDtypes = {{{"BOOL", 1},
                                                {"U8", 1},
                                                {"I8", 1},
                                                {"F8_E5M2", 1},
                                                {"F8_E4M3", 1},
                                                {"I16", 2},
                                                {"U16", 2},
                                                {"F16", 2},
                                                {"BF16", 2},
                                                {"I32", 4},
                                                {"U32", 4},
                                                {"F32", 4},
                                                {"I64", 8},
                                                {"U64", 8},
                                                {"F64", 8}}};

// A bound on what a reader allocates for the JSON before it knows anything about the file.
constexpr std::uint64_t kMaxHeaderBytes = std::uint64_t{100} << 20;
constexpr std::size_t kPrefixBytes = 8;
const std::string kMetadataKey = "__metadata__";

// Where a tensor lives, validated against the data section, before anything is allocated for it.
struct Entry {
    std::string name;
    std::string dtype;
    std::vector<std::uint64_t> shape;
    std::uint64_t begin = 0;
    std::uint64_t end = 0;
};

struct Layout {
    Metadata metadata;
    std::vector<Entry> entries;   // in data-offset order
};

const DtypeInfo* find_dtype(std::string_view dtype) {
    for (const auto& info : kDtypes) {
        if (info.name == dtype) return &info;
    }
    return nullptr;
}

std::string dtype_list() {
    std::string list;
    for (const auto& info : kDtypes) list += (list.empty() ? "" : ", ") + std::string(info.name);
    return list;
}

std::string format_shape(const std::vector<std::uint64_t>& shape) {
    std::string text = "(";
    for (std::size_t i = 0; i < shape.size(); ++i) {
        if (i > 0) text += ", ";
        text += std::to_string(shape[i]);
    }
    text += shape.size() == 1 ? ",)" : ")";
    return text;
}

std::string format_range(std::uint64_t begin, std::uint64_t end) {
    std::string text = "[";
    text += std::to_string(begin);
    text += ", ";
    text += std::to_string(end);
    text += "]";
    return text;
}

// product(shape) * element_size, or false if it does not fit in 64 bits.
bool byte_size(const std::vector<std::uint64_t>& shape, std::size_t element_size, std::uint64_t& bytes) {
    bytes = element_size;
    for (const auto dim : shape) {
        if (__builtin_mul_overflow(bytes, dim, &bytes)) return false;
    }
    return true;
}

// ---- writing ----

std::vector<std::byte> encode_header_for(const std::vector<TensorView>& tensors, const Metadata& metadata,
                                         const std::string& where) {
    nlohmann::ordered_json header = nlohmann::ordered_json::object();
    // The reference implementation writes the metadata first and omits it when there is none.
    if (!metadata.empty()) header[kMetadataKey] = metadata;
    std::set<std::string_view> names;
    std::uint64_t offset = 0;
    for (const auto& tensor : tensors) {
        const std::string what = where + ": tensor '" + tensor.name + "'";
        if (tensor.name == kMetadataKey) throw Error(what + ": the name " + kMetadataKey + " is reserved for metadata");
        if (!names.insert(tensor.name).second) throw Error(what + " is given twice; tensor names must be unique");
        const DtypeInfo* dtype = find_dtype(tensor.dtype);
        if (dtype == nullptr) throw Error(what + ": unknown dtype '" + tensor.dtype + "' (expected one of " + dtype_list() + ")");
        std::uint64_t bytes = 0;
        if (!byte_size(tensor.shape, dtype->size, bytes) || bytes != tensor.data.size()) {
            throw Error(what + ": shape " + format_shape(tensor.shape) + " of " + tensor.dtype + " does not match its " +
                        std::to_string(tensor.data.size()) + " bytes of data");
        }
        header[tensor.name] = {{"dtype", tensor.dtype}, {"shape", tensor.shape}, {"data_offsets", {offset, offset + bytes}}};
        offset += bytes;
    }
    std::string text;
    try {
        text = header.dump();
    } catch (const nlohmann::json::type_error&) {
        throw Error(where + ": tensor names and metadata must be valid UTF-8");
    }
    // Padding to a multiple of 8 keeps the data aligned for readers that map the file.
    text.append((8 - text.size() % 8) % 8, ' ');

    std::vector<std::byte> encoded(kPrefixBytes + text.size());
    const std::uint64_t length = text.size();
    std::memcpy(encoded.data(), &length, kPrefixBytes);
    std::memcpy(encoded.data() + kPrefixBytes, text.data(), text.size());
    return encoded;
}

// ---- reading ----

// The header length from the 8-byte prefix, checked against the file size and the header limit.
std::uint64_t header_length(std::span<const std::byte> prefix, std::uint64_t file_size, const std::string& source) {
    if (file_size == 0) throw Error(source + ": not a safetensors file: the file is empty");
    if (file_size < kPrefixBytes) {
        throw Error(source + ": truncated: " + std::to_string(file_size) +
                    " bytes, too short for the 8-byte header length");
    }
    std::uint64_t length = 0;
    std::memcpy(&length, prefix.data(), kPrefixBytes);
    if (length > file_size - kPrefixBytes) {
        throw Error(source + ": truncated or corrupt: the header length is " + std::to_string(length) +
                    " bytes but only " + std::to_string(file_size - kPrefixBytes) + " bytes follow the length prefix");
    }
    if (length > kMaxHeaderBytes) {
        throw Error(source + ": the header length " + std::to_string(length) + " is more than the limit of " +
                    std::to_string(kMaxHeaderBytes) + " bytes");
    }
    return length;
}

// Parses the JSON header, rejecting what nlohmann::json would silently accept: repeated keys (it
// keeps the last) and nesting deeper than a safetensors header has (which only costs memory).
nlohmann::json parse_header_json(std::string_view text, const std::string& source) {
    std::vector<std::set<std::string>> keys;   // the keys seen in each open object
    std::string tensor;                        // the top-level key being parsed
    const auto check = [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
        using Event = nlohmann::json::parse_event_t;
        if ((event == Event::object_start || event == Event::array_start) && depth >= 3) {
            throw Error(source + ": the header nests JSON deeper than a safetensors header can (" +
                        (tensor.empty() ? std::string("at the top level") : "in '" + tensor + "'") + ")");
        }
        if (event == Event::object_start) keys.emplace_back();
        if (event == Event::object_end) keys.pop_back();
        if (event == Event::key) {
            const auto& key = parsed.get_ref<const std::string&>();
            if (depth == 1) tensor = key;
            if (!keys.back().insert(key).second) {
                if (depth > 1) {
                    const std::string where = tensor == kMetadataKey ? kMetadataKey : "tensor '" + tensor + "'";
                    throw Error(source + ": " + where + ": the key \"" + key + "\" appears twice");
                }
                if (key == kMetadataKey) throw Error(source + ": the header has two " + kMetadataKey + " objects");
                throw Error(source + ": the header declares tensor '" + key + "' twice");
            }
        }
        return true;
    };
    try {
        return nlohmann::json::parse(text.begin(), text.end(), check);
    } catch (const nlohmann::json::exception& e) {   // parse_error, or out_of_range for a number too large
        std::string reason = e.what();
        const auto bracket = reason.find("] ");
        if (reason.rfind("[json.exception", 0) == 0 && bracket != std::string::npos) reason.erase(0, bracket + 2);
        throw Error(source + ": the header is not valid JSON: " + reason);
    }
}

// A non-negative JSON integer, or nullopt.
std::optional<std::uint64_t> unsigned_value(const nlohmann::json& value) {
    if (!value.is_number_unsigned()) return std::nullopt;
    return value.get<std::uint64_t>();
}

std::string describe(const nlohmann::json& value) {
    if (value.is_number_integer() || value.is_number_float()) return value.dump();
    return std::string(value.type_name());
}

Entry parse_entry(const std::string& name, const nlohmann::json& value, std::uint64_t data_size, const std::string& source) {
    const std::string what = source + ": tensor '" + name + "'";
    if (!value.is_object()) {
        throw Error(what + ": expected an object with dtype, shape and data_offsets, got " + std::string(value.type_name()));
    }
    for (const char* key : {"dtype", "shape", "data_offsets"}) {
        if (!value.contains(key)) throw Error(what + ": missing \"" + key + "\"");
    }
    for (const auto& item : value.items()) {
        if (item.key() != "dtype" && item.key() != "shape" && item.key() != "data_offsets") {
            throw Error(what + ": unexpected key \"" + item.key() + "\" (expected dtype, shape and data_offsets)");
        }
    }
    Entry entry;
    entry.name = name;

    const auto& dtype = value["dtype"];
    if (!dtype.is_string()) throw Error(what + ": \"dtype\" must be a string, got " + describe(dtype));
    entry.dtype = dtype.get<std::string>();
    const DtypeInfo* info = find_dtype(entry.dtype);
    if (info == nullptr) throw Error(what + ": unknown dtype '" + entry.dtype + "' (expected one of " + dtype_list() + ")");

    const auto& shape = value["shape"];
    if (!shape.is_array()) throw Error(what + ": \"shape\" must be an array of non-negative integers, got " + describe(shape));
    for (std::size_t i = 0; i < shape.size(); ++i) {
        const auto dim = unsigned_value(shape[i]);
        if (!dim) {
            throw Error(what + ": shape dimension " + std::to_string(i) + " is " + describe(shape[i]) +
                        ", expected a non-negative integer");
        }
        entry.shape.push_back(*dim);
    }

    const auto& offsets = value["data_offsets"];
    const auto begin = offsets.is_array() && offsets.size() == 2 ? unsigned_value(offsets[0]) : std::nullopt;
    const auto end = offsets.is_array() && offsets.size() == 2 ? unsigned_value(offsets[1]) : std::nullopt;
    if (!begin || !end) {
        throw Error(what + ": \"data_offsets\" must be [begin, end] with non-negative integers, got " + offsets.dump());
    }
    entry.begin = *begin;
    entry.end = *end;
    if (entry.begin > entry.end) throw Error(what + ": data_offsets " + format_range(entry.begin, entry.end) + " end before they begin");
    if (entry.end > data_size) {
        throw Error(what + ": data_offsets " + format_range(entry.begin, entry.end) + " are out of range: the data section has " +
                    std::to_string(data_size) + " bytes");
    }
    std::uint64_t bytes = 0;
    if (!byte_size(entry.shape, info->size, bytes)) {
        throw Error(what + ": shape " + format_shape(entry.shape) + " of " + entry.dtype + " has more bytes than fit in 64 bits");
    }
    if (bytes != entry.end - entry.begin) {
        throw Error(what + ": shape " + format_shape(entry.shape) + " of " + entry.dtype + " needs " + std::to_string(bytes) +
                    " bytes, but data_offsets " + format_range(entry.begin, entry.end) + " hold " +
                    std::to_string(entry.end - entry.begin));
    }
    return entry;
}

Metadata parse_metadata(const nlohmann::json& value, const std::string& source) {
    if (!value.is_object()) throw Error(source + ": \"__metadata__\" must be an object of strings, got " + describe(value));
    Metadata metadata;
    for (const auto& item : value.items()) {
        if (!item.value().is_string()) {
            throw Error(source + ": __metadata__ '" + item.key() + "' must be a string, got " + describe(item.value()));
        }
        metadata.emplace(item.key(), item.value().get<std::string>());
    }
    return metadata;
}

// The whole header, validated against a data section of data_size bytes.
Layout parse_layout(std::string_view text, std::uint64_t data_size, const std::string& source) {
    const nlohmann::json header = parse_header_json(text, source);
    if (!header.is_object()) throw Error(source + ": the header must be a JSON object, got " + std::string(header.type_name()));
    Layout layout;
    for (const auto& item : header.items()) {
        if (item.key() == kMetadataKey) {
            layout.metadata = parse_metadata(item.value(), source);
        } else {
            layout.entries.push_back(parse_entry(item.key(), item.value(), data_size, source));
        }
    }
    std::sort(layout.entries.begin(), layout.entries.end(), [](const Entry& a, const Entry& b) {
        return std::tie(a.begin, a.end, a.name) < std::tie(b.begin, b.end, b.name);
    });
    // safetensors forbids holes and overlaps: sorted by offset, the tensors tile the data section.
    std::uint64_t covered = 0;
    const Entry* previous = nullptr;
    for (const auto& entry : layout.entries) {
        const std::string what = source + ": tensor '" + entry.name + "': data_offsets " + format_range(entry.begin, entry.end);
        if (entry.begin < covered) {
            throw Error(what + " overlap tensor '" + previous->name + "' " + format_range(previous->begin, previous->end));
        }
        if (entry.begin > covered) {
            throw Error(what + " leave a hole: bytes [" + std::to_string(covered) + ", " + std::to_string(entry.begin) +
                        ") belong to no tensor");
        }
        covered = entry.end;
        previous = &entry;
    }
    if (covered != data_size) {
        throw Error(source + ": the data section has " + std::to_string(data_size) + " bytes but the tensors cover only " +
                    std::to_string(covered) + " (trailing bytes)");
    }
    return layout;
}

std::string_view as_text(std::span<const std::byte> bytes) {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

}  // namespace

bool SafetensorsFile::contains(const std::string& name) const {
    return std::any_of(tensors.begin(), tensors.end(), [&](const TensorRecord& t) { return t.name == name; });
}

const TensorRecord& SafetensorsFile::tensor(const std::string& name) const {
    for (const auto& record : tensors) {
        if (record.name == name) return record;
    }
    std::string names;
    for (std::size_t i = 0; i < tensors.size() && i < 10; ++i) names += (i ? ", " : "") + tensors[i].name;
    if (tensors.size() > 10) names += ", ...";
    throw Error(source + ": no tensor named '" + name + "' (the file has " +
                (tensors.empty() ? std::string("no tensors") : std::to_string(tensors.size()) + ": " + names) + ")");
}

const std::string& SafetensorsFile::meta(const std::string& key) const {
    const auto found = metadata.find(key);
    if (found == metadata.end()) throw Error(source + ": no metadata key '" + key + "' in the header's __metadata__");
    return found->second;
}

std::size_t dtype_size(const std::string& dtype) {
    const DtypeInfo* info = find_dtype(dtype);
    if (info == nullptr) throw Error("unknown safetensors dtype '" + dtype + "' (expected one of " + dtype_list() + ")");
    return info->size;
}

std::vector<std::byte> encode_header(const std::vector<TensorView>& tensors, const Metadata& metadata) {
    return encode_header_for(tensors, metadata, "safetensors");
}

void write_safetensors(const std::string& path, const std::vector<TensorView>& tensors, const Metadata& metadata) {
    const std::vector<std::byte> header = encode_header_for(tensors, metadata, path);
    std::vector<std::span<const std::byte>> pieces = {header};
    for (const auto& tensor : tensors) pieces.push_back(tensor.data);
    atomic_write_file(path, pieces);
}

SafetensorsFile decode_safetensors(std::span<const std::byte> bytes, const std::string& source) {
    const std::uint64_t length = header_length(bytes.first(std::min(bytes.size(), kPrefixBytes)), bytes.size(), source);
    const auto data = bytes.subspan(kPrefixBytes + length);
    Layout layout = parse_layout(as_text(bytes.subspan(kPrefixBytes, length)), data.size(), source);

    SafetensorsFile file{.source = source, .metadata = std::move(layout.metadata), .tensors = {}};
    file.tensors.reserve(layout.entries.size());
    for (auto& entry : layout.entries) {
        const auto piece = data.subspan(entry.begin, entry.end - entry.begin);
        file.tensors.push_back({std::move(entry.name), std::move(entry.dtype), std::move(entry.shape),
                                std::vector<std::byte>(piece.begin(), piece.end())});
    }
    return file;
}

SafetensorsFile read_safetensors(const std::string& path) {
    const InputFile input(path);
    std::array<std::byte, kPrefixBytes> prefix{};
    input.read_at(0, std::span(prefix).first(std::min<std::uint64_t>(input.size(), kPrefixBytes)));
    const std::uint64_t length = header_length(prefix, input.size(), path);
    std::vector<std::byte> text(length);
    input.read_at(kPrefixBytes, text);
    Layout layout = parse_layout(as_text(text), input.size() - kPrefixBytes - length, path);

    // Each tensor is read straight into its own buffer: no second copy of the file in memory.
    SafetensorsFile file{.source = path, .metadata = std::move(layout.metadata), .tensors = {}};
    file.tensors.reserve(layout.entries.size());
    for (auto& entry : layout.entries) {
        std::vector<std::byte> data(entry.end - entry.begin);
        input.read_at(kPrefixBytes + length + entry.begin, data);
        file.tensors.push_back({std::move(entry.name), std::move(entry.dtype), std::move(entry.shape), std::move(data)});
    }
    return file;
}

}  // namespace kx::io
