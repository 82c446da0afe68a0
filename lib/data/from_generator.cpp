// from_generator: elements made by a C++ callable, restarted at every iteration.
#include "node.hpp"

#include <kerasxx/error.hpp>

namespace kx::data {

namespace {

class GeneratorNode final : public detail::Node {
public:
    GeneratorNode(GeneratorFactory factory, std::optional<ElementSpec> spec)
        : factory_(std::move(factory)), spec_(std::move(spec)) {}

    std::unique_ptr<detail::IteratorImpl> make_iterator() const override {
        Generator generator = factory_();
        if (!generator)
            throw Error("Dataset::from_generator: expected the factory to return a callable, got an empty function");
        return std::make_unique<Iterator>(self<GeneratorNode>(), std::move(generator));
    }
    std::int64_t cardinality() const override { return unknown_cardinality; }
    std::optional<ElementSpec> element_spec() const override { return spec_; }

private:
    class Iterator final : public detail::IteratorImpl {
    public:
        Iterator(std::shared_ptr<const GeneratorNode> node, Generator generator)
            : node_(std::move(node)), generator_(std::move(generator)) {}
        std::optional<Element> next() override {
            if (done_) return std::nullopt;   // a finished generator is not called again
            auto e = generator_();
            if (!e) {
                done_ = true;
                return std::nullopt;
            }
            check(*e);
            ++index_;
            return e;
        }

    private:
        void check(const Element& e) {
            if (const auto& spec = node_->spec_) {
                if (!spec->matches(e))
                    throw Error("Dataset::from_generator: expected elements matching the declared spec " +
                                spec->str() + ", got element " + std::to_string(index_) + " with " + e.structure());
            } else if (!first_) {
                first_ = e;
            } else if (!e.same_structure(*first_)) {
                throw Error("Dataset::from_generator: expected every element to have the structure of element 0, " +
                            first_->structure() + ", got element " + std::to_string(index_) + " with " +
                            e.structure() + " (declare an ElementSpec to check shapes too)");
            }
        }

        std::shared_ptr<const GeneratorNode> node_;
        Generator generator_;
        std::optional<Element> first_;   // without a spec: the structure every element must have
        std::int64_t index_ = 0;
        bool done_ = false;
    };

    GeneratorFactory factory_;
    std::optional<ElementSpec> spec_;
};

}  // namespace

Dataset Dataset::from_generator(GeneratorFactory factory, std::optional<ElementSpec> spec) {
    if (!factory) throw Error("Dataset::from_generator: expected a callable, got an empty function");
    return Dataset(std::make_shared<GeneratorNode>(std::move(factory), std::move(spec)));
}

Dataset Dataset::from_generator(IndexGenerator generator, std::optional<ElementSpec> spec) {
    if (!generator) throw Error("Dataset::from_generator: expected a callable, got an empty function");
    // Each iteration counts from 0 again; the std::function is shared, not copied, per iteration.
    auto shared = std::make_shared<const IndexGenerator>(std::move(generator));
    GeneratorFactory factory = [shared]() -> Generator {
        return [shared, index = std::int64_t{0}]() mutable { return (*shared)(index++); };
    };
    return from_generator(std::move(factory), std::move(spec));
}

}  // namespace kx::data
