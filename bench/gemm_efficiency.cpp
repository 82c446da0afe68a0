// The GEMM limit of the MLP benchmark (bench/mlp_train.cpp): times raw cblas_sgemm on the GEMMs of
// one training step of the 784-256-128-10 MLP at batch 128 (row-major, beta = 1: the forward GEMM
// adds onto the broadcast bias, the backward ones accumulate into the gradients). bench/run.sh
// multiplies each implementation's mlp_train samples/s by the step's model flops per sample and
// divides by this figure: its gemm_efficiency.
//
//   layer (in -> out)   forward  Y = X.W          dW = X^T.dY             dX = dY.W^T
//   1 (784 -> 256)      128x256x784               784x256x128             128x784x256
//   2 (256 -> 128)      128x128x256               256x128x128             128x256x128
//   3 (128 -> 10)       128x10x128                128x10x128              128x128x10
//   (M x N x K; 2*M*N*K flops each)
//
// Model flops per sample are the usual 6 x weights (forward, input gradient and weight gradient of
// every layer: 1,408,512), as the "GEMM limit" counts them. Implementations that skip the
// first layer's input gradient (kerasxx does: the images need none) run only 1,007,104 of them; the
// JSON line gives both, and bench/run.sh's note reports the efficiency on each count.
//
// Runs OpenBLAS with its own thread count (OPENBLAS_NUM_THREADS=2 in bench/run.sh). Prints one JSON
// line: the whole step's best and median GFLOP/s over `blocks` timed blocks of `steps` steps, each
// GEMM's best GFLOP/s, and the samples/s a step made of nothing but these GEMMs would reach.
//
//   gemm_efficiency [blocks=15] [steps=200]
#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

namespace {
constexpr int batch = 128;

struct Gemm {
    const char* name;
    bool transpose_a, transpose_b;
    int m, n, k;
    std::vector<float> a, b, c;

    Gemm(const char* name_, bool ta, bool tb, int m_, int n_, int k_)
        : name(name_), transpose_a(ta), transpose_b(tb), m(m_), n(n_), k(k_),
          a(static_cast<std::size_t>(m_) * k_), b(static_cast<std::size_t>(k_) * n_),
          c(static_cast<std::size_t>(m_) * n_, 0.0f) {
        // Small values: beta = 1 accumulates over thousands of calls without overflowing.
        for (std::size_t i = 0; i < a.size(); ++i) a[i] = static_cast<float>(i % 13) * 1e-3f;
        for (std::size_t i = 0; i < b.size(); ++i) b[i] = static_cast<float>(i % 11) * 1e-3f;
    }

    double flops() const { return 2.0 * m * n * k; }

    void run() {
        cblas_sgemm(CblasRowMajor, transpose_a ? CblasTrans : CblasNoTrans, transpose_b ? CblasTrans : CblasNoTrans,
                    m, n, k, 1.0f, a.data(), transpose_a ? m : k, b.data(), transpose_b ? k : n, 1.0f, c.data(), n);
    }
};

std::vector<Gemm> mlp_step_gemms() {
    std::vector<Gemm> g;
    // forward: Y[B, out] = X[B, in] . W[in, out]
    g.emplace_back("l1_forward", false, false, batch, 256, 784);
    g.emplace_back("l2_forward", false, false, batch, 128, 256);
    g.emplace_back("l3_forward", false, false, batch, 10, 128);
    // backward: dW[in, out] = X^T[in, B] . dY[B, out];  dX[B, in] = dY[B, out] . W^T[out, in]
    g.emplace_back("l3_dw", true, false, 128, 10, batch);
    g.emplace_back("l3_dx", false, true, batch, 128, 10);
    g.emplace_back("l2_dw", true, false, 256, 128, batch);
    g.emplace_back("l2_dx", false, true, batch, 256, 128);
    g.emplace_back("l1_dw", true, false, 784, 256, batch);
    g.emplace_back("l1_dx", false, true, batch, 784, 256);
    return g;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}
}  // namespace

int main(int argc, char** argv) {
    const int blocks = argc > 1 ? std::stoi(argv[1]) : 15;
    const int steps = argc > 2 ? std::stoi(argv[2]) : 200;
    std::vector<Gemm> gemms = mlp_step_gemms();
    double step_flops = 0;
    for (const Gemm& g : gemms) step_flops += g.flops();

    for (int s = 0; s < steps; ++s)  // warm-up: OpenBLAS's threads and buffers, the caches
        for (Gemm& g : gemms) g.run();
    std::vector<double> step_gflops;
    for (int b = 0; b < blocks; ++b) {
        const auto start = std::chrono::steady_clock::now();
        for (int s = 0; s < steps; ++s)
            for (Gemm& g : gemms) g.run();
        step_gflops.push_back(step_flops * steps / seconds_since(start) / 1e9);
    }

    std::string per_gemm;
    for (Gemm& g : gemms) {
        double best = 0;
        for (int b = 0; b < blocks; ++b) {
            const auto start = std::chrono::steady_clock::now();
            for (int s = 0; s < steps; ++s) g.run();
            best = std::max(best, g.flops() * steps / seconds_since(start) / 1e9);
        }
        char entry[160];
        std::snprintf(entry, sizeof entry, "%s\"%s\": {\"m\": %d, \"n\": %d, \"k\": %d, \"gflops_best\": %.1f}",
                      per_gemm.empty() ? "" : ", ", g.name, g.m, g.n, g.k, best);
        per_gemm += entry;
    }

    const double flops_per_sample = step_flops / batch;
    const double executed_flops_per_sample = flops_per_sample - 2.0 * 784 * 256;   // without layer 1's dX
    const double best = *std::max_element(step_gflops.begin(), step_gflops.end());
    std::printf("{\"peer\": \"openblas\", \"threads\": %d, \"w5\": {\"batch\": %d, \"flops_per_sample\": %.0f, "
                "\"executed_flops_per_sample\": %.0f, "
                "\"step_gflops_best\": %.2f, \"step_gflops_median\": %.2f, \"limit_samples_per_s\": %.0f, "
                "\"gemms\": {%s}}}\n",
                openblas_get_num_threads(), batch, flops_per_sample, executed_flops_per_sample, best, median(step_gflops),
                best * 1e9 / flops_per_sample, per_gemm.c_str());
}
