// Inverted dropout, as Keras does it: keep each element with probability 1 - rate and scale the
// kept ones by 1 / (1 - rate), so the expected output equals the input and inference needs no
// rescaling. The mask comes from the global generator, so set_random_seed reproduces it.
#include "random_engine.hpp"
#include "tape.hpp"

#include <kerasxx/error.hpp>
#include <kerasxx/ops.hpp>

#include <sstream>

namespace kx::ops {

using detail::InputGrads;

Tensor dropout(const Tensor& x, float rate) {
    if (!(rate >= 0.0f && rate < 1.0f)) {   // also rejects NaN
        std::ostringstream msg;
        msg << "ops::dropout: expected a rate in [0, 1) (the fraction of inputs to drop), got rate=" << rate;
        throw Error(msg.str());
    }
    if (rate == 0.0f) return x;

    const float keep = 1.0f - rate;
    const float scale = 1.0f / keep;
    const std::size_t n = x.size();
    // mask[i] = scale with probability 1 - rate, else 0; drawn first because the draws are serial.
    Tensor mask = Tensor::empty(x.shape());
    float* m = mask.data();
    auto& engine = detail::random_engine();
    for (std::size_t i = 0; i < n; ++i) m[i] = detail::uniform01(engine) < keep ? scale : 0.0f;

    // y = x * mask   [shape of x]
    Tensor y = Tensor::empty(x.shape());
    const float* in = x.data();
    float* out = y.data();
    for (std::size_t i = 0; i < n; ++i) out[i] = in[i] * m[i];
    return detail::record("dropout", y, {x}, [mask = mask.detach()](const Tensor& dy, InputGrads& dx) {
        if (!dx.needs(0)) return;
        // dx += dy * mask   [shape of x]
        float* g = dx.acc(0).data();
        const float* d = dy.data();
        const float* mk = mask.data();
        for (std::size_t i = 0, size = mask.size(); i < size; ++i) g[i] += d[i] * mk[i];
    });
}

}  // namespace kx::ops
