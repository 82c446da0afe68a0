// kx::data::Dataset: a tf.data-style input pipeline over kx::data::Element structures.
//
//   using kx::data::Dataset;
//   auto ds = Dataset::from_tensor_slices({{"x", x}, {"y", y}})   // x: (N, 784), y: (N,)
//                 .map([](const kx::data::Element& e) {
//                          return kx::data::Element::tuple({e["x"].tensor() / 255.0f, e["y"]});
//                      }, 2)                                     // 2 threads, order kept
//                 .cache("train.kxcache")                        // the next run (even a new process) skips map
//                 .shuffle(1024, {.seed = 42})
//                 .batch(128)
//                 .prefetch(2);                                  // next batches built in the background
//   for (const kx::data::Element& batch : ds) { /* batch[0]: (128, 784), batch[1]: (128,) */ }
//
//   // Elements made by C++ code: the factory is called at the start of every iteration.
//   auto counted = Dataset::from_generator([] {
//       return [i = 0]() mutable -> std::optional<kx::data::Element> {
//           if (i == 3) return std::nullopt;                     // the end of this iteration
//           return kx::Tensor::scalar(static_cast<float>(i++));
//       };
//   });
//
// A Dataset is immutable and cheap to copy (copies share the pipeline); every transformation returns
// a new Dataset. Each iteration (each begin()) runs the pipeline again from the start, so a shuffled
// dataset iterated twice gives two epochs. Semantics follow tf.data; where they differ the method
// says so. Errors from the pipeline (a bad map fn, elements that cannot be stacked, an exception
// thrown by a generator) are thrown by the iterator, in element order, also across map threads and
// prefetch.
#pragma once

#include <kerasxx/data/element.hpp>
#include <kerasxx/data/element_spec.hpp>
#include <kerasxx/tensor.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace kx::data {

// cardinality() results that are not a count, with tf.data's values.
inline constexpr std::int64_t infinite_cardinality = -1;
inline constexpr std::int64_t unknown_cardinality = -2;
// num_parallel_calls: one thread per core.
inline constexpr int autotune = -1;

namespace detail {
class Node;
class IteratorImpl;
}  // namespace detail

struct ShuffleOptions {
    // Without a seed, one is drawn from kx::utils::set_random_seed's generator when shuffle() is called.
    std::optional<std::uint64_t> seed = std::nullopt;
    // true: every iteration (epoch) uses a new order; false: every iteration repeats the same order.
    bool reshuffle_each_iteration = true;
};

using MapFn = std::function<Element(const Element&)>;
using Predicate = std::function<bool(const Element&)>;
// One iteration's source: each call returns the next element, nullopt at the end of the iteration.
using Generator = std::function<std::optional<Element>()>;
// Makes a fresh Generator for each iteration, as tf.data calls the Python generator function again.
using GeneratorFactory = std::function<Generator()>;
// Element `index` (0, 1, ... counted from the start of each iteration), nullopt at the end.
using IndexGenerator = std::function<std::optional<Element>(std::int64_t index)>;

class Dataset {
public:
    // Slices along axis 0: element i is (the structure of) every tensor's row i. All tensors must have
    // the same first dimension.
    static Dataset from_tensor_slices(const Element& tensors);
    static Dataset from_tensor_slices(std::vector<Tensor> tensors);            // tuple elements
    static Dataset from_tensor_slices(std::initializer_list<Tensor> tensors);  // from_tensor_slices({x, y})
    static Dataset from_tensor_slices(std::map<std::string, Tensor> tensors);  // dict elements
    // Elements from C++ code. `factory` is called once at the start of every iteration (from the
    // thread that runs that part of the pipeline) and the Generator it returns is called until it
    // returns nullopt; whatever either throws reaches the consumer through the iterator. With a
    // declared `spec`, an element that does not match it (structure, ranks, known dimensions) is a
    // kx::Error; without one, every element must have the first element's structure (nesting, kinds
    // and keys). cardinality() is unknown_cardinality.
    static Dataset from_generator(GeneratorFactory factory, std::optional<ElementSpec> spec = std::nullopt);
    // The same with a function of the element's index within the iteration.
    static Dataset from_generator(IndexGenerator generator, std::optional<ElementSpec> spec = std::nullopt);
    // Element i is the tuple (datasets[0][i], datasets[1][i], ...); stops at the shortest dataset.
    static Dataset zip(std::vector<Dataset> datasets);
    static Dataset zip(std::initializer_list<Dataset> datasets);               // zip({a, b})
    static Dataset zip(std::map<std::string, Dataset> datasets);               // dict elements

    // Stacks batch_size consecutive elements along a new axis 0, per tensor (the structure is kept).
    // The last batch is smaller unless drop_remainder.
    Dataset batch(std::size_t batch_size, bool drop_remainder = false) const;
    // The inverse of batch: splits every tensor along axis 0 (all must share that dimension).
    Dataset unbatch() const;
    Dataset take(std::int64_t count) const;     // the first count elements; count < 0 takes all
    Dataset skip(std::int64_t count) const;     // all but the first count; count < 0 skips all
    Dataset repeat(std::int64_t count = -1) const;    // count iterations of this dataset; -1: forever
    // tf.data's buffer algorithm: fill a buffer with the first buffer_size elements; then repeatedly
    // emit the element at a uniformly drawn index j of the buffer (std::mt19937_64 seeded with the seed
    // plus the iteration number when reshuffle_each_iteration, j = engine() % buffer size) and put the
    // next input element in slot j; when the input ends, slot j takes the buffer's last element and
    // the buffer shrinks. buffer_size >= the dataset's size gives a uniform shuffle.
    Dataset shuffle(std::size_t buffer_size, ShuffleOptions options = {}) const;
    // fn on every element. With num_parallel_calls > 1 (or autotune) fn runs on that many threads at
    // once, so it must be thread-safe; the output order is the input order all the same.
    Dataset map(MapFn fn, int num_parallel_calls = 1) const;
    Dataset filter(Predicate predicate) const;  // keeps the elements for which predicate is true
    // This dataset's elements, then other's; both must have the same structure.
    Dataset concatenate(const Dataset& other) const;
    // Up to buffer_size elements are produced ahead on a background thread. Destroying the iterator
    // early stops and joins that thread.
    Dataset prefetch(std::size_t buffer_size) const;
    // The first complete iteration is recorded; later iterations replay it without running the
    // pipeline above. An iteration stopped early records nothing (tf.data discards partial caches too).
    // filename empty: the record is kept in memory, for this Dataset and its copies.
    // filename given: the record is a file, so later iterations in this process or in a new one skip
    // the pipeline above. If the file exists when an iteration starts, it is read (and the pipeline
    // above is not run at all); else the iteration writes it under a temporary name in the same
    // directory and renames it into place when the iteration completes (an iteration stopped early
    // or failing removes the temporary file). The file starts with a header (magic, format version,
    // element count, the element structure with shapes, None where they vary) that is validated
    // before any element is read: a truncated, corrupt or foreign file, or one whose structure
    // differs from this pipeline's known element_spec() or cardinality(), is a kx::Error naming the
    // file. Delete the file when the pipeline above changes, as with tf.data.
    Dataset cache(const std::string& filename = "") const;

    // The number of elements, infinite_cardinality or unknown_cardinality (after filter, unbatch).
    std::int64_t cardinality() const;
    // What every element is known to look like without running the pipeline (tf.data's
    // element_spec); nullopt when only running it tells: after map, or from_generator without a spec.
    std::optional<ElementSpec> element_spec() const;

    class Sentinel {};
    // A single-pass input iterator over one run of the pipeline.
    class Iterator {
    public:
        using value_type = Element;
        using difference_type = std::ptrdiff_t;
        explicit Iterator(std::unique_ptr<detail::IteratorImpl> impl);
        Iterator(Iterator&&) noexcept;
        Iterator& operator=(Iterator&&) noexcept;
        ~Iterator();

        const Element& operator*() const { return *current_; }
        const Element* operator->() const { return &*current_; }
        Iterator& operator++();
        void operator++(int) { ++*this; }
        bool operator==(Sentinel) const { return !current_.has_value(); }
        // The next element, or nullopt at the end (the Python-style way to pull elements).
        std::optional<Element> next();

    private:
        std::unique_ptr<detail::IteratorImpl> impl_;
        std::optional<Element> current_;
    };

    Iterator begin() const;     // starts a new run of the pipeline
    Sentinel end() const { return {}; }

private:
    explicit Dataset(std::shared_ptr<const detail::Node> node);
    std::shared_ptr<const detail::Node> node_;
};

}  // namespace kx::data
