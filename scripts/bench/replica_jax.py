#!/usr/bin/env python3
"""JAX (jit, CPU, float32) replicas of scaffold's benchmark cases, on the inputs
`scaffold bench export` wrote. Every op follows the C source it names; the
replica first reproduces scaffold's values (common.RTOL), then answers timing
requests from compare.py. Standalone:
    python3 scripts/bench/replica_jax.py --export DIR --check-only
"""
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

ARGS = common.parse_args(sys.argv[1:])
common.pin_threads(ARGS.threads)

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

jax.config.update("jax_enable_x64", False)


# ---- ops (src/ops, src/kernels) --------------------------------------------------------
def layernorm(x, g, b, eps):  # kernels/layernorm.c: biased variance, 1/sqrt(var + eps)
    m = x.mean(-1, keepdims=True)
    v = ((x - m) ** 2).mean(-1, keepdims=True)
    return (x - m) / jnp.sqrt(v + eps) * g + b


def gelu(x):  # ops/unary.c: tanh approximation, k0 = sqrt(2/pi), k1 = 0.044715
    return 0.5 * x * (1.0 + jnp.tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)))


def sparsemax(z):  # kernels/sparse.c over the last axis (here: a vector of head coefficients)
    zs = -jnp.sort(-z)
    k = jnp.arange(1, z.shape[-1] + 1, dtype=z.dtype)
    cs = jnp.cumsum(zs)
    support = jax.lax.stop_gradient((1.0 + k * zs > cs).astype(z.dtype))
    kz = support.sum()
    tau = ((support * zs).sum() - 1.0) / kz
    return jnp.maximum(z - tau, 0.0)


def dropout(x, p, key):  # ops/nn.c: keep with probability 1-p, scale 1/(1-p)
    if key is None or p == 0:
        return x, key
    key, sub = jax.random.split(key)
    keep = jax.random.bernoulli(sub, 1.0 - p, x.shape)
    return jnp.where(keep, x / (1.0 - p), 0.0), key


# ---- (a) the transformer block (src/bench/block.h) ---------------------------------------
def block_case(ex):
    B, T, C, H = (int(ex.cfg(k)) for k in ("B", "T", "C", "heads"))
    ex.require("gelu", "tanh")
    eps, D = float(ex.cfg("ln_eps")), C // H
    P = {k: jnp.asarray(v) for k, v in ex.tensors.items() if k not in ("x", "r")}
    x, r = jnp.asarray(ex.tensors["x"]), jnp.asarray(ex.tensors["r"])

    def loss(P, x, r):
        h = layernorm(x, P["ln1.g"], P["ln1.b"], eps)
        qkv = (h @ P["attn.w"] + P["attn.b"]).reshape(B, T, 3, H, D).transpose(2, 0, 3, 1, 4)
        a = jax.nn.softmax(qkv[0] @ qkv[1].swapaxes(-1, -2) * (1.0 / math.sqrt(D)), -1)
        o = (a @ qkv[2]).transpose(0, 2, 1, 3).reshape(B, T, C)
        x1 = x + o @ P["proj.w"] + P["proj.b"]
        m = gelu(layernorm(x1, P["ln2.g"], P["ln2.b"], eps) @ P["fc.w"] + P["fc.b"])
        return jnp.mean((x1 + m @ P["out.w"] + P["out.b"]) * r)

    def sumsq(t):
        return sum(jnp.sum(g * g) for g in jax.tree_util.tree_leaves(t))

    fwd = jax.jit(loss)
    fb = jax.jit(jax.grad(loss))
    gg = jax.jit(jax.grad(lambda P, x, r: sumsq(jax.grad(loss)(P, x, r))))
    checks = [
        common.check_scalar("block", "forward.loss", fwd(P, x, r), ex.checks["forward.loss"]),
        common.check_scalar("block", "forward+backward.grad_sq", sumsq(fb(P, x, r)),
                            ex.checks["forward+backward.grad_sq"]),
        common.check_scalar("block", "double-backward.hvp_sq", sumsq(gg(P, x, r)),
                            ex.checks["double-backward.hvp_sq"]),
    ]
    timers = [("jax", name, lambda f=f: jax.block_until_ready(f(P, x, r)))
              for name, f in (("forward", fwd), ("forward+backward", fb), ("double-backward", gg))]
    return checks, timers


# ---- (b, c) the SMaT cases (src/bench/meta_case.h) ------------------------------------
class Smat:
    """The student run's computation: text transformers (nn/text_transformer.c,
    nn/encoder.c), attention explainers (explain/attention.c), L_sim + β·L_expl
    (smat/objective.c, explain/losses.c), SGD (optim/sgd.c, clip.c), AdamW (adam.c)."""

    def __init__(self, ex):
        self.ex = ex
        for side in ("teacher", "student"):
            ex.require(side + ".pooling", "cls", "mean")
        for side in ("texpl", "sexpl"):
            ex.require(side + ".head_normalizer", "sparsemax", "softmax", "none")
            ex.require(side + ".aggregation", "mean")
            ex.require(side + ".unit_normalizer", "softmax")
            ex.require(side + ".learn_temperature", "true")
        ex.require("expl_loss", "kl")
        ex.require("hypergrad", "unrolled")
        if int(ex.cfg("unroll")) != 1 or int(ex.cfg("regression")):
            raise SystemExit("replica: implements unrolled-1 on classification only")
        ex.require("student_optim.kind", "sgd")
        ex.require("meta_optim.kind", "adamw")
        if float(ex.cfg("student_optim.momentum")) != 0:
            raise SystemExit("replica: the student SGD has no momentum here")
        c = ex.cfg
        self.beta, self.lr, self.meta_lr = float(c("beta")), float(c("lr")), float(c("meta_lr"))
        self.wd, self.clip = float(c("student_optim.weight_decay")), float(c("student_optim.clip"))
        self.mclip, self.mwd = float(c("meta_optim.clip")), float(c("meta_optim.weight_decay"))
        self.b1, self.b2, self.meps = (float(c("meta_optim." + k)) for k in ("beta1", "beta2", "eps"))
        self.kl_eps, self.fill = float(c("kl_eps")), float(c("expl_mask_fill"))
        self.attn_fill, self.ln_eps, self.clip_eps = float(c("attention_mask_fill")), float(c("ln_eps")), float(
            c("clip_eps"))

    # -- models --
    def encoder(self, P, side, x, mask, key):
        c = self.ex.cfg
        L, H = int(c(side + ".layers")), int(c(side + ".heads"))
        p_drop = float(c(side + ".dropout")) if key is not None else 0.0
        B, T, C = x.shape
        D = C // H
        drop4 = (mask == 0)[:, None, None, :]  # (B, 1, 1, T): keys that are padding
        logits = []
        for i in range(L):
            q = lambda n: P[f"enc.{i}.{n}"]  # noqa: E731
            h = layernorm(x, q("ln1.g"), q("ln1.b"), self.ln_eps)
            qkv = (h @ q("attn.qkv.w") + q("attn.qkv.b")).reshape(B, T, 3, H, D).transpose(2, 0, 3, 1, 4)
            lg = jnp.where(drop4, self.attn_fill, qkv[0] @ qkv[1].swapaxes(-1, -2) * (1.0 / math.sqrt(D)))
            o = (jax.nn.softmax(lg, -1) @ qkv[2]).transpose(0, 2, 1, 3).reshape(B, T, C)
            o, key = dropout(o @ q("attn.proj.w") + q("attn.proj.b"), p_drop, key)
            x = x + o
            m = gelu(layernorm(x, q("ln2.g"), q("ln2.b"), self.ln_eps) @ q("mlp.fc.w") + q("mlp.fc.b"))
            m, key = dropout(m @ q("mlp.out.w") + q("mlp.out.b"), p_drop, key)
            x = x + m
            logits.append(lg)
        return layernorm(x, P["enc.lnf.g"], P["enc.lnf.b"], self.ln_eps), logits, key

    def forward(self, P, side, ids, mask, key=None):
        """Logits (B, K) and the attention logits of every layer (B, H, T, T)."""
        c = self.ex.cfg
        p_drop = float(c(side + ".dropout")) if key is not None else 0.0
        T = ids.shape[1]
        x, key = dropout(P["embed.tokens"][ids] + P["embed.pos"][:T], p_drop, key)
        h, logits, key = self.encoder(P, side, x, mask, key)
        if c(side + ".pooling") == "cls":
            pooled = h[:, 0]
        else:
            pooled = (h * mask[:, :, None]).sum(1) / jnp.maximum(mask.sum(1, keepdims=True), 1.0)
        pooled, key = dropout(pooled, p_drop, key)
        return pooled @ P["head.w"] + P["head.b"], logits

    # -- explainers: z_u = Σ_h norm(c)_h mean_q logits[q, u], scaled by exp(-log T) --
    def explain_scores(self, E, side, logits, mask):
        wq = (mask != 0).astype(mask.dtype)
        wq = wq / wq.sum(1, keepdims=True)  # mean over real query rows ([CLS] included)
        A = jnp.concatenate([(lg * wq[:, None, :, None]).sum(2) for lg in logits], axis=1)  # (B, L*H, T)
        norm = self.ex.cfg(side + ".head_normalizer")
        coef = E["coef"]
        w = sparsemax(coef) if norm == "sparsemax" else jax.nn.softmax(coef) if norm == "softmax" else coef
        z = (A * w[None, :, None]).sum(1)
        return z * jnp.exp(-E["log_temperature"])

    def unit_mask(self, mask):
        return mask.at[:, 0].set(0.0)  # [CLS] is no unit

    def inner_loss(self, th, phi, tP, ids, mask, labels, beta, key=None):
        """L_sim + β·L_expl (smat/objective.c: sc_smat_inner_loss); θ = (student, ψ)."""
        sP, psi = th
        y, s_logits = self.forward(sP, "student", ids, mask, key)
        lsim = -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(y, -1), labels[:, None], 1))
        if beta == 0:
            return lsim
        _, t_logits = self.forward(tP, "teacher", ids, mask)  # frozen: a constant of θ and φ
        t_logits = [jax.lax.stop_gradient(lg) for lg in t_logits]
        um = self.unit_mask(mask)
        z = self.explain_scores(phi, "texpl", t_logits, mask)
        p = jax.nn.softmax(jnp.where(um == 0, self.attn_fill, z), -1)  # explain normalizer (temperature 1)
        s = self.explain_scores(psi, "sexpl", s_logits, mask)  # raw scores
        q = jax.nn.softmax(jnp.where(um != 0, s, self.fill), -1)
        pt = jnp.where(um != 0, p, 0.0)
        e = self.kl_eps
        kl = jnp.mean(jnp.sum(pt * (jnp.log(jnp.clip(pt, e, 1 - e)) - jnp.log(jnp.clip(q, e, 1 - e))), -1))
        return lsim + beta * kl

    def outer_loss(self, th, ids, mask, labels):
        y, _ = self.forward(th[0], "student", ids, mask)
        return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(y, -1), labels[:, None], 1))

    # -- optimizers --
    def sgd(self, th, g):
        """optim/sgd.c with clip.c: d = f g + wd θ, f = min(1, c / (‖g‖ + 1e-6)); θ - lr d."""
        norm = jnp.sqrt(sum(jnp.sum(x * x) for x in jax.tree_util.tree_leaves(g)))
        f = jnp.where(self.clip / (norm + self.clip_eps) < 1.0, self.clip / (norm + self.clip_eps), 1.0)
        return jax.tree_util.tree_map(lambda t, d: t - self.lr * (f * d + self.wd * t), th, g)

    def adamw(self, phi, d, m, v, t):
        """optim/adam.c, decoupled, after clipping d; t = the step number (1-based)."""
        norm = jnp.sqrt(sum(jnp.sum(x * x) for x in jax.tree_util.tree_leaves(d)))
        f = jnp.where(self.mclip / (norm + self.clip_eps) < 1.0, self.mclip / (norm + self.clip_eps), 1.0)
        bc1, bc2 = 1 - self.b1 ** t, 1 - self.b2 ** t
        m = jax.tree_util.tree_map(lambda m_, d_: self.b1 * m_ + (1 - self.b1) * f * d_, m, d)
        v = jax.tree_util.tree_map(lambda v_, d_: self.b2 * v_ + (1 - self.b2) * (f * d_) ** 2, v, d)
        phi = jax.tree_util.tree_map(
            lambda p, m_, v_: p * (1 - self.meta_lr * self.mwd) - self.meta_lr * (m_ / bc1) / (jnp.sqrt(v_ / bc2)
                                                                                            + self.meps), phi, m, v)
        return phi, m, v


def smat_case(ex):
    S = Smat(ex)
    j = lambda d: {k: jnp.asarray(v) for k, v in d.items()}  # noqa: E731
    tP, phi = j(ex.prefixed("teacher.")), j(ex.prefixed("texpl."))
    th = (j(ex.prefixed("student.")), j(ex.prefixed("sexpl.")))
    tr = tuple(jnp.asarray(ex.tensors["train." + k]) for k in ("ids", "mask", "labels"))
    va = tuple(jnp.asarray(ex.tensors["valid." + k]) for k in ("ids", "mask", "labels"))
    beta, name = S.beta, ex.case

    def loss_after(th, phi, tP, tr, beta):
        L = lambda th: S.inner_loss(th, phi, tP, *tr, beta)  # noqa: E731
        return L(th), L(S.sgd(th, jax.grad(L)(th)))

    def outer_of_phi(phi, th, tP, tr, va):
        g = jax.grad(lambda th: S.inner_loss(th, phi, tP, *tr, S.beta))(th)
        return S.outer_loss(S.sgd(th, g), *va)

    def meta_step(phi, m, v, t, th, tP, tr, va):
        outer, d = jax.value_and_grad(outer_of_phi)(phi, th, tP, tr, va)
        phi, m, v = S.adamw(phi, d, m, v, t)
        return phi, m, v, outer, d

    def train_step(th, phi, tP, tr, key, beta):
        key, sub = jax.random.split(key)
        g = jax.grad(lambda th: S.inner_loss(th, phi, tP, *tr, beta, sub))(th)
        return S.sgd(th, g), key

    after = jax.jit(loss_after, static_argnums=4)
    meta = jax.jit(meta_step)
    train = jax.jit(train_step, static_argnums=5)
    flat = lambda d: np.concatenate([np.asarray(d[k]).ravel() for k in ex.prefixed("texpl.")])  # noqa: E731
    zeros = jax.tree_util.tree_map(jnp.zeros_like, phi)
    checks = []
    for label, b in (("plain", 0.0), ("explained", beta)):
        l0, l1 = after(th, phi, tP, tr, b)
        checks.append(common.check_scalar(name, label + ".loss", l0, ex.checks[label + ".loss"]))
        checks.append(common.check_scalar(name, label + ".loss_after_step", l1, ex.checks[label + ".loss_after_step"]))
    phi1, _, _, outer, d = meta(phi, zeros, zeros, 1.0, th, tP, tr, va)
    checks.append(common.check_scalar(name, "meta.outer_loss", outer, ex.checks["meta.outer_loss"]))
    checks.append(common.check_vector(name, "meta.dphi", flat(d), ex.tensors["check.meta.dphi"]))
    phi0 = flat(phi)  # the AdamW update φ' - φ, not φ' itself (|update| is 1e-4 of |φ|)
    checks.append(common.check_vector(name, "meta.phi_update", flat(phi1) - phi0,
                                      ex.tensors["check.meta.phi_after"] - phi0))

    state = {"th": th, "key": jax.random.PRNGKey(0), "meta": (phi, zeros, zeros, 0)}

    def run_train(b):
        state["th"], state["key"] = train(state["th"], phi, tP, tr, state["key"], b)
        jax.block_until_ready(state["th"])

    def run_meta():  # the AdamW state advances as scaffold's does; θ stays (sc_student_meta_step restores it)
        p, m, v, t = state["meta"]
        p, m, v, _, _ = meta(p, m, v, float(t + 1), th, tP, tr, va)
        jax.block_until_ready(p)
        state["meta"] = (p, m, v, t + 1)

    timers = [("jax", "plain", lambda: run_train(0.0)), ("jax", "explained", lambda: run_train(beta)),
              ("jax", "meta-unrolled-1", run_meta)]
    return checks, timers


def main():
    checks, timers = [], {}
    for name, ex in common.load_cases(ARGS.export, ARGS.cases).items():
        c, t = block_case(ex) if name == "block" else smat_case(ex)
        checks += c
        timers[name] = t
    common.finish("jax " + jax.__version__, checks, timers, ARGS.threads, ARGS.check_only)


if __name__ == "__main__":
    main()
