// cache(filename): the first complete run is written to a file; later runs, in this process or in a
// new one, read the file instead of running the pipeline above.
//
// File layout, version 1, little-endian like every kerasxx file:
//   header   "KXDCACHE" (8 bytes), u32 format version, u32 header size in bytes (the whole header),
//            u64 element count, u8 1 if a spec follows (0: the dataset was empty, nothing follows),
//            then the spec: u8 kind (0 tensor, 1 tuple, 2 dict); a tensor: u8 rank and rank x i64
//            dimensions (-1 where elements differ); a tuple: u32 n and n specs; a dict: u32 n and n x
//            (u32 key size, key bytes, spec), keys sorted.
//   records  per element, per tensor in Element::flatten() order: rank x u64 dimensions, then the
//            tensor's float32 values, row-major.
// The writer puts the header down (count 0) when the first element arrives and rewrites it in place
// at the end: only the count and dimensions change, so its size does not.
#include "io/atomic_file.hpp"
#include "node.hpp"

#include <kerasxx/error.hpp>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <limits>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static_assert(std::endian::native == std::endian::little, "kerasxx's file I/O assumes a little-endian machine");

namespace kx::data {

namespace {

constexpr char magic[8] = {'K', 'X', 'D', 'C', 'A', 'C', 'H', 'E'};
constexpr std::uint32_t format_version = 1;
constexpr std::size_t fixed_header_bytes = 8 + 4 + 4 + 8 + 1;   // magic .. "has spec"
// A header bigger than this is not one we wrote; refusing it keeps a hostile file from asking for
// a huge allocation.
constexpr std::uint32_t max_header_bytes = 1u << 20;
constexpr std::size_t max_spec_depth = 64;
constexpr std::size_t io_buffer_bytes = std::size_t{1} << 20;

enum : std::uint8_t { kind_tensor = 0, kind_tuple = 1, kind_dict = 2 };

std::string where(const std::string& path) { return "Dataset::cache: '" + path + "'"; }

std::string errno_text() { return std::strerror(errno); }

struct FileClose {
    void operator()(std::FILE* file) const { std::fclose(file); }
};
using File = std::unique_ptr<std::FILE, FileClose>;

// ---- encoding ----------------------------------------------------------------------------------

template <class T>
void put(std::string& out, T value) {
    char bytes[sizeof(T)];
    std::memcpy(bytes, &value, sizeof(T));
    out.append(bytes, sizeof(T));
}

void put_spec(std::string& out, const ElementSpec& spec) {
    switch (spec.kind()) {
    case Element::Kind::tensor:
        put<std::uint8_t>(out, kind_tensor);
        put<std::uint8_t>(out, static_cast<std::uint8_t>(spec.shape().size()));
        for (std::int64_t d : spec.shape()) put<std::int64_t>(out, d);
        return;
    case Element::Kind::tuple:
        put<std::uint8_t>(out, kind_tuple);
        put<std::uint32_t>(out, static_cast<std::uint32_t>(spec.items().size()));
        for (const auto& item : spec.items()) put_spec(out, item);
        return;
    case Element::Kind::dict:
        put<std::uint8_t>(out, kind_dict);
        put<std::uint32_t>(out, static_cast<std::uint32_t>(spec.items().size()));
        for (std::size_t i = 0; i < spec.items().size(); ++i) {
            put<std::uint32_t>(out, static_cast<std::uint32_t>(spec.keys()[i].size()));
            out += spec.keys()[i];
            put_spec(out, spec.items()[i]);
        }
        return;
    }
}

std::string encode_header(std::uint64_t count, const std::optional<ElementSpec>& spec) {
    std::string out(magic, sizeof magic);
    put<std::uint32_t>(out, format_version);
    put<std::uint32_t>(out, 0);   // the header size, patched below
    put<std::uint64_t>(out, count);
    put<std::uint8_t>(out, spec ? 1 : 0);
    if (spec) put_spec(out, *spec);
    const auto size = static_cast<std::uint32_t>(out.size());
    std::memcpy(out.data() + 12, &size, sizeof size);
    return out;
}

// Every tensor with its rank checked against the spec: the file stores one structure.
void check_writable(const Element& e, const ElementSpec& spec, std::int64_t index, const std::string& path) {
    if (!ElementSpec::of(e).compatible_structure(spec))
        throw Error(where(path) + ": expected every element to have the structure " + spec.str() +
                    " (with these ranks) to write the cache file, got element " + std::to_string(index) + " with " +
                    e.structure());
}

// Writes a temporary file next to the target and renames it over the target when finish() is called.
// Destroyed unfinished (the iteration stopped early or failed), it removes the temporary file.
class CacheWriter {
public:
    explicit CacheWriter(std::string path) : path_(std::move(path)) {
        namespace fs = std::filesystem;
        const fs::path target(path_);
        fs::path dir = target.parent_path();
        if (dir.empty()) dir = ".";
        // ".<name>.tmp-<pid>-XXXXXX", like io::atomic_write_file's temporaries, so that the same
        // clean-up finds those of killed writers (append(): GCC 12 warns falsely with -Wrestrict on
        // the operator+ chain)
        io::remove_stale_temps(path_);
        std::string name = ".";
        name.append(target.filename().string()).append(".tmp-").append(std::to_string(::getpid())).append("-XXXXXX");
        temp_ = (dir / name).string();
        const int fd = ::mkostemp(temp_.data(), O_CLOEXEC);
        if (fd < 0)
            throw Error(where(path_) + ": cannot create the temporary file '" + temp_ + "' to write the cache: " +
                        errno_text());
        file_.reset(::fdopen(fd, "wb"));
        if (!file_) {
            const std::string cause = errno_text();
            ::close(fd);
            ::unlink(temp_.c_str());
            throw Error(where(path_) + ": cannot open the temporary file '" + temp_ + "': " + cause);
        }
        buffer_.resize(io_buffer_bytes);
        std::setvbuf(file_.get(), buffer_.data(), _IOFBF, buffer_.size());
    }
    ~CacheWriter() {
        file_.reset();
        if (!renamed_) ::unlink(temp_.c_str());
    }
    CacheWriter(const CacheWriter&) = delete;
    CacheWriter& operator=(const CacheWriter&) = delete;

    void add(const Element& e) {
        if (!spec_) {
            for (const Tensor& t : e.flatten())
                if (t.rank() > std::numeric_limits<std::uint8_t>::max())
                    throw Error(where(path_) + ": cannot cache a tensor of rank " + std::to_string(t.rank()) +
                                "; the cache file stores ranks up to 255");
            spec_ = ElementSpec::of(e);
            write(encode_header(0, spec_));   // placeholder: same size as the final header
        } else {
            check_writable(e, *spec_, count_, path_);
            spec_ = spec_->merge(ElementSpec::of(e));
        }
        for (const Tensor& t : e.flatten()) {
            for (std::size_t d : t.shape()) {
                const auto dim = static_cast<std::uint64_t>(d);
                write(&dim, sizeof dim);
            }
            write(t.data(), t.size() * sizeof(float));
        }
        ++count_;
    }

    void finish() {
        const std::string header = encode_header(count_, spec_);
        if (std::fseek(file_.get(), 0, SEEK_SET) != 0) fail("seeking to the header of the temporary file");
        write(header);
        if (std::fflush(file_.get()) != 0) fail("writing the temporary file");
        if (::fsync(::fileno(file_.get())) != 0) fail("syncing the temporary file");
        if (std::fclose(file_.release()) != 0) fail("closing the temporary file");
        if (std::rename(temp_.c_str(), path_.c_str()) != 0) fail("renaming the temporary file to the cache file");
        renamed_ = true;
    }

private:
    [[noreturn]] void fail(const char* step) const {
        throw Error(where(path_) + ": cannot write the cache: " + errno_text() + " while " + step + " '" + temp_ +
                    "'");
    }
    void write(const void* data, std::size_t bytes) {
        if (bytes != 0 && std::fwrite(data, 1, bytes, file_.get()) != bytes) fail("writing the temporary file");
    }
    void write(const std::string& bytes) { write(bytes.data(), bytes.size()); }

    std::string path_;
    std::string temp_;
    std::vector<char> buffer_;   // stdio's buffer: declared before file_, so it outlives the FILE
    File file_;
    std::optional<ElementSpec> spec_;   // the merged spec of the elements written so far
    std::int64_t count_ = 0;
    bool renamed_ = false;
};

// Runs the input and writes every element; the file appears when the run completes.
class WriteIterator final : public detail::IteratorImpl {
public:
    WriteIterator(std::unique_ptr<IteratorImpl> input, const std::string& path)
        : writer_(std::make_unique<CacheWriter>(path)), input_(std::move(input)) {}
    std::optional<Element> next() override {
        if (!writer_) return input_->next();
        auto e = input_->next();
        if (e) {
            writer_->add(*e);
        } else {
            writer_->finish();
            writer_.reset();
        }
        return e;
    }

private:
    std::unique_ptr<CacheWriter> writer_;   // null once the file is in place
    std::unique_ptr<IteratorImpl> input_;
};

// ---- decoding ----------------------------------------------------------------------------------

// Reads the header's bytes with bounds checks; every defect names the file.
class HeaderParser {
public:
    HeaderParser(const std::string& bytes, std::string path) : bytes_(bytes), path_(std::move(path)) {}

    template <class T>
    T get(const char* what) {
        if (bytes_.size() - pos_ < sizeof(T))
            throw Error(where(path_) + " is corrupt: its header ends inside " + what);
        T value;
        std::memcpy(&value, bytes_.data() + pos_, sizeof(T));
        pos_ += sizeof(T);
        return value;
    }

    ElementSpec spec(std::size_t depth = 0) {
        if (depth > max_spec_depth)
            throw Error(where(path_) + " is corrupt: its element structure nests deeper than " +
                        std::to_string(max_spec_depth) + " levels");
        const auto kind = get<std::uint8_t>("an element kind");
        if (kind == kind_tensor) {
            const auto rank = get<std::uint8_t>("a tensor rank");
            std::vector<std::int64_t> shape;
            for (std::uint8_t i = 0; i < rank; ++i) {
                const auto d = get<std::int64_t>("a tensor shape");
                if (d < unknown_dim) throw Error(where(path_) + " is corrupt: its header has the dimension " +
                                                 std::to_string(d));
                shape.push_back(d);
            }
            return ElementSpec::tensor(std::move(shape));
        }
        if (kind != kind_tuple && kind != kind_dict)
            throw Error(where(path_) + " is corrupt: unknown element kind " + std::to_string(kind) +
                        " in its header (expected 0 tensor, 1 tuple or 2 dict)");
        const auto n = get<std::uint32_t>("a tuple or dict size");
        if (n > bytes_.size() - pos_)   // every item takes at least one byte
            throw Error(where(path_) + " is corrupt: its header declares " + std::to_string(n) +
                        " items but ends first");
        std::vector<ElementSpec> items;
        std::vector<std::pair<std::string, ElementSpec>> named;
        for (std::uint32_t i = 0; i < n; ++i) {
            if (kind == kind_tuple) {
                items.push_back(spec(depth + 1));
                continue;
            }
            const auto key_size = get<std::uint32_t>("a dict key");
            if (key_size > bytes_.size() - pos_)
                throw Error(where(path_) + " is corrupt: its header ends inside a dict key");
            std::string key = bytes_.substr(pos_, key_size);
            pos_ += key_size;
            named.emplace_back(std::move(key), spec(depth + 1));
        }
        if (kind == kind_tuple) return ElementSpec::tuple(std::move(items));
        try {
            return ElementSpec::dict(std::move(named));
        } catch (const Error& e) {
            throw Error(where(path_) + " is corrupt: " + e.what());
        }
    }

    bool at_end() const { return pos_ == bytes_.size(); }

private:
    const std::string& bytes_;
    std::string path_;
    std::size_t pos_ = 0;
};

struct CacheHeader {
    std::uint32_t bytes = 0;
    std::uint64_t count = 0;
    std::optional<ElementSpec> spec;   // nullopt: the cached dataset was empty
};

// Rebuilds `spec`'s structure around the tensors made by `make_leaf`, in flatten() order.
template <class MakeLeaf>
Element build(const ElementSpec& spec, MakeLeaf& make_leaf) {
    if (spec.kind() == Element::Kind::tensor) return make_leaf(spec);
    std::vector<Element> items;
    for (const auto& item : spec.items()) items.push_back(build(item, make_leaf));
    if (spec.kind() == Element::Kind::tuple) return Element::tuple(std::move(items));
    std::vector<std::pair<std::string, Element>> named;
    for (std::size_t i = 0; i < items.size(); ++i) named.emplace_back(spec.keys()[i], std::move(items[i]));
    return Element::dict(std::move(named));
}

// The bytes of one record when every dimension is known; nullopt if it overflows.
std::optional<std::uint64_t> record_bytes(const ElementSpec& spec) {
    if (spec.kind() != Element::Kind::tensor) {
        std::uint64_t total = 0;
        for (const auto& item : spec.items()) {
            const auto bytes = record_bytes(item);
            if (!bytes || *bytes > std::numeric_limits<std::uint64_t>::max() - total) return std::nullopt;
            total += *bytes;
        }
        return total;
    }
    std::uint64_t values = 1;
    for (std::int64_t d : spec.shape()) {
        const auto dim = static_cast<std::uint64_t>(d);
        if (dim != 0 && values > std::numeric_limits<std::uint64_t>::max() / 4 / dim) return std::nullopt;
        values *= dim;
    }
    return 8 * spec.shape().size() + 4 * values;
}

class ReadIterator final : public detail::IteratorImpl {
public:
    explicit ReadIterator(std::string path) : path_(std::move(path)) {
        file_.reset(std::fopen(path_.c_str(), "rb"));
        if (!file_) throw Error(where(path_) + ": cannot open the cache file: " + errno_text());
        struct stat info {};
        if (::fstat(::fileno(file_.get()), &info) != 0 || !S_ISREG(info.st_mode))
            throw Error(where(path_) + ": cannot read the cache: not a regular file");
        size_ = static_cast<std::uint64_t>(info.st_size);
        buffer_.resize(io_buffer_bytes);
        std::setvbuf(file_.get(), buffer_.data(), _IOFBF, buffer_.size());
        header_ = read_header();
        if (header_.spec) {
            if (const auto bytes = record_bytes(*header_.spec); bytes && header_.spec->fully_defined())
                check_total_size(*bytes);
        } else if (header_.count != 0 || size_ != header_.bytes) {
            throw Error(where(path_) + " is corrupt: it declares " + std::to_string(header_.count) +
                        " elements but no element structure");
        }
    }

    const CacheHeader& header() const { return header_; }

    std::optional<Element> next() override {
        if (index_ == header_.count) {
            if (!checked_end_ && header_.spec) {
                checked_end_ = true;
                if (pos_ != size_)
                    throw Error(where(path_) + " is corrupt: it has " + std::to_string(size_ - pos_) +
                                " bytes after its " + std::to_string(header_.count) + " elements");
            }
            return std::nullopt;
        }
        std::size_t leaf = 0;
        auto make_leaf = [&](const ElementSpec& spec) { return read_tensor(spec, leaf++); };
        Element e = build(*header_.spec, make_leaf);
        ++index_;
        return e;
    }

private:
    [[noreturn]] void truncated(const std::string& inside) const {
        throw Error(where(path_) + " is truncated: it ends after " + std::to_string(size_) + " bytes, inside " +
                    inside + "; delete it and the next complete iteration writes it again");
    }

    void read(void* out, std::size_t bytes, const std::string& inside) {
        if (bytes > size_ - pos_) truncated(inside);
        if (bytes != 0 && std::fread(out, 1, bytes, file_.get()) != bytes)
            throw Error(where(path_) + ": cannot read the cache: " +
                        (std::ferror(file_.get()) ? errno_text() : std::string("the file became shorter")));
        pos_ += bytes;
    }

    CacheHeader read_header() {
        char prefix[fixed_header_bytes];
        const auto magic_bytes = static_cast<std::size_t>(std::min<std::uint64_t>(size_, sizeof magic));
        read(prefix, magic_bytes, "its magic number");
        if (std::memcmp(prefix, magic, magic_bytes) != 0)
            throw Error(where(path_) + " is not a kerasxx dataset cache: it does not start with \"KXDCACHE\"");
        if (magic_bytes < sizeof magic) truncated("its magic number");
        read(prefix + 8, fixed_header_bytes - 8, "its header");
        CacheHeader header;
        std::uint32_t version = 0;
        std::memcpy(&version, prefix + 8, 4);
        if (version != format_version)
            throw Error(where(path_) + " has cache format version " + std::to_string(version) +
                        "; this kerasxx reads version " + std::to_string(format_version) + ". Delete it to rebuild it");
        std::memcpy(&header.bytes, prefix + 12, 4);
        std::memcpy(&header.count, prefix + 16, 8);
        if (header.bytes < fixed_header_bytes || header.bytes > max_header_bytes)
            throw Error(where(path_) + " is corrupt: its header size " + std::to_string(header.bytes) +
                        " is outside " + std::to_string(fixed_header_bytes) + ".." + std::to_string(max_header_bytes));
        const auto has_spec = static_cast<std::uint8_t>(prefix[24]);
        std::string rest(header.bytes - fixed_header_bytes, '\0');
        read(rest.data(), rest.size(), "its header (" + std::to_string(header.bytes) + " bytes)");
        if (has_spec > 1) throw Error(where(path_) + " is corrupt: bad element-structure flag in its header");
        if (has_spec == 1) {
            HeaderParser parser(rest, path_);
            header.spec = parser.spec();
            if (!parser.at_end())
                throw Error(where(path_) + " is corrupt: its header has bytes after the element structure");
        } else if (!rest.empty()) {
            throw Error(where(path_) + " is corrupt: its header has bytes after the element structure");
        }
        return header;
    }

    void check_total_size(std::uint64_t record) const {
        const std::uint64_t data = size_ - header_.bytes;
        if (record != 0 && header_.count > data / record)
            truncated("its data: its header declares " + std::to_string(header_.count) + " elements of " +
                      header_.spec->str() + " (" + std::to_string(record) + " bytes each)");
        if (data != header_.count * record)
            throw Error(where(path_) + " is corrupt: it has " + std::to_string(data - header_.count * record) +
                        " bytes after its " + std::to_string(header_.count) + " elements");
    }

    Tensor read_tensor(const ElementSpec& spec, std::size_t leaf) {
        const std::string inside = "element " + std::to_string(index_) + " (tensor " + std::to_string(leaf) + ")";
        Shape shape(spec.shape().size());
        for (std::size_t i = 0; i < shape.size(); ++i) {
            std::uint64_t dim = 0;
            read(&dim, sizeof dim, inside);
            const std::int64_t expected = spec.shape()[i];
            if (expected != unknown_dim && static_cast<std::uint64_t>(expected) != dim)
                throw Error(where(path_) + " is corrupt: " + inside + " has dimension " + std::to_string(dim) +
                            " where its header says " + spec.str());
            shape[i] = static_cast<std::size_t>(dim);
        }
        // The values must fit in the bytes left, checked before anything is allocated (and without
        // overflowing: a zero dimension makes the tensor empty whatever the others say).
        const std::uint64_t room = (size_ - pos_) / sizeof(float);
        std::uint64_t values = 1;
        if (std::find(shape.begin(), shape.end(), std::size_t{0}) != shape.end()) values = 0;
        for (std::size_t i = 0; values != 0 && i < shape.size(); ++i) {
            if (values > room / shape[i]) truncated(inside);
            values *= shape[i];
        }
        if (values > room) truncated(inside);
        Tensor t = Tensor::empty(shape);
        read(t.data(), static_cast<std::size_t>(values) * sizeof(float), inside);
        return t;
    }

    std::string path_;
    std::vector<char> buffer_;   // stdio's buffer: declared before file_, so it outlives the FILE
    File file_;
    std::uint64_t size_ = 0;
    std::uint64_t pos_ = 0;
    CacheHeader header_;
    std::uint64_t index_ = 0;
    bool checked_end_ = false;
};

// Dimensions both know must agree, and structures and ranks must be the same.
bool agrees(const ElementSpec& a, const ElementSpec& b) {
    if (!a.compatible_structure(b)) return false;
    for (std::size_t i = 0; i < a.shape().size(); ++i)
        if (a.shape()[i] != unknown_dim && b.shape()[i] != unknown_dim && a.shape()[i] != b.shape()[i]) return false;
    for (std::size_t i = 0; i < a.items().size(); ++i)
        if (!agrees(a.items()[i], b.items()[i])) return false;
    return true;
}

class FileCacheNode final : public detail::Node {
public:
    FileCacheNode(std::shared_ptr<const Node> input, std::string path)
        : input_(std::move(input)), path_(std::move(path)) {}

    std::unique_ptr<detail::IteratorImpl> make_iterator() const override {
        std::error_code ec;
        if (!std::filesystem::exists(path_, ec)) return std::make_unique<WriteIterator>(input_->make_iterator(), path_);
        auto reader = std::make_unique<ReadIterator>(path_);
        check_against_pipeline(reader->header());
        return reader;
    }
    std::int64_t cardinality() const override { return input_->cardinality(); }
    std::optional<ElementSpec> element_spec() const override { return input_->element_spec(); }

private:
    // What the pipeline above is known to produce without running it must be what the file holds.
    void check_against_pipeline(const CacheHeader& header) const {
        const auto expected = input_->element_spec();
        if (expected && header.spec && !agrees(*expected, *header.spec))
            throw Error(where(path_) + " holds elements " + header.spec->str() +
                        " but the pipeline it caches produces " + expected->str() +
                        "; delete the file or cache to another name");
        const std::int64_t n = input_->cardinality();
        if (n >= 0 && static_cast<std::uint64_t>(n) != header.count)
            throw Error(where(path_) + " holds " + std::to_string(header.count) +
                        " elements but the pipeline it caches produces " + std::to_string(n) +
                        "; delete the file or cache to another name");
    }

    std::shared_ptr<const Node> input_;
    std::string path_;
};

}  // namespace

std::shared_ptr<const detail::Node> detail::file_cache_node(std::shared_ptr<const Node> input,
                                                            const std::string& filename) {
    return std::make_shared<FileCacheNode>(std::move(input), filename);
}

}  // namespace kx::data
