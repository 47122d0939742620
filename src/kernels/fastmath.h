// fastmath.h — a vectorizable single-precision exp for the f32 hot loops.
//
// glibc's expf is a function call per element (~4 ns here), which made softmax
// and GELU the slowest parts of a transformer block. This inline version lets
// the compiler vectorize the loop:
//   exp(x) = 2^k * exp(r),  k = round(x / ln 2),  r = x - k ln 2  (|r| <= ln2 / 2)
// with ln 2 split in two parts (Cody–Waite) so r is exact to f32 precision, and
// exp(r) by its Taylor polynomial to degree 7 (truncation error < 1e-9
// relative, far below f32 rounding). 2^k is built from the exponent bits.
// Inputs below -87.3 give 0 (no subnormals), above 88.7 give +inf; NaN stays
// NaN. f64 code keeps libm's exp: gradient checks need every bit.
#ifndef SC_KERNELS_FASTMATH_H
#define SC_KERNELS_FASTMATH_H

#include <stdint.h>
#include <string.h>

static inline float sc_expf_fast(float x) {
    const float log2e = 1.44269504088896341f, ln2_hi = 0.693359375f, ln2_lo = -2.12194440e-4f;
    // Written so NaN lands on the clamp (a NaN-to-int conversion would be UB).
    float xc = x > -87.3f ? (x < 88.7f ? x : 88.7f) : -87.3f;
    float kf = __builtin_roundf(xc * log2e);
    float r = (xc - kf * ln2_hi) - kf * ln2_lo;
    float p = 1.0f / 5040.0f;
    p = p * r + 1.0f / 720.0f;
    p = p * r + 1.0f / 120.0f;
    p = p * r + 1.0f / 24.0f;
    p = p * r + 1.0f / 6.0f;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    int32_t bits = ((int32_t)kf + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    float y = p * scale;
    y = x < -87.3f ? 0.0f : y;
    y = x > 88.7f ? __builtin_inff() : y;
    return x != x ? x : y;
}

// tanh(u) = 1 - 2 / (1 + exp(2u)): saturates cleanly to +-1 through exp's 0 / inf.
static inline float sc_tanhf_fast(float u) { return 1.0f - 2.0f / (1.0f + sc_expf_fast(2.0f * u)); }

#endif
