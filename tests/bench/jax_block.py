#!/usr/bin/env python3
"""The transformer block of `scaffold bench engine`, timed in JAX (CPU, float32, jit).

A side-by-side reference for the engine benchmark, not used by CI or users:
    pip install "jax[cpu]"; python3 tests/bench/jax_block.py [--threads 1]
Same shapes, same pre-LN block (LN, QKV, 4-head attention, projection, LN, GELU
MLP 4x, residuals), same loss mean(y * r) and the same three passes: forward,
forward + gradient w.r.t. all parameters, and the gradient of <g, g> (grad of grad).
"""
import os
import sys
import time

threads = sys.argv[sys.argv.index("--threads") + 1] if "--threads" in sys.argv else "1"
os.environ["XLA_FLAGS"] = ("--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
                           if threads == "1" else "")
import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402

B, T, C, H = 32, 64, 128, 4
D = C // H
k = iter(jax.random.split(jax.random.PRNGKey(0), 16))
P = {
    "ln1g": jnp.ones(C), "ln1b": jnp.zeros(C), "wqkv": 0.02 * jax.random.normal(next(k), (C, 3 * C)),
    "bqkv": jnp.zeros(3 * C), "wp": 0.02 * jax.random.normal(next(k), (C, C)), "bp": jnp.zeros(C),
    "ln2g": jnp.ones(C), "ln2b": jnp.zeros(C), "w1": 0.02 * jax.random.normal(next(k), (C, 4 * C)),
    "b1": jnp.zeros(4 * C), "w2": 0.02 * jax.random.normal(next(k), (4 * C, C)), "b2": jnp.zeros(C),
}
x = jax.random.normal(next(k), (B, T, C))
r = jax.random.normal(next(k), (B, T, C))


def ln(x, g, b):
    m = x.mean(-1, keepdims=True)
    v = ((x - m) ** 2).mean(-1, keepdims=True)
    return (x - m) / jnp.sqrt(v + 1e-5) * g + b


def block(P):
    h = ln(x, P["ln1g"], P["ln1b"])
    qkv = (h @ P["wqkv"] + P["bqkv"]).reshape(B, T, 3, H, D).transpose(2, 0, 3, 1, 4)
    a = jax.nn.softmax(qkv[0] @ qkv[1].transpose(0, 1, 3, 2) / jnp.sqrt(D), -1)
    o = (a @ qkv[2]).transpose(0, 2, 1, 3).reshape(B, T, C)
    x1 = x + o @ P["wp"] + P["bp"]
    m = jax.nn.gelu(ln(x1, P["ln2g"], P["ln2b"]) @ P["w1"] + P["b1"], approximate=True)
    return jnp.mean((x1 + m @ P["w2"] + P["b2"]) * r)


fwd = jax.jit(block)
fb = jax.jit(jax.grad(block))
gg = jax.jit(jax.grad(lambda P: sum(jnp.sum(g * g) for g in jax.tree_util.tree_leaves(jax.grad(block)(P)))))


def timeit(f):
    jax.block_until_ready(f(P))
    ts = []
    start = time.perf_counter()
    while time.perf_counter() - start < 1.0 or len(ts) < 5:
        t0 = time.perf_counter()
        jax.block_until_ready(f(P))
        ts.append(time.perf_counter() - t0)
    return sorted(ts)[len(ts) // 2] * 1e3


print(f"jax {jax.__version__}, {threads} thread(s): block B={B} T={T} C={C} heads={H} (f32, jit)")
for name, f in [("forward", fwd), ("forward+backward", fb), ("fwd+bwd(create_graph)+bwd", gg)]:
    print(f"  {name:28s} {timeit(f):8.2f} ms")
