#!/usr/bin/env python3
"""Fit the rational tanh of src/kernels/fastmath.h (prints its coefficients).

tanh(x) ~ x P(x^2) / Q(x^2) on [0, 9], P of degree 6 and Q of degree 3 in x^2,
Q(0) = 1. The fit minimizes the maximum *relative* error by iterated linear
least squares: Sanathanan-Koerner (divide each row by the previous Q, so the
linearized residual x P - tanh Q becomes the true residual) combined with
Lawson's reweighting (multiply each point's weight by its error, which drives
the weighted least-squares solution toward the minimax one). The best iterate is
kept. Needs numpy only; it is not part of the build or of CI.
"""
import numpy as np

X = 9.0          # tanh(9) = 1 - 3e-8 rounds to 1 in f32: the kernel returns +-1 from there on
S = X * X        # the fit runs in z = x^2 / 81 so the powers stay near 1
NP, NQ = 7, 4    # coefficients of P and of Q

x = (np.cos(np.linspace(0.0, np.pi, 40001)) + 1.0) / 2.0 * X  # Chebyshev-spaced
x = x[x > 1e-5]
t = np.tanh(x)
z = x * x / S
weight = np.ones_like(x)
q_prev = np.ones_like(x)
best = None
for it in range(200):
    A = np.column_stack([x * z**k for k in range(NP)] + [-t * z**k for k in range(1, NQ)])
    W = np.sqrt(weight) / (t * q_prev)
    c, *_ = np.linalg.lstsq(A * W[:, None], t * W, rcond=None)
    p, q = c[:NP], np.concatenate([[1.0], c[NP:]])
    q_prev = sum(q[k] * z**k for k in range(NQ))
    err = np.abs(x * sum(p[k] * z**k for k in range(NP)) / q_prev / t - 1.0)
    if best is None or err.max() < best[0]:
        best = (err.max(), p.copy(), q.copy())
    if it > 10:
        weight = weight * err
        weight /= weight.sum()

max_rel, p, q = best
assert all(v > 0 for v in q), "Q must have no real roots (all coefficients positive)"
print(f"max relative error of the rational function (f64): {max_rel:.3g}")
print("P (constant first):", ", ".join(f"{p[k] / S**k:.17g}" for k in range(NP)))
print("Q (constant first):", ", ".join(f"{q[k] / S**k:.17g}" for k in range(NQ)))
