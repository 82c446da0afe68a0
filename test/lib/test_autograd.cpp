#include <catch2/catch.hpp>
#include <kerasxx/kerasxx.hpp>

#include <memory>

using Catch::Matchers::Contains;
using kx::Tensor;

TEST_CASE("a variable used twice accumulates both gradients (fan-out)", "[autograd]") {
    kx::Variable x("x", Tensor({3}, {1, -2, 0.5f}));
    kx::backward(kx::ops::sum(x * x + x));   // d/dx (x^2 + x) = 2x + 1
    CHECK(x.grad().to_vector() == std::vector<float>{3, -3, 2});
}

TEST_CASE("gradients accumulate across backward calls until zero_grad", "[autograd]") {
    kx::Variable w("w", Tensor({2}, {1, 2}));
    kx::backward(kx::ops::sum(w * 3.0f));
    kx::backward(kx::ops::sum(w * 3.0f));
    CHECK(w.grad().to_vector() == std::vector<float>{6, 6});
    w.zero_grad();
    CHECK(w.grad().to_vector() == std::vector<float>{0, 0});

    kx::Variable s("s", Tensor::scalar(2));   // a variable that is itself the loss
    kx::backward(s);
    kx::backward(s);
    CHECK(s.grad().item() == 2);
}

TEST_CASE("a seed gradient backpropagates a non-scalar output", "[autograd]") {
    kx::Variable x("x", Tensor({2}, {1, 2}));
    kx::backward(x * x, Tensor({2}, {1, 10}));   // seed . d(x^2)/dx = seed * 2x
    CHECK(x.grad().to_vector() == std::vector<float>{2, 40});
}

TEST_CASE("NoGradGuard records nothing and restores the previous mode", "[autograd]") {
    kx::Variable w("w", Tensor({2}, {1, 2}));
    REQUIRE(kx::grad_enabled());
    {
        kx::NoGradGuard no_grad;
        CHECK_FALSE(kx::grad_enabled());
        const Tensor y = kx::ops::exp(w * w);
        CHECK_FALSE(y.requires_grad());
        CHECK(y.impl()->grad_fn == nullptr);
        {
            kx::NoGradGuard nested;
        }
        CHECK_FALSE(kx::grad_enabled());
    }
    CHECK(kx::grad_enabled());
    CHECK((w * w).requires_grad());
}

TEST_CASE("ops on tensors that need no gradient record nothing", "[autograd]") {
    const Tensor y = Tensor({2}, {1, 2}) * 3.0f;
    CHECK_FALSE(y.requires_grad());
    kx::Variable frozen("frozen", Tensor({2}, {1, 2}), /*trainable=*/false);
    CHECK_FALSE((frozen * 2.0f).requires_grad());
}

TEST_CASE("GradientTape returns the gradients and zeros for unused variables", "[autograd]") {
    kx::Variable a("a", Tensor({2}, {1, 2}));
    kx::Variable b("b", Tensor({2}, {3, 4}));
    kx::Variable unused("unused", Tensor({3}, {1, 1, 1}));
    kx::backward(kx::ops::sum(a));   // accumulated before the tape: must survive it
    const Tensor loss = kx::ops::sum(a * b);
    const std::vector<Tensor> grads = kx::GradientTape().gradient(loss, {a, b, unused});
    REQUIRE(grads.size() == 3);
    CHECK(grads[0].to_vector() == std::vector<float>{3, 4});
    CHECK(grads[1].to_vector() == std::vector<float>{1, 2});
    CHECK(grads[2].shape() == kx::Shape{3});
    CHECK(grads[2].to_vector() == std::vector<float>{0, 0, 0});
    CHECK(a.grad().to_vector() == std::vector<float>{1, 1});
    CHECK_FALSE(b.grad().defined());   // no gradient before the tape, none after it
}

TEST_CASE("GradientTape leaves no gradient on variables outside its sources", "[autograd]") {
    kx::Variable a("a", Tensor({2}, {1, 2}));
    kx::Variable c("c", Tensor({2}, {5, 6}));
    const std::vector<Tensor> grads = kx::GradientTape().gradient(kx::ops::sum(a * c), {a});
    CHECK(grads[0].to_vector() == std::vector<float>{5, 6});
    CHECK_FALSE(c.grad().defined());
    CHECK_FALSE(a.grad().defined());
}

TEST_CASE("backward through a 100000-op chain neither overflows the stack nor leaks it", "[autograd]") {
    kx::Variable x("x", Tensor::scalar(0.5f));
    std::weak_ptr<kx::detail::TensorImpl> first;
    {
        Tensor y = x;
        for (int i = 0; i < 100000; ++i) {
            y = y + 1.0f;
            if (i == 0) first = y.impl();
        }
        CHECK(y.item() == 100000.5f);
        kx::backward(y);
        CHECK(x.grad().item() == 1.0f);
    }   // y's release destroys the whole chain
    CHECK(first.expired());
}

TEST_CASE("backward on a bad loss is an error that says how to fix it", "[autograd]") {
    kx::Variable w("w", Tensor({3}, {1, 2, 3}));
    REQUIRE_THROWS_WITH(kx::backward(w * w),
                        Contains("backward: expected a loss with one element, got shape (3,); reduce it"));
    REQUIRE_THROWS_WITH(kx::backward(kx::ops::sum(Tensor({3}, {1, 2, 3}))),
                        Contains("backward: the loss does not depend on any variable that requires a gradient"));
    REQUIRE_THROWS_WITH(kx::backward(Tensor()), Contains("backward: the loss tensor is undefined"));
    REQUIRE_THROWS_WITH(kx::backward(w * w, Tensor({2})),
                        Contains("backward: the seed gradient must have the loss's shape (3,), got (2,)"));
    kx::NoGradGuard no_grad;
    REQUIRE_THROWS_WITH(kx::backward(kx::ops::sum(w)), Contains("was it computed under NoGradGuard"));
}

TEST_CASE("intermediate gradients are released after backward, the loss's is kept", "[autograd]") {
    kx::Variable x("x", Tensor({2}, {1, 2}));
    const Tensor h = x * 2.0f;
    const Tensor loss = kx::ops::sum(kx::ops::exp(h));
    kx::backward(loss);
    CHECK_FALSE(h.grad().defined());
    CHECK(loss.grad().item() == 1.0f);
    CHECK(x.grad().defined());
}

TEST_CASE("a graph is freed with its last tensor: backward kernels hold no cycles", "[autograd]") {
    kx::Variable x("x", Tensor({3}, {0.5f, 1, 2}));
    std::weak_ptr<kx::detail::TensorImpl> intermediate, output;
    {
        const Tensor h = kx::ops::exp(x * x) / x;
        const Tensor loss = kx::ops::max(kx::ops::sqrt(kx::ops::log(h + 2.0f)));
        intermediate = h.impl();
        output = loss.impl();
        kx::backward(loss);
    }
    CHECK(intermediate.expired());
    CHECK(output.expired());
}

TEST_CASE("Variable copies share the value; assign checks the shape", "[autograd]") {
    kx::Variable v("v", Tensor({2}, {1, 2}));
    kx::Variable alias = v;
    v.assign(Tensor({2}, {5, 6}));
    CHECK(alias.to_vector() == std::vector<float>{5, 6});
    CHECK(v.name() == "v");
    CHECK(v.trainable());
    v.set_trainable(false);
    CHECK_FALSE(alias.requires_grad());
    REQUIRE_THROWS_WITH(v.assign(Tensor({3})),
                        Contains("Variable 'v': cannot assign a value of shape (3,) to a variable of shape (2,)"));
}
