#include <kerasxx/autograd.hpp>
#include <kerasxx/layer.hpp>
#include <kerasxx/ops.hpp>
#include <kerasxx/testing.hpp>

#include <algorithm>
#include <cmath>
#include <random>
#include <sstream>

namespace kx::testing {

namespace {
// Checks d(sum(forward() * projection))/d(p) for every element of every parameter, where
// forward() reads the parameters' current values.
GradientCheckResult check(const std::function<Tensor()>& forward, const std::vector<Variable>& parameters,
                          const GradientCheckOptions& options) {
    Tensor y = forward();
    std::mt19937 engine(0);
    std::uniform_real_distribution<float> magnitude(0.5f, 1.5f);
    Tensor projection = Tensor::empty(y.shape());
    for (std::size_t i = 0; i < projection.size(); ++i) projection.data()[i] = magnitude(engine) * (i % 2 ? -1.f : 1.f);
    const std::vector<Tensor> analytic = GradientTape().gradient(ops::sum(ops::multiply(y, projection)), parameters);

    auto projected = [&] {
        NoGradGuard no_grad;
        Tensor out = forward();
        double s = 0;
        for (std::size_t i = 0; i < out.size(); ++i) s += double(out.data()[i]) * projection.data()[i];
        return s;
    };
    GradientCheckResult result;
    std::ostringstream report;
    for (std::size_t p = 0; p < parameters.size(); ++p) {
        float* x = const_cast<Variable&>(parameters[p]).data();
        for (std::size_t k = 0; k < parameters[p].size(); ++k) {
            const float original = x[k];
            x[k] = original + options.epsilon;
            const double plus = projected();
            x[k] = original - options.epsilon;
            const double minus = projected();
            x[k] = original;
            const double numeric = (plus - minus) / (2.0 * options.epsilon);
            const double autograd = analytic[p].data()[k];
            const double error = std::abs(numeric - autograd) / std::max({1.0, std::abs(numeric), std::abs(autograd)});
            result.max_error = std::max(result.max_error, static_cast<float>(error));
            if (!(error <= options.tolerance)) {   // also catches NaN
                result.ok = false;
                report << parameters[p].name() << " [" << k << "]: numeric " << numeric << " vs autograd " << autograd
                       << '\n';
            }
        }
    }
    result.report = report.str();
    return result;
}
}  // namespace

GradientCheckResult check_gradients(const Function& f, const std::vector<Tensor>& inputs,
                                    const GradientCheckOptions& options) {
    std::vector<Variable> parameters;
    for (std::size_t i = 0; i < inputs.size(); ++i) parameters.emplace_back("input " + std::to_string(i), inputs[i]);
    const std::vector<Tensor> as_tensors(parameters.begin(), parameters.end());
    return check([&] { return f(as_tensors); }, parameters, options);
}

GradientCheckResult check_gradients(Layer& layer, const Tensor& input, const GradientCheckOptions& options) {
    Variable x("input", input);
    layer(x);   // builds the layer if needed
    std::vector<Variable> parameters{x};
    for (const Variable& w : layer.trainable_weights()) parameters.push_back(w);
    return check([&] { return layer(x); }, parameters, options);
}

}  // namespace kx::testing
