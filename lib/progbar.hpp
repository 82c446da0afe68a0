// detail::Progbar: Keras 2's progress bar (tf.keras.utils.Progbar), line for line.
//
//   detail::Progbar bar(469, 1, std::cout, detail::stdout_is_terminal());
//   for (int step = 1; step <= 469; ++step)
//       bar.update(step, {{"loss", loss}, {"accuracy", accuracy}}, step == 469);
//
// verbose 1 on a terminal (dynamic) redraws one line with '\r', at most every 0.05 s:
//    12/469 [=>............................] - ETA: 5s - loss: 0.6931 - accuracy: 0.7812
// and ends with
//   469/469 [==============================] - 3s 6ms/step - loss: 0.4513 - accuracy: 0.8402
// verbose 1 elsewhere (a log file, a pipe) prints only that final line; verbose 2 prints
//   469/469 - 3s - loss: 0.4513 - accuracy: 0.8402 - 3s/epoch - 6ms/step
// and verbose 0 nothing.
//
// Where we differ from Keras 2, on purpose:
// - values are shown as given (the training loop passes running averages), not averaged again;
// - a value of exactly 0 prints as 0.0000, not 0.0000e+00;
// - a redraw starts with '\r' only (Keras adds one '\b' per character, which logs show as garbage);
// - with an unknown target (-1) the final update adopts `current` as the target, as Keras'
//   ProgbarLogger does, so an epoch of unknown length still ends on a full bar.
#pragma once

#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace kx::detail {

class Progbar {
public:
    using Clock = std::function<double()>;   // seconds since any fixed origin
    using Values = std::vector<std::pair<std::string, double>>;

    // target: number of steps, or -1 if unknown. verbose: 0 silent, 1 bar, 2 one line at the end.
    // dynamic: redraw in place (a terminal) rather than print only the final line.
    // clock: defaults to std::chrono::steady_clock; tests inject their own.
    Progbar(int target, int verbose, std::ostream& out, bool dynamic, int width = 30, Clock clock = {});

    // current: steps done so far. values: (name, value) pairs shown in order of first appearance.
    // finalize: the last update of this bar (prints the final line and a newline).
    void update(int current, const Values& values, bool finalize);

private:
    void draw_bar(int current, double now, double per_step, bool finalize);
    void print_epoch_line(int current, double now) const;
    std::string bar_text(int current, int target) const;
    std::string values_text() const;
    double step_duration(int current, double now);

    int target_;
    int verbose_;
    std::ostream* out_;
    bool dynamic_;
    int width_;
    Clock clock_;
    double start_;
    double last_draw_;
    std::optional<double> first_step_done_;   // when step 1 ended; Keras leaves step 1 out of the ETA
    std::size_t drawn_width_ = 0;     // length of the line on screen, to blank a longer previous one
    Values values_;
};

// True when standard output is a terminal, so a bar can redraw in place.
bool stdout_is_terminal();

}  // namespace kx::detail
