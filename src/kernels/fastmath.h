// fastmath.h — vectorizable single-precision exp and tanh for the f32 hot loops.
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

// tanh(u) ~ u P(u^2) / Q(u^2) for |u| < 9, exactly +-1 beyond (f32 tanh is
// +-1 from 8.7 on, so GELU(x) = x there). P has degree 6 and Q degree 3 in u^2;
// the coefficients minimize the maximum relative error on [0, 9] (6.6e-9, below
// f32 rounding; scripts/fit-tanhf.py refits them) and Q's are all positive, so
// it has no poles. Evaluated in f32 the error is at most ~3.5e-7 absolute and
// relative over the whole line; the relative bound matters near 0, where
// 1 - 2 / (1 + exp(2u)) cancels (u = 1e-5 came out 0.14% off, 3e-6 0.7%). It is
// about 1.7x as fast: no exponent bits to build, only fused multiply-adds and
// one division. The rounding can land one ulp above 1, so the quotient is
// clamped to [-1, 1]. No clamp on the input: where u^2 overflows (or the
// quotient is inf / inf) the |u| >= 9 test replaces the result anyway. NaN fails
// every comparison and so passes through.
static inline float sc_tanhf_fast(float u) {
    float s = u * u;
    float p = -8.488770773634831e-14f;
    p = p * s + 5.2779728319386282e-11f;
    p = p * s - 2.0225278486498783e-08f;
    p = p * s + 1.1154321711355381e-05f;
    p = p * s + 0.0031039575279490105f;
    p = p * s + 0.13084011285511535f;
    p = p * s + 0.99999999339267198f;
    float q = 0.00025461471159963497f;
    q = q * s + 0.024495183655152877f;
    q = q * s + 0.4641733838844645f;
    q = q * s + 1.0f;
    float t = u * p / q;
    t = t > 1.0f ? 1.0f : (t < -1.0f ? -1.0f : t);
    return u >= 9.0f ? 1.0f : (u <= -9.0f ? -1.0f : t);
}

#endif
