// libFuzzer target for the .kx loader (scripts/fuzz_loader.sh builds and runs it). Any input must
// either load or throw kx::Error: another exception, a crash, a sanitizer report, a leak or an
// allocation beyond -rss_limit_mb is a bug that libFuzzer reports with the input that caused it.
#include "io/model_file.hpp"

#include <kerasxx/error.hpp>

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        kx::io::load_model_from_bytes({reinterpret_cast<const std::byte*>(data), size}, "fuzz.kx");
    } catch (const kx::Error&) {
    }
    return 0;
}
