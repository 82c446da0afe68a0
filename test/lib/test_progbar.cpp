#include "progbar.hpp"

#include <unistd.h>

#include <cmath>
#include <sstream>

using kx::detail::Progbar;

namespace {

// A clock the test moves by hand.
struct FakeClock {
    double now = 0.0;
    Progbar::Clock function() {
        return [this] { return now; };
    }
};

// Step k of a 469-step epoch ends at 0.02 + (k - 1) * 0.0064 s: a 20 ms first step, then 6.4 ms steps.
double step_end(int k) { return 0.02 + (k - 1) * 0.0064; }

const Progbar::Values first_values = {{"loss", 0.6931}, {"accuracy", 0.7812}};
const Progbar::Values final_values = {{"loss", 0.4513}, {"accuracy", 0.8402}};

// Runs steps 1..469 through `bar`, returning what it printed before the final update.
std::string run_epoch(Progbar& bar, FakeClock& clock, std::ostringstream& out) {
    for (int k = 1; k < 469; ++k) {
        clock.now = step_end(k);
        bar.update(k, first_values, false);
    }
    std::string before_final = out.str();
    clock.now = step_end(469);
    bar.update(469, final_values, true);
    return before_final;
}

std::string final_line_of(int target, double seconds, const Progbar::Values& values) {
    std::ostringstream out;
    FakeClock clock;
    Progbar bar(target, 1, out, false, 30, clock.function());
    clock.now = seconds;
    bar.update(target, values, true);
    return out.str();
}

std::string eta_after_one_step(int target, double step_seconds) {
    std::ostringstream out;
    FakeClock clock;
    Progbar bar(target, 1, out, true, 30, clock.function());
    clock.now = step_seconds;
    bar.update(1, {}, false);
    const std::string line = out.str();
    return line.substr(line.find("ETA: ") + 5);
}

}  // namespace

TEST_CASE("Progbar draws the first update with an empty bar and an ETA", "[progbar]") {
    std::ostringstream out;
    FakeClock clock;
    Progbar bar(469, 1, out, true, 30, clock.function());
    clock.now = 0.02;
    bar.update(1, first_values, false);
    // ETA = 20 ms x 468 steps left = 9.36 s, truncated.
    CHECK(out.str() == "\r  1/469 [..............................] - ETA: 9s - loss: 0.6931 - accuracy: 0.7812");
}

TEST_CASE("Progbar redraws mid-epoch at most every 0.05 s, leaving the first step out of the ETA", "[progbar]") {
    std::ostringstream out;
    FakeClock clock;
    Progbar bar(469, 1, out, true, 30, clock.function());
    clock.now = step_end(1);
    bar.update(1, first_values, false);
    const std::string first = out.str();

    clock.now = step_end(2);   // 6.4 ms later: too soon to redraw
    bar.update(2, first_values, false);
    CHECK(out.str() == first);

    out.str("");
    clock.now = step_end(32);
    bar.update(32, {{"loss", 0.5}, {"accuracy", 0.8}}, false);
    // 30 * 32/469 = 2.05 -> 2 cells; ETA = 6.4 ms x 437 = 2.80 s (the 20 ms first step is not averaged in).
    CHECK(out.str() == "\r 32/469 [=>............................] - ETA: 2s - loss: 0.5000 - accuracy: 0.8000");
}

TEST_CASE("Progbar ends a terminal epoch with the full bar, total time and time per step", "[progbar]") {
    std::ostringstream out;
    FakeClock clock;
    Progbar bar(469, 1, out, true, 30, clock.function());
    const std::string before = run_epoch(bar, clock, out);
    CHECK_FALSE(before.empty());
    // 3.0152 s in all; (3.0152 - 0.02) / 468 = 6.4 ms per step.
    CHECK(out.str().substr(before.size()) ==
          "\r469/469 [==============================] - 3s 6ms/step - loss: 0.4513 - accuracy: 0.8402\n");
}

TEST_CASE("Progbar blanks the tail of a longer previous line when it redraws", "[progbar]") {
    std::ostringstream out;
    FakeClock clock;
    Progbar bar(10, 1, out, true, 30, clock.function());
    clock.now = 1.0;
    bar.update(1, {{"loss", 12.5}}, false);
    CHECK(out.str() == "\r 1/10 [==>...........................] - ETA: 9s - loss: 12.5000");
    out.str("");
    clock.now = 2.0;
    bar.update(2, {{"loss", 1.5}}, false);
    CHECK(out.str() == "\r 2/10 [=====>........................] - ETA: 8s - loss: 1.5000 ");
}

TEST_CASE("Progbar with an unknown target counts steps, then ends on a full bar", "[progbar]") {
    std::ostringstream out;
    FakeClock clock;
    Progbar bar(-1, 1, out, true, 30, clock.function());
    clock.now = 0.4;
    bar.update(1, {{"loss", 0.7}}, false);
    CHECK(out.str() == "\r      1/Unknown - 0s 400ms/step - loss: 0.7000");
    out.str("");
    clock.now = 1.0;
    bar.update(2, {{"loss", 0.6}}, false);
    CHECK(out.str() == "\r      2/Unknown - 1s 600ms/step - loss: 0.6000");
    out.str("");
    clock.now = 1.6;
    bar.update(3, {{"loss", 0.5}}, true);
    CHECK(out.str() == "\r3/3 [==============================] - 2s 600ms/step - loss: 0.5000\n");
}

TEST_CASE("Progbar verbose 2 prints one line per epoch with epoch and step times", "[progbar]") {
    std::ostringstream out;
    FakeClock clock;
    Progbar bar(469, 2, out, true, 30, clock.function());
    const std::string before = run_epoch(bar, clock, out);
    CHECK(before.empty());
    // 3.0152 s / 469 steps = 6.4 ms per step.
    CHECK(out.str() == "469/469 - 3s - loss: 0.4513 - accuracy: 0.8402 - 3s/epoch - 6ms/step\n");
}

TEST_CASE("Progbar off a terminal prints only the final line of the epoch", "[progbar]") {
    std::ostringstream out;
    FakeClock clock;
    Progbar bar(469, 1, out, false, 30, clock.function());
    const std::string before = run_epoch(bar, clock, out);
    CHECK(before.empty());
    CHECK(out.str() == "469/469 [==============================] - 3s 6ms/step - loss: 0.4513 - accuracy: 0.8402\n");
}

TEST_CASE("Progbar verbose 0 prints nothing", "[progbar]") {
    std::ostringstream out;
    FakeClock clock;
    Progbar bar(469, 0, out, true, 30, clock.function());
    run_epoch(bar, clock, out);
    CHECK(out.str().empty());
}

TEST_CASE("Progbar writes the ETA as seconds, m:ss or h:mm:ss like Keras", "[progbar]") {
    // One step of s seconds, then target - 1 steps left: ETA = (target - 1) * s, truncated.
    CHECK(eta_after_one_step(11, 0.59) == "5s");           // 5.9 s
    CHECK(eta_after_one_step(61, 1.0) == "60s");           // 60 s is not "over a minute"
    CHECK(eta_after_one_step(62, 1.0) == "1:01");
    CHECK(eta_after_one_step(84, 1.0) == "1:23");
    CHECK(eta_after_one_step(3601, 1.0) == "60:00");       // 3600 s is not "over an hour"
    CHECK(eta_after_one_step(3724, 1.0) == "1:02:03");
    CHECK(eta_after_one_step(100001, 1.0) == "27:46:40");
}

TEST_CASE("Progbar picks s, ms or us for the time per step", "[progbar]") {
    // One step of the given length: elapsed time and time per step are the same number.
    CHECK(final_line_of(1, 2.2, {}) == "1/1 [==============================] - 2s 2s/step\n");
    CHECK(final_line_of(1, 0.0123, {}) == "1/1 [==============================] - 0s 12ms/step\n");
    CHECK(final_line_of(1, 0.000456, {}) == "1/1 [==============================] - 0s 456us/step\n");
    CHECK(final_line_of(1, 0.0, {}) == "1/1 [==============================] - 0s 0s/step\n");
}

TEST_CASE("Progbar prints values with 4 decimals, small ones in scientific notation", "[progbar]") {
    const Progbar::Values values = {{"a", 0.0005}, {"b", -0.0002}, {"c", 0.0},     {"d", 0.001},
                                    {"e", 0.0011}, {"f", 1234.56789}, {"g", -3.25}, {"h", std::nan("")}};
    CHECK(final_line_of(1, 1.0, values) ==
          "1/1 [==============================] - 1s 1s/step - a: 5.0000e-04 - b: -2.0000e-04 - c: 0.0000"
          " - d: 1.0000e-03 - e: 0.0011 - f: 1234.5679 - g: -3.2500 - h: nan\n");
}

TEST_CASE("Progbar keeps values in order of first appearance and shows the latest of each", "[progbar]") {
    std::ostringstream out;
    FakeClock clock;
    Progbar bar(2, 1, out, false, 30, clock.function());
    clock.now = 1.0;
    bar.update(1, {{"loss", 0.9}, {"accuracy", 0.1}}, false);
    clock.now = 2.0;
    bar.update(2, {{"accuracy", 0.6}, {"val_loss", 0.3}}, true);
    CHECK(out.str() == "2/2 [==============================] - 2s 1s/step - loss: 0.9000 - accuracy: 0.6000"
                       " - val_loss: 0.3000\n");
}

TEST_CASE("Progbar rejects a bad target, verbose or width", "[progbar]") {
    std::ostringstream out;
    REQUIRE_THROWS_WITH(Progbar(-2, 1, out, true),
                        "Progbar: expected a target >= 0 (steps) or -1 (unknown), got -2");
    REQUIRE_THROWS_WITH(Progbar(10, 3, out, true), "Progbar: expected verbose 0, 1 or 2, got 3");
    REQUIRE_THROWS_WITH(Progbar(10, 1, out, true, 0), "Progbar: expected a width >= 1, got 0");
}

TEST_CASE("stdout_is_terminal reports whether standard output is a tty", "[progbar]") {
    CHECK(kx::detail::stdout_is_terminal() == (::isatty(STDOUT_FILENO) == 1));
}
