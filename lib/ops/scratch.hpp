// Internal: per-thread scratch buffers that outlive the call, so a kernel's temporaries (an im2col
// chunk, a partial gradient) cost no allocation and no page faults after the first training step.
//
//   float* cols = detail::scratch<0>(rows * patch);   // slot 0 of this thread, at least that many floats
//
// A slot's contents are only valid until the same thread asks for that slot again; kernels that
// need two buffers at once use two slots.
#pragma once

#include <cstddef>
#include <memory>

namespace kx::detail {

template <std::size_t Slot>
float* scratch(std::size_t floats) {
    struct Buffer {
        std::unique_ptr<float[]> data;
        std::size_t size = 0;
    };
    thread_local Buffer buffer;
    if (buffer.size < floats) {
        buffer.data.reset(new float[floats]);
        buffer.size = floats;
    }
    return buffer.data.get();
}

}  // namespace kx::detail
