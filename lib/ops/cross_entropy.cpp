// Fused softmax + cross-entropy on integer labels: one pass forward, and the famous
// softmax(z) - onehot(label) gradient backward, instead of a chain of exp/sum/log/gather ops.
#include "tape.hpp"

#include <kerasxx/error.hpp>
#include <kerasxx/ops.hpp>

#include <algorithm>
#include <cmath>
#include <sstream>

namespace kx::ops {

using detail::InputGrads;

Tensor sparse_softmax_cross_entropy(const Tensor& logits, const Tensor& labels) {
    if (logits.rank() != 2 || labels.rank() != 1 || labels.shape()[0] != logits.shape()[0])
        throw Error("ops::sparse_softmax_cross_entropy: expected logits (batch, classes) and labels (batch,), got shapes " +
                    to_string(logits.shape()) + " and " + to_string(labels.shape()));
    const std::size_t batch = logits.shape()[0], classes = logits.shape()[1];
    const float* z = logits.data();
    const float* t = labels.data();
    std::vector<std::size_t> label(batch);
    for (std::size_t i = 0; i < batch; ++i) {
        if (!(t[i] >= 0.0f && t[i] < static_cast<float>(classes) && t[i] == std::floor(t[i]))) {
            std::ostringstream msg;
            msg << "sparse categorical cross-entropy: expected integer labels in [0, " << classes << "), got " << t[i]
                << " at index " << i;
            throw Error(msg.str());
        }
        label[i] = static_cast<std::size_t>(t[i]);
    }
    // loss_i = logsumexp(z_i) - z_i[label_i]; p = softmax(z) is kept for the gradient.
    Tensor loss = Tensor::empty({batch});
    Tensor p = Tensor::empty({batch, classes});
    for (std::size_t i = 0; i < batch; ++i) {
        const float* row = z + i * classes;
        float* prob = p.data() + i * classes;
        const float m = *std::max_element(row, row + classes);
        float s = 0.0f;
        for (std::size_t j = 0; j < classes; ++j) s += prob[j] = std::exp(row[j] - m);
        const float inv = 1.0f / s;
        for (std::size_t j = 0; j < classes; ++j) prob[j] *= inv;
        loss.data()[i] = std::log(s) + m - row[label[i]];
    }
    return detail::record("sparse_softmax_cross_entropy", loss, {logits, labels},
                          [p = p.detach(), label = std::move(label), classes](const Tensor& dloss, InputGrads& dx) {
        if (!dx.needs(0)) return;
        // dZ_i = dloss_i * (softmax(z_i) - onehot(label_i))   [B, C]
        float* dz = dx.acc(0).data();
        for (std::size_t i = 0; i < label.size(); ++i) {
            const float g = dloss.data()[i];
            const float* prob = p.data() + i * classes;
            for (std::size_t j = 0; j < classes; ++j) dz[i * classes + j] += g * prob[j];
            dz[i * classes + label[i]] -= g;
        }
    });
}

}  // namespace kx::ops
