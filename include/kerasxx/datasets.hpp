// kx::datasets: ready-to-train data sets, the IDX file reader they are built on, and a CSV reader.
//
//   auto [train, test] = kx::datasets::fashion_mnist::load_data();
//   kx::Tensor x = train.x / 255.0f;   // (60000, 28, 28) pixels 0..255, scaled as in Keras
//   kx::Tensor y = train.y;            // (60000,) class ids 0..9
//   std::cout << kx::datasets::fashion_mnist::class_names[static_cast<int>(y.at({0}))];  // Ankle boot
//
//   auto digits = kx::datasets::mnist::load_data();   // the same layout, from /usr/share/datasets/mnist
//
//   kx::Tensor t = kx::datasets::read_idx("t10k-labels-idx1-ubyte.gz");   // any IDX file, gzipped or not
//
//   auto table = kx::datasets::read_csv("penguins.csv", {.columns = {"bill_length_mm", "species"}});
//   kx::Tensor bill = table.column("bill_length_mm");   // (rows,) floats, NaN where the field was empty or NA
//   table.columns[1].vocabulary;                         // {"Adelie", "Chinstrap", "Gentoo"}: species codes 0, 1, 2
//
// Tensors are float32, so where Keras returns uint8 images and labels we return their values as floats.
#pragma once

#include <kerasxx/tensor.hpp>

#include <array>
#include <concepts>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kx::datasets {

// One split of a labelled data set: x[i] is a sample, y[i] its label.
struct Split {
    Tensor x;
    Tensor y;
};

// What load_data() returns: `auto [train, test] = load_data();`.
struct TrainTestSplit {
    Split train;
    Split test;
};

// Reads an IDX file (the MNIST format: big-endian header, then row-major data) into a tensor of the
// declared shape. Gzipped files (detected by content, not by name) are decompressed on the fly. All
// six IDX types (ubyte, byte, short, int, float, double) are converted to float32; int values beyond
// 2^24 lose precision. The header is validated before anything is allocated, and a file whose data
// is shorter or longer than its header declares is an error.
Tensor read_idx(const std::string& path);

// A column chosen by name or by 0-based position in the file: `.columns = {"species", 0}`.
class CsvColumnRef {
public:
    CsvColumnRef(std::string name) : name_(std::move(name)), by_name_(true) {}   // NOLINT: implicit by design
    CsvColumnRef(const char* name) : CsvColumnRef(std::string(name)) {}          // NOLINT: implicit by design
    template <std::integral I>
    CsvColumnRef(I index) : index_(static_cast<std::int64_t>(index)) {}          // NOLINT: implicit by design

    bool by_name() const { return by_name_; }
    const std::string& name() const { return name_; }
    std::int64_t index() const { return index_; }

private:
    std::string name_;
    std::int64_t index_ = 0;
    bool by_name_ = false;
};

// read_csv's options, in this order. At namespace scope rather than nested in a function's class,
// so that `CsvOptions options = {}` works as a default argument under GCC.
struct CsvOptions {
    bool header = true;                       // the first row (after skip_rows) names the columns; else "0", "1", ...
    char separator = ',';
    std::vector<CsvColumnRef> columns = {};   // the columns to keep, in this order; empty keeps all
    std::size_t skip_rows = 0;                // physical lines dropped before anything is parsed (metadata lines)
};

enum class CsvKind { numeric, categorical };

struct CsvColumn {
    std::string name;
    CsvKind kind = CsvKind::numeric;
    std::vector<std::string> vocabulary;   // categorical: code i stands for vocabulary[i]; empty if numeric
};

// What read_csv returns: one float per field, with a description of each column.
struct CsvTable {
    std::vector<CsvColumn> columns;
    Tensor values;   // (rows, columns.size())

    std::size_t rows() const { return values.dim(0); }
    // The position of the column with this name; an unknown or ambiguous name is an error.
    std::size_t index_of(std::string_view name) const;
    // A copy of one column: (rows,).
    Tensor column(std::string_view name) const;
};

// Reads a CSV file (RFC 4180: fields may be quoted, "" inside quotes is a quote, and quoted fields
// may hold separators and line breaks), plain or gzipped (detected by content). Lines end in \n or
// \r\n; blank lines are skipped; a quote inside an unquoted field is kept as data.
//
// Each kept column's type is inferred from all its fields:
// - numeric when every field parses as a number (surrounding spaces allowed): values as float32;
// - categorical otherwise: the distinct strings, sorted bytewise, become `vocabulary` and each
//   field its index in it, 0..k-1, as a float.
// In both kinds a missing field ("", "NA", "N/A", "NaN", "nan", "null", quoted or not) is NaN and
// takes no part in inference, so a column of numbers with gaps stays numeric.
//
// Errors (kx::Error, naming the file and the line): a missing or unreadable file, a row with a
// different number of fields than the first row, a quoted field left open, text after a closing
// quote, an unknown or ambiguous column name, a column index out of range.
CsvTable read_csv(const std::string& path, CsvOptions options = {});

namespace fashion_mnist {

// Zalando's Fashion-MNIST: 60,000 training and 10,000 test grayscale 28x28 images of 10 clothing
// classes. Read from `directory`, else from $KERASXX_FASHION_MNIST_DIR, else from
// /usr/share/datasets/fashion-mnist (Debian: apt-get install dataset-fashion-mnist). The directory
// holds train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and
// t10k-labels-idx1-ubyte.gz (or the same names without .gz).
TrainTestSplit load_data(const std::string& directory = "");

// The label of class id i, as in the Keras documentation.
inline constexpr std::array<std::string_view, 10> class_names = {
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

}  // namespace fashion_mnist

namespace mnist {

// LeCun, Cortes and Burges's handwritten digits: 60,000 training and 10,000 test grayscale 28x28
// images, labels 0..9; the same four file names and checks as fashion_mnist. Read from `directory`,
// else from $KERASXX_MNIST_DIR, else from /usr/share/datasets/mnist. No Debian package ships MNIST:
// copy train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and
// t10k-labels-idx1-ubyte.gz there (or unpacked, without .gz).
TrainTestSplit load_data(const std::string& directory = "");

}  // namespace mnist

}  // namespace kx::datasets
