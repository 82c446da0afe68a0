#include "progbar.hpp"

#include <kerasxx/error.hpp>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <limits>
#include <ostream>

namespace kx::detail {
namespace {

constexpr double redraw_interval = 0.05;   // seconds; Keras' default `interval`

__attribute__((format(printf, 1, 2))) std::string cformat(const char* fmt, ...) {
    va_list args, again;
    va_start(args, fmt);
    va_copy(again, args);
    std::string text(static_cast<std::size_t>(std::vsnprintf(nullptr, 0, fmt, args)), '\0');
    std::vsnprintf(text.data(), text.size() + 1, fmt, again);   // a huge loss prints whole
    va_end(again);
    va_end(args);
    return text;
}

double steady_seconds() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// " 6ms/step", " 3s/epoch": Keras picks the unit that leaves an integer of 1 to 999.
std::string format_duration(double seconds, const char* unit) {
    if (seconds >= 1 || seconds == 0) return cformat(" %.0fs/%s", seconds, unit);
    if (seconds >= 1e-3) return cformat(" %.0fms/%s", seconds * 1e3, unit);
    return cformat(" %.0fus/%s", seconds * 1e6, unit);
}

// "5s", "1:23", "1:02:03"; Keras truncates to whole seconds.
std::string format_eta(double eta) {
    const auto s = static_cast<long long>(eta);
    if (eta > 3600) return cformat("%lld:%02lld:%02lld", s / 3600, s % 3600 / 60, s % 60);
    if (eta > 60) return cformat("%lld:%02lld", s / 60, s % 60);
    return cformat("%llds", s);
}

std::string format_value(double v) {
    if (std::isnan(v)) return "nan";   // printf may write "-nan"; Python never does
    if (v == 0 || std::abs(v) > 1e-3) return cformat("%.4f", v);
    return cformat("%.4e", v);
}

}  // namespace

Progbar::Progbar(int target, int verbose, std::ostream& out, bool dynamic, int width, Clock clock)
    : target_(target), verbose_(verbose), out_(&out), dynamic_(dynamic), width_(width),
      clock_(clock ? std::move(clock) : Clock(steady_seconds)), start_(clock_()),
      last_draw_(-std::numeric_limits<double>::infinity()) {
    if (target < -1)
        throw Error("Progbar: expected a target >= 0 (steps) or -1 (unknown), got " + std::to_string(target));
    if (verbose < 0 || verbose > 2)
        throw Error("Progbar: expected verbose 0, 1 or 2, got " + std::to_string(verbose));
    if (width < 1) throw Error("Progbar: expected a width >= 1, got " + std::to_string(width));
}

void Progbar::update(int current, const Values& values, bool finalize) {
    for (const auto& entry : values) {   // not a structured binding: clang 14 cannot capture those
        auto it = std::find_if(values_.begin(), values_.end(), [&](const auto& kv) { return kv.first == entry.first; });
        if (it == values_.end()) values_.push_back(entry);
        else it->second = entry.second;
    }
    const double now = clock_();
    const double per_step = step_duration(current, now);
    if (finalize && target_ < 0) target_ = current;
    if (verbose_ == 1 && (finalize || (dynamic_ && now - last_draw_ >= redraw_interval)))
        draw_bar(current, now, per_step, finalize);
    else if (verbose_ == 2 && finalize)
        print_epoch_line(current, now);
}

void Progbar::draw_bar(int current, double now, double per_step, bool finalize) {
    std::string line = bar_text(current, target_);
    if (target_ < 0 || finalize) line += cformat(" - %.0fs", now - start_) + format_duration(per_step, "step");
    else line += " - ETA: " + format_eta(per_step * (target_ - current));
    line += values_text();
    if (dynamic_) *out_ << '\r';
    *out_ << line;
    if (dynamic_ && drawn_width_ > line.size()) *out_ << std::string(drawn_width_ - line.size(), ' ');
    if (finalize) *out_ << '\n';
    *out_ << std::flush;
    drawn_width_ = line.size();
    last_draw_ = now;
}

// 469/469 - 3s - loss: 0.4513 - 3s/epoch - 6ms/step
void Progbar::print_epoch_line(int current, double now) const {
    const double epoch_time = now - start_;
    const double step_time = target_ > 0 ? epoch_time / target_ : 0.0;
    const int digits = static_cast<int>(std::to_string(target_).size());
    *out_ << cformat("%*d/%d - %.0fs", digits, current, target_, epoch_time) << values_text() << " -"
          << format_duration(epoch_time, "epoch") << " -" << format_duration(step_time, "step") << '\n'
          << std::flush;
}

//  12/469 [=>............................]   or, target unknown,        12/Unknown
std::string Progbar::bar_text(int current, int target) const {
    if (target < 0) return cformat("%7d/Unknown", current);
    const int digits = static_cast<int>(std::to_string(target).size());
    std::string bar = cformat("%*d/%d [", digits, current, target);
    const double progress = target > 0 ? static_cast<double>(current) / target : 1.0;
    const int filled = std::clamp(static_cast<int>(width_ * progress), 0, width_);
    if (filled > 0) {
        bar.append(static_cast<std::size_t>(filled - 1), '=');
        bar += current < target ? '>' : '=';
    }
    bar.append(static_cast<std::size_t>(width_ - filled), '.');
    bar += ']';
    return bar;
}

std::string Progbar::values_text() const {
    std::string text;
    for (const auto& [name, value] : values_) text += " - " + name + ": " + format_value(value);
    return text;
}

// Seconds per step. The first step (warm-up: allocations, caches) is left out once later steps exist.
double Progbar::step_duration(int current, double now) {
    if (current <= 0) return 0.0;
    const double per_step = first_step_done_ && current > 1 ? (now - *first_step_done_) / (current - 1)
                                                                  : (now - start_) / current;
    if (current == 1) first_step_done_ = now;
    return per_step;
}

bool stdout_is_terminal() { return isatty(STDOUT_FILENO) == 1; }

}  // namespace kx::detail
