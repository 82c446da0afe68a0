// kx::Handle<Base>: a shared reference to a polymorphic kerasxx object (a layer, loss, metric,
// optimizer, initializer, callback) that converts implicitly from what Keras accepts in its
// place: an object (moved into shared ownership), a std::shared_ptr to one, or, where Base has a
// registry (`static std::shared_ptr<Base> get(const std::string&)`), its string identifier.
//
//   kx::Handle<kx::Loss> a = "mse";
//   kx::Handle<kx::Loss> b = kx::losses::MeanSquaredError();
//   kx::Handle<kx::Loss> c = std::make_shared<MyLoss>();
//
// Copying a handle shares the object, as Python references do.
#pragma once

#include <concepts>
#include <memory>
#include <string>
#include <type_traits>

namespace kx {

template <class Base>
concept HasRegistry = requires(const std::string& identifier) {
    { Base::get(identifier) } -> std::convertible_to<std::shared_ptr<Base>>;
};

template <class Base>
class Handle : public std::shared_ptr<Base> {
public:
    Handle() = default;
    template <class T>
        requires std::derived_from<std::remove_cvref_t<T>, Base>
    Handle(T&& object)   // NOLINT: implicit by design
        : std::shared_ptr<Base>(std::make_shared<std::remove_cvref_t<T>>(std::forward<T>(object))) {}
    template <std::derived_from<Base> T>
    Handle(std::shared_ptr<T> object) : std::shared_ptr<Base>(std::move(object)) {}   // NOLINT
    Handle(const std::string& identifier)   // NOLINT
        requires HasRegistry<Base>
        : std::shared_ptr<Base>(Base::get(identifier)) {}
    Handle(const char* identifier)   // NOLINT
        requires HasRegistry<Base>
        : Handle(std::string(identifier)) {}
};

}  // namespace kx
