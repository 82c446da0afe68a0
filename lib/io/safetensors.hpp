// Internal: the safetensors container kerasxx's .kx files use
// (https://github.com/huggingface/safetensors): an 8-byte little-endian header length N, N bytes
// of JSON header {"<tensor>": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, ...,
// "__metadata__": {"<key>": "<string>", ...}}, then the raw little-endian tensor data, offsets
// relative to the end of the header.
//
//   std::vector<kx::io::TensorView> tensors = {{"dense/kernel", "F32", {784, 10}, bytes_of(kernel)}};
//   kx::io::write_safetensors("m.kx", tensors, {{"format", "kx"}});
//   kx::io::SafetensorsFile file = kx::io::read_safetensors("m.kx");
//   const kx::io::TensorRecord& kernel = file.tensor("dense/kernel");   // kx::Error if missing
//
// Reading validates everything before it allocates for it: the header length against the file
// size (and at most 100 MiB), the JSON (no repeated keys, which JSON parsers silently resolve, and
// no nesting deeper than a header has), each entry (exactly dtype, shape and data_offsets), each
// dtype (known), shape (non-negative integers, byte size without overflow, matching the byte
// range), the offsets (in range, and, sorted, tiling the data section without holes or overlaps),
// and the metadata (strings only). Every defect is a kx::Error "<source>: tensor '<name>': <defect>"
// (or "<source>: <defect>" for the file as a whole).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

namespace kx::io {

// A tensor to write: its bytes are not copied.
struct TensorView {
    std::string name;
    std::string dtype;                       // "F32", "F64", "I32", "I64", "U8", ... (all of safetensors')
    std::vector<std::uint64_t> shape;
    std::span<const std::byte> data;         // size == product(shape) * size of dtype
};

// A tensor read back.
struct TensorRecord {
    std::string name;
    std::string dtype;
    std::vector<std::uint64_t> shape;
    std::vector<std::byte> data;
};

using Metadata = std::map<std::string, std::string>;

struct SafetensorsFile {
    std::string source;                      // the path (or a description), for messages
    Metadata metadata;
    std::vector<TensorRecord> tensors;       // in data-offset order
    bool contains(const std::string& name) const;
    const TensorRecord& tensor(const std::string& name) const;   // kx::Error naming source and tensor
    const std::string& meta(const std::string& key) const;       // kx::Error naming source and key
};

// Bytes per element of a safetensors dtype; kx::Error listing the supported ones otherwise.
std::size_t dtype_size(const std::string& dtype);

// The header bytes (length prefix + JSON, padded with spaces to a multiple of 8 as the reference
// implementation does) for these tensors laid out in order; the data follows it unchanged.
std::vector<std::byte> encode_header(const std::vector<TensorView>& tensors, const Metadata& metadata);
// Atomically writes header + data (kx::io::atomic_write_file).
void write_safetensors(const std::string& path, const std::vector<TensorView>& tensors, const Metadata& metadata);

// Parses and validates a complete file image; `source` names it in errors.
SafetensorsFile decode_safetensors(std::span<const std::byte> bytes, const std::string& source);
// The same from a file: reads the header, validates it, then reads each tensor into its own buffer.
SafetensorsFile read_safetensors(const std::string& path);

}  // namespace kx::io
