#pragma once
// libtorch's float32 GEMM timed on given shapes: the reference for the
// transform benchmark (bcemb bench transform).
#include <cstdint>
#include <functional>

namespace bcemb {

// Median seconds of `run` over `repeats` (>= 1) timed calls, after one
// untimed warm-up call.
double median_seconds(int repeats, const std::function<void()>& run);

// Median seconds of torch::mm([rows, inner] x [inner, cols]) over repeats.
double torch_gemm_seconds(int64_t rows, int64_t inner, int64_t cols, int repeats);

}  // namespace bcemb
