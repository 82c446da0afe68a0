#include "lib/datasets/idx_files.hpp"

#include <kerasxx/datasets.hpp>

#include <cmath>
#include <filesystem>
#include <numeric>

using namespace kx::datasets_test;
using Catch::Matchers::Contains;
using kx::datasets::CsvKind;
using kx::datasets::read_csv;

namespace {

std::string write_text(const TempDir& dir, const std::string& name, const std::string& text) {
    return dir.write(name, Bytes(text.begin(), text.end()));
}

std::vector<float> row(const kx::Tensor& values, std::size_t i) {
    const std::size_t cols = values.dim(1);
    const float* p = values.data() + i * cols;
    return std::vector<float>(p, p + cols);
}

double sum(const kx::Tensor& t) {
    const std::vector<float> v = t.to_vector();
    return std::accumulate(v.begin(), v.end(), 0.0);
}

// Debian's python3-sklearn ships small CSV data sets; the tests that read them skip without it.
const std::string sklearn_data = "/usr/lib/python3/dist-packages/sklearn/datasets/data/";

bool have_sklearn_file(const std::string& name) {
    if (std::filesystem::exists(sklearn_data + name)) return true;
    WARN("skipped: " << sklearn_data << name << " is missing (apt-get install python3-sklearn)");
    return false;
}

}  // namespace

TEST_CASE("read_csv names columns from the header and reads numbers as float32", "[csv]") {
    TempDir dir;
    const auto table = read_csv(write_text(dir, "a.csv", "x,y,z\n1,2.5,-3\n4,1e3,0.1\n"));
    REQUIRE(table.columns.size() == 3);
    CHECK(table.columns[0].name == "x");
    CHECK(table.columns[2].name == "z");
    for (const auto& column : table.columns) {
        CHECK(column.kind == CsvKind::numeric);
        CHECK(column.vocabulary.empty());
    }
    CHECK(table.rows() == 2);
    CHECK(table.values.shape() == kx::Shape{2, 3});
    CHECK(table.values.to_vector() == std::vector<float>{1, 2.5f, -3, 4, 1000, 0.1f});
    CHECK(table.column("y").shape() == kx::Shape{2});
    CHECK(table.column("y").to_vector() == std::vector<float>{2.5f, 1000});
}

TEST_CASE("read_csv keeps the selected columns, by name or index, in the order given", "[csv]") {
    TempDir dir;
    const std::string path = write_text(dir, "a.csv", "a,b,c,d\n1,2,3,4\n5,6,7,8\n");
    const auto table = read_csv(path, {.columns = {"c", 0, std::size_t{3}, "b"}});
    REQUIRE(table.columns.size() == 4);
    CHECK(table.columns[0].name == "c");
    CHECK(table.columns[1].name == "a");
    CHECK(table.columns[2].name == "d");
    CHECK(table.columns[3].name == "b");
    CHECK(table.values.to_vector() == std::vector<float>{3, 1, 4, 2, 7, 5, 8, 6});
    CHECK(table.column("d").to_vector() == std::vector<float>{4, 8});
}

TEST_CASE("read_csv encodes a string column as indices into its sorted vocabulary", "[csv]") {
    TempDir dir;
    const auto table = read_csv(write_text(dir, "a.csv", "species,mass\nGentoo,5\nAdelie,3.5\nChinstrap,NA\nAdelie,\nNA,4\n"));
    const auto& species = table.columns[0];
    CHECK(species.kind == CsvKind::categorical);
    CHECK(species.vocabulary == std::vector<std::string>{"Adelie", "Chinstrap", "Gentoo"});
    const std::vector<float> codes = table.column("species").to_vector();
    CHECK(codes[0] == 2);
    CHECK(codes[1] == 0);
    CHECK(codes[2] == 1);
    CHECK(codes[3] == 0);
    CHECK(std::isnan(codes[4]));   // "NA" is missing, not a category
    // A numeric column with gaps stays numeric: the gaps are NaN.
    CHECK(table.columns[1].kind == CsvKind::numeric);
    const std::vector<float> mass = table.column("mass").to_vector();
    CHECK(mass[0] == 5);
    CHECK(mass[1] == 3.5f);
    CHECK(std::isnan(mass[2]));
    CHECK(std::isnan(mass[3]));
    CHECK(mass[4] == 4);
}

TEST_CASE("read_csv reads every missing marker as NaN and tolerates blanks around numbers", "[csv]") {
    TempDir dir;
    const auto table = read_csv(write_text(dir, "a.csv", "v\n\"\"\nNA\nN/A\nNaN\nnan\nnull\n 7 \n+2\n-inf\n1e999\n-1e-999\n"));
    REQUIRE(table.columns[0].kind == CsvKind::numeric);
    const std::vector<float> v = table.column("v").to_vector();
    REQUIRE(v.size() == 11);
    for (std::size_t i = 0; i < 6; ++i) CHECK(std::isnan(v[i]));
    CHECK(v[6] == 7);
    CHECK(v[7] == 2);
    CHECK(v[8] == -std::numeric_limits<float>::infinity());
    CHECK(v[9] == std::numeric_limits<float>::infinity());   // beyond double's range overflows
    CHECK(v[10] == 0);
    CHECK(std::signbit(v[10]));
}

TEST_CASE("read_csv makes a column categorical when any field is not a number", "[csv]") {
    TempDir dir;
    const auto table = read_csv(write_text(dir, "a.csv", "id\n10\n9\n1.5x\n10\n"));
    REQUIRE(table.columns[0].kind == CsvKind::categorical);
    // Sorted bytewise as strings: '.' < '0' < '9', so "1.5x" < "10" < "9".
    CHECK(table.columns[0].vocabulary == std::vector<std::string>{"1.5x", "10", "9"});
    CHECK(table.values.to_vector() == std::vector<float>{1, 2, 0, 1});
}

TEST_CASE("read_csv follows RFC 4180 quoting: separators, doubled quotes and line breaks inside quotes", "[csv]") {
    TempDir dir;
    const std::string text =
        "name,\"note, with comma\",n\r\n"
        "\"Smith, J\",\"said \"\"hi\"\"\",\"3\"\r\n"
        "\r\n"
        "plain,\"two\nlines\",4\r\n";
    const auto table = read_csv(write_text(dir, "a.csv", text));
    REQUIRE(table.columns.size() == 3);
    CHECK(table.columns[1].name == "note, with comma");
    CHECK(table.columns[0].vocabulary == std::vector<std::string>{"Smith, J", "plain"});
    CHECK(table.columns[1].vocabulary == std::vector<std::string>{"said \"hi\"", "two\nlines"});
    CHECK(table.columns[2].kind == CsvKind::numeric);   // a quoted number is a number
    CHECK(table.values.to_vector() == std::vector<float>{0, 0, 3, 1, 1, 4});
}

TEST_CASE("read_csv without a header names columns by position and skip_rows drops metadata lines", "[csv]") {
    TempDir dir;
    // The metadata line has an open quote: skipped lines are never parsed.
    const std::string path = write_text(dir, "a.csv", "# exported \"by hand\n1;2;x\n3;4;y\n");
    const auto table = read_csv(path, {.header = false, .separator = ';', .columns = {"2", 0}, .skip_rows = 1});
    REQUIRE(table.columns.size() == 2);
    CHECK(table.columns[0].name == "2");
    CHECK(table.columns[0].vocabulary == std::vector<std::string>{"x", "y"});
    CHECK(table.columns[1].name == "0");
    CHECK(table.values.to_vector() == std::vector<float>{0, 1, 1, 3});
}

TEST_CASE("read_csv reads a gzipped file, recognised by content rather than by name", "[csv]") {
    TempDir dir;
    const std::string text = "a,b\n1,x\n2,y\n";
    const auto table = read_csv(dir.write("plain-name.csv", gzip(Bytes(text.begin(), text.end()))));
    CHECK(table.values.to_vector() == std::vector<float>{1, 0, 2, 1});
    CHECK(table.columns[1].vocabulary == std::vector<std::string>{"x", "y"});
}

TEST_CASE("read_csv of a header without rows gives an empty table with named numeric columns", "[csv]") {
    TempDir dir;
    const auto table = read_csv(write_text(dir, "a.csv", "a,b,c\n"));
    CHECK(table.values.shape() == kx::Shape{0, 3});
    CHECK(table.rows() == 0);
    CHECK(table.columns[2].name == "c");
    CHECK(table.column("b").shape() == kx::Shape{0});
}

TEST_CASE("read_csv errors name the file and the line", "[csv]") {
    TempDir dir;
    const std::string missing = (dir.path() / "nope.csv").string();
    REQUIRE_THROWS_WITH(read_csv(missing), Contains("read_csv: '" + missing + "' does not exist"));

    const std::string ragged = write_text(dir, "ragged.csv", "a,b,c\n1,2,3\n\n4,5\n");
    REQUIRE_THROWS_WITH(read_csv(ragged), Contains("'" + ragged + "' line 4: expected 3 fields like the header (line 1), got 2"));

    const std::string good = write_text(dir, "good.csv", "alpha,beta\n1,2\n");
    REQUIRE_THROWS_WITH(read_csv(good, {.columns = {"gamma"}}),
                        Contains("'" + good + "' line 1: no column named 'gamma'") &&
                            Contains("the columns are 'alpha', 'beta'"));
    REQUIRE_THROWS_WITH(read_csv(good, {.columns = {2}}), Contains("line 1: column index 2 is out of range: the file has 2 columns"));
    REQUIRE_THROWS_WITH(read_csv(good, {.columns = {-1}}), Contains("column index -1 is out of range"));

    const std::string open_quote = write_text(dir, "open.csv", "a,b\n1,2\n3,\"never\nclosed\n");
    REQUIRE_THROWS_WITH(read_csv(open_quote),
                        Contains("'" + open_quote + "' line 3: a quoted field opened on this line is never closed"));

    const std::string after_quote = write_text(dir, "after.csv", "a,b\n\"1\"x,2\n");
    REQUIRE_THROWS_WITH(read_csv(after_quote), Contains("line 2: expected a separator ',' or the end of the line after the "
                                                        "closing quote of a quoted field, got 'x'"));

    const std::string twice = write_text(dir, "twice.csv", "a,b,a\n1,2,3\n");
    REQUIRE_THROWS_WITH(read_csv(twice, {.columns = {"a"}}),
                        Contains("line 1: the header names 2 columns 'a' (positions 0 and 2); select one by index"));
    CHECK(read_csv(twice, {.columns = {2}}).column("a").to_vector() == std::vector<float>{3});
    REQUIRE_THROWS_WITH(read_csv(twice).column("a"), Contains("CsvTable: 2 columns are named 'a'"));
    REQUIRE_THROWS_WITH(read_csv(good).column("b"), Contains("CsvTable: no column named 'b'; the columns are 'alpha', 'beta'"));

    const std::string empty = write_text(dir, "empty.csv", "");
    REQUIRE_THROWS_WITH(read_csv(empty), Contains("'" + empty + "' has no header line"));
    REQUIRE_THROWS_WITH(read_csv(good, {.separator = '"'}), Contains("options.separator cannot be a quote"));
}

// Reference values below were read from the files with Python (numpy.float32(float(field))).

TEST_CASE("read_csv reads sklearn's iris.csv, metadata line as header or skipped", "[csv]") {
    if (!have_sklearn_file("iris.csv")) return;
    // Line 1 is "150,4,setosa,versicolor,virginica": 5 fields like the data, so it can serve as a header.
    const auto named = read_csv(sklearn_data + "iris.csv");
    REQUIRE(named.values.shape() == kx::Shape{150, 5});
    CHECK(named.columns[2].name == "setosa");
    CHECK(named.column("4").to_vector()[0] == 3.5f);           // sepal width, under the name "4"
    CHECK(named.column("virginica").to_vector()[149] == 2);   // the class, under the last name

    const auto table = read_csv(sklearn_data + "iris.csv", {.header = false, .columns = {4, 0, 3}, .skip_rows = 1});
    REQUIRE(table.values.shape() == kx::Shape{150, 3});
    CHECK(row(table.values, 0) == std::vector<float>{0, 5.1f, 0.2f});
    CHECK(row(table.values, 149) == std::vector<float>{2, 5.9f, 1.8f});
    const std::vector<float> target = table.column("4").to_vector();
    for (float label = 0; label < 3; ++label) CHECK(std::count(target.begin(), target.end(), label) == 50);
    CHECK(sum(table.column("0")) == Approx(876.5).margin(1e-3));
}

TEST_CASE("read_csv reads sklearn's wine_data.csv and breast_cancer.csv after their metadata line", "[csv]") {
    if (!have_sklearn_file("wine_data.csv") || !have_sklearn_file("breast_cancer.csv")) return;
    // Their metadata line has fewer fields than the data, so it cannot be the header.
    REQUIRE_THROWS_WITH(read_csv(sklearn_data + "wine_data.csv"),
                        Contains("line 2: expected 5 fields like the header (line 1), got 14"));

    const auto wine = read_csv(sklearn_data + "wine_data.csv", {.header = false, .skip_rows = 1});
    REQUIRE(wine.values.shape() == kx::Shape{178, 14});
    CHECK(wine.values.at({0, 0}) == 14.23f);
    CHECK(wine.values.at({0, 12}) == 1065);
    CHECK(wine.values.at({177, 12}) == 560);
    CHECK(sum(wine.column("0")) == Approx(2314.11).margin(1e-3));
    const std::vector<float> classes = wine.column("13").to_vector();
    CHECK(std::count(classes.begin(), classes.end(), 1.0f) == 71);

    const auto cancer = read_csv(sklearn_data + "breast_cancer.csv", {.header = false, .skip_rows = 1});
    REQUIRE(cancer.values.shape() == kx::Shape{569, 31});
    CHECK(cancer.values.at({0, 3}) == 1001);
    CHECK(cancer.values.at({0, 9}) == 0.07871f);
    CHECK(cancer.values.at({568, 29}) == 0.07039f);
    const std::vector<float> benign = cancer.column("30").to_vector();
    CHECK(std::count(benign.begin(), benign.end(), 1.0f) == 357);
    CHECK(sum(cancer.values) == Approx(1056831.460156).epsilon(1e-6));
}

TEST_CASE("read_csv reads sklearn's gzipped digits and space-separated diabetes files", "[csv]") {
    if (!have_sklearn_file("digits.csv.gz") || !have_sklearn_file("diabetes_data_raw.csv.gz")) return;
    const auto digits = read_csv(sklearn_data + "digits.csv.gz", {.header = false});
    REQUIRE(digits.values.shape() == kx::Shape{1797, 65});
    CHECK(digits.values.at({0, 2}) == 5);
    CHECK(digits.values.at({0, 3}) == 13);
    CHECK(digits.values.at({1796, 64}) == 8);
    CHECK(sum(digits.values) == 569788);   // small integers: the float sum is exact
    const std::vector<float> labels = digits.column("64").to_vector();
    CHECK(std::count(labels.begin(), labels.end(), 3.0f) == 183);

    const auto diabetes = read_csv(sklearn_data + "diabetes_data_raw.csv.gz", {.header = false, .separator = ' '});
    REQUIRE(diabetes.values.shape() == kx::Shape{442, 10});
    CHECK(row(diabetes.values, 0) == std::vector<float>{59, 2, 32.1f, 101, 157, 93.2f, 38, 4, 4.8598f, 87});
    CHECK(diabetes.values.at({441, 8}) == 4.5951f);
    CHECK(sum(diabetes.column("0")) == 21445);
}
