#!/usr/bin/env python3
"""PyTorch (CPU, float32; eager, and torch.compile where it works) replicas of
scaffold's benchmark cases, on the inputs `scaffold bench export` wrote. The
same computation as replica_jax.py, op for op from the C source; every variant
first reproduces scaffold's values (common.RTOL), then answers timing requests
from compare.py. A torch.compile'd function's gradient cannot be differentiated
again (torch 2.15), so the meta step and the block's double backward run eager
only; a note says what the installed torch answers (probed at start-up).
Standalone:
    python3 scripts/bench/replica_torch.py --export DIR --check-only [--no-compile]
"""
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

ARGS = common.parse_args(sys.argv[1:])
common.pin_threads(ARGS.threads)

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

torch.set_num_threads(ARGS.threads)
torch.set_num_interop_threads(1)
torch.manual_seed(0)


def tt(a):
    return torch.from_numpy(np.ascontiguousarray(a))


def leaves(d):
    return {k: tt(v).requires_grad_(True) for k, v in d.items()}


# ---- ops (src/ops, src/kernels) --------------------------------------------------------
def layernorm(x, g, b, eps):  # kernels/layernorm.c: biased variance, 1/sqrt(var + eps)
    return F.layer_norm(x, (x.shape[-1],), g, b, eps)


def gelu(x):  # ops/unary.c: tanh approximation
    return F.gelu(x, approximate="tanh")


def sparsemax(z):  # kernels/sparse.c over a vector of head coefficients
    zs, _ = torch.sort(z, descending=True)
    with torch.no_grad():
        k = torch.arange(1, z.shape[-1] + 1, dtype=z.dtype)
        support = (1.0 + k * zs > torch.cumsum(zs, 0)).to(z.dtype)
    tau = ((support * zs).sum() - 1.0) / support.sum()
    y = z - tau
    return torch.where(y > 0, y, torch.zeros_like(y))


def grad(out, ins, create_graph=False):
    """d out / d ins, zeros for inputs the output does not depend on (as sc_grad)."""
    return torch.autograd.grad(out, ins, create_graph=create_graph, allow_unused=True, materialize_grads=True)


def sumsq(ts):
    return sum((t * t).sum() for t in ts)


def maybe_compile(fn, use):
    return torch.compile(fn) if use else fn


# ---- (a) the transformer block (src/bench/block.h) ---------------------------------------
def block_case(ex, compiled):
    B, T, C, H = (int(ex.cfg(k)) for k in ("B", "T", "C", "heads"))
    ex.require("gelu", "tanh")
    eps, D = float(ex.cfg("ln_eps")), C // H
    P = leaves({k: v for k, v in ex.tensors.items() if k not in ("x", "r")})
    names = list(P)
    x, r = tt(ex.tensors["x"]), tt(ex.tensors["r"])

    def loss(*ps):
        p = dict(zip(names, ps))
        h = layernorm(x, p["ln1.g"], p["ln1.b"], eps)
        qkv = (h @ p["attn.w"] + p["attn.b"]).reshape(B, T, 3, H, D).permute(2, 0, 3, 1, 4)
        a = torch.softmax(qkv[0] @ qkv[1].transpose(-1, -2) * (1.0 / math.sqrt(D)), -1)
        o = (a @ qkv[2]).permute(0, 2, 1, 3).reshape(B, T, C)
        x1 = x + o @ p["proj.w"] + p["proj.b"]
        m = gelu(layernorm(x1, p["ln2.g"], p["ln2.b"], eps) @ p["fc.w"] + p["fc.b"])
        return torch.mean((x1 + m @ p["out.w"] + p["out.b"]) * r)

    f = maybe_compile(loss, compiled)
    ps = [P[n] for n in names]

    def fwd():
        with torch.no_grad():
            return f(*ps)

    def fb():
        return grad(f(*ps), ps)

    def gg():
        g = grad(f(*ps), ps, create_graph=True)
        return grad(sumsq(g), ps)

    checks = [common.check_scalar("block", "forward.loss", fwd(), ex.checks["forward.loss"]),
              common.check_scalar("block", "forward+backward.grad_sq", sumsq(fb()),
                                  ex.checks["forward+backward.grad_sq"])]
    timers = [("forward", fwd), ("forward+backward", fb)]
    if not compiled:  # double backward: eager only
        checks.append(common.check_scalar("block", "double-backward.hvp_sq", sumsq(gg()),
                                          ex.checks["double-backward.hvp_sq"]))
        timers.append(("double-backward", gg))
    return checks, timers


# ---- (b, c) the SMaT cases (src/bench/meta_case.h) ------------------------------------
class Smat:
    """As replica_jax.Smat: text transformers (nn/text_transformer.c, nn/encoder.c),
    attention explainers (explain/attention.c), L_sim + β·L_expl (smat/objective.c,
    explain/losses.c), SGD (optim/sgd.c, clip.c), AdamW (optim/adam.c)."""

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
        self.attn_fill, self.ln_eps = float(c("attention_mask_fill")), float(c("ln_eps"))
        self.clip_eps = float(c("clip_eps"))
        self.shape = {s: (int(c(s + ".layers")), int(c(s + ".heads")), float(c(s + ".dropout")), c(s + ".pooling"))
                      for s in ("teacher", "student")}

    # -- models --
    def forward(self, P, side, ids, mask, train=False):
        """Logits (B, K) and the attention logits of every layer (B, H, T, T)."""
        L, H, p_drop, pooling = self.shape[side]
        B, T = ids.shape
        x = F.dropout(P["embed.tokens"][ids] + P["embed.pos"][:T], p_drop, train)
        C = x.shape[-1]
        D = C // H
        drop4 = (mask == 0)[:, None, None, :]
        logits = []
        for i in range(L):
            q = lambda n: P[f"enc.{i}.{n}"]  # noqa: E731
            h = layernorm(x, q("ln1.g"), q("ln1.b"), self.ln_eps)
            qkv = (h @ q("attn.qkv.w") + q("attn.qkv.b")).reshape(B, T, 3, H, D).permute(2, 0, 3, 1, 4)
            lg = (qkv[0] @ qkv[1].transpose(-1, -2) * (1.0 / math.sqrt(D))).masked_fill(drop4, self.attn_fill)
            o = (torch.softmax(lg, -1) @ qkv[2]).permute(0, 2, 1, 3).reshape(B, T, C)
            x = x + F.dropout(o @ q("attn.proj.w") + q("attn.proj.b"), p_drop, train)
            m = gelu(layernorm(x, q("ln2.g"), q("ln2.b"), self.ln_eps) @ q("mlp.fc.w") + q("mlp.fc.b"))
            x = x + F.dropout(m @ q("mlp.out.w") + q("mlp.out.b"), p_drop, train)
            logits.append(lg)
        h = layernorm(x, P["enc.lnf.g"], P["enc.lnf.b"], self.ln_eps)
        if pooling == "cls":
            pooled = h[:, 0]
        else:
            pooled = (h * mask[:, :, None]).sum(1) / mask.sum(1, keepdim=True).clamp(min=1.0)
        return F.dropout(pooled, p_drop, train) @ P["head.w"] + P["head.b"], logits

    def explain_scores(self, E, side, logits, mask):
        wq = (mask != 0).to(mask.dtype)
        wq = wq / wq.sum(1, keepdim=True)  # mean over real query rows ([CLS] included)
        A = torch.cat([(lg * wq[:, None, :, None]).sum(2) for lg in logits], dim=1)  # (B, L*H, T)
        norm = self.ex.cfg(side + ".head_normalizer")
        coef = E["coef"]
        w = sparsemax(coef) if norm == "sparsemax" else torch.softmax(coef, -1) if norm == "softmax" else coef
        z = (A * w[None, :, None]).sum(1)
        return z * torch.exp(-E["log_temperature"])

    def inner_loss(self, sP, psi, phi, tP, ids, mask, labels, beta, train=False):
        y, s_logits = self.forward(sP, "student", ids, mask, train)
        lsim = F.cross_entropy(y, labels)
        if beta == 0:
            return lsim
        with torch.no_grad():  # the frozen teacher
            _, t_logits = self.forward(tP, "teacher", ids, mask)
        um = mask.clone()
        um[:, 0] = 0.0  # [CLS] is no unit
        z = self.explain_scores(phi, "texpl", t_logits, mask)
        p = torch.softmax(z.masked_fill(um == 0, self.attn_fill), -1)
        s = self.explain_scores(psi, "sexpl", s_logits, mask)
        q = torch.softmax(torch.where(um != 0, s, torch.full_like(s, self.fill)), -1)
        pt = torch.where(um != 0, p, torch.zeros_like(p))
        e = self.kl_eps
        kl = (pt * (torch.log(pt.clamp(e, 1 - e)) - torch.log(q.clamp(e, 1 - e)))).sum(-1).mean()
        return lsim + beta * kl

    def outer_loss(self, sP, ids, mask, labels):
        return F.cross_entropy(self.forward(sP, "student", ids, mask)[0], labels)

    def clip_factor(self, g, c):
        norm = torch.sqrt(sumsq(g))
        f = c / (norm + self.clip_eps)
        return torch.where(f < 1.0, f, torch.ones_like(f))

    def sgd(self, th, g):
        """optim/sgd.c with clip.c: d = f g + wd θ; θ - lr d (a graph when g is one)."""
        f = self.clip_factor(g, self.clip)
        return [t - self.lr * (f * d + self.wd * t) for t, d in zip(th, g)]

    def adamw(self, phi, d, m, v, t):  # in place, optim/adam.c decoupled
        with torch.no_grad():
            f = self.clip_factor(d, self.mclip)
            bc1, bc2 = 1 - self.b1 ** t, 1 - self.b2 ** t
            for p, d_, m_, v_ in zip(phi, d, m, v):
                d_ = f * d_
                m_.mul_(self.b1).add_((1 - self.b1) * d_)
                v_.mul_(self.b2).add_((1 - self.b2) * d_ * d_)
                p.mul_(1 - self.meta_lr * self.mwd).sub_(self.meta_lr * (m_ / bc1) / (torch.sqrt(v_ / bc2) + self.meps))


def smat_case(ex, compiled):
    S = Smat(ex)
    tP = {k: tt(v) for k, v in ex.prefixed("teacher.").items()}
    sP, psi, phi = leaves(ex.prefixed("student.")), leaves(ex.prefixed("sexpl.")), leaves(ex.prefixed("texpl."))
    s_names, psi_names = list(sP), list(psi)
    theta = [sP[k] for k in s_names] + [psi[k] for k in psi_names]
    phis = list(phi.values())
    tr = tuple(tt(ex.tensors["train." + k]) for k in ("ids", "mask", "labels"))
    va = tuple(tt(ex.tensors["valid." + k]) for k in ("ids", "mask", "labels"))
    tr = (tr[0].long(), tr[1], tr[2].long())
    va = (va[0].long(), va[1], va[2].long())
    name = ex.case

    def split(th):
        return dict(zip(s_names, th[:len(s_names)])), dict(zip(psi_names, th[len(s_names):]))

    def inner(th, beta, train=False):
        s, p = split(th)
        return S.inner_loss(s, p, phi, tP, *tr, beta, train)

    inner_c = maybe_compile(inner, compiled)

    def loss_after(beta):
        L = inner_c(theta, beta)
        g = grad(L, theta)
        with torch.no_grad():
            th1 = [t.detach().requires_grad_(False) for t in S.sgd(theta, g)]
            return L, inner_c(th1, beta)

    def outer_and_dphi():
        g = grad(inner(theta, S.beta), theta, create_graph=True)
        Lo = S.outer_loss(split(S.sgd(theta, g))[0], *va)
        return Lo, grad(Lo, phis)

    checks = []
    for label, b in (("plain", 0.0), ("explained", S.beta)):
        l0, l1 = loss_after(b)
        checks.append(common.check_scalar(name, label + ".loss", l0, ex.checks[label + ".loss"]))
        checks.append(common.check_scalar(name, label + ".loss_after_step", l1, ex.checks[label + ".loss_after_step"]))
    if not compiled:
        flat = lambda ts: np.concatenate([t.detach().numpy().ravel() for t in ts])  # noqa: E731
        phi0 = flat(phis)
        outer, d = outer_and_dphi()
        checks.append(common.check_scalar(name, "meta.outer_loss", outer, ex.checks["meta.outer_loss"]))
        checks.append(common.check_vector(name, "meta.dphi", flat(d), ex.tensors["check.meta.dphi"]))
        m, v = [torch.zeros_like(p) for p in phis], [torch.zeros_like(p) for p in phis]
        S.adamw(phis, d, m, v, 1)
        checks.append(common.check_vector(name, "meta.phi_update", flat(phis) - phi0,
                                          ex.tensors["check.meta.phi_after"] - phi0))
        with torch.no_grad():
            for p, p0 in zip(phis, np.split(phi0, np.cumsum([p.numel() for p in phis])[:-1])):
                p.copy_(tt(p0.reshape(p.shape)))

    def train_step(beta):
        g = grad(inner_c(theta, beta, True), theta)
        with torch.no_grad():
            f = S.clip_factor(g, S.clip)
            for t, d in zip(theta, g):
                t.sub_(S.lr * (f * d + S.wd * t))

    meta_state = {"m": [torch.zeros_like(p) for p in phis], "v": [torch.zeros_like(p) for p in phis], "t": 0}

    def meta_step():  # the AdamW state advances as scaffold's does; θ stays
        _, d = outer_and_dphi()
        meta_state["t"] += 1
        S.adamw(phis, d, meta_state["m"], meta_state["v"], meta_state["t"])

    timers = [("plain", lambda: train_step(0.0)), ("explained", lambda: train_step(S.beta))]
    if not compiled:
        timers.append(("meta-unrolled-1", meta_step))
    return checks, timers


def probe_compiled_double_backward():
    """Why the compiled variant leaves double backward out, as this torch version answers."""
    w = torch.randn(4, 4, requires_grad=True)
    f = torch.compile(lambda w: torch.tanh(w @ w).sum())
    try:
        g, = torch.autograd.grad(f(w), [w], create_graph=True)
        torch.autograd.grad((g * g).sum(), [w])
        return "this torch differentiates a compiled gradient, but the replica does not use it (not implemented)"
    except Exception as e:
        return f"the gradient of a compiled function is not differentiable here ({type(e).__name__}: {str(e)[:120]})"


def main():
    checks, timers, notes = [], {}, []
    exports = common.load_cases(ARGS.export, ARGS.cases)
    variants = [("torch", False)] + ([] if ARGS.no_compile else [("torch.compile", True)])
    for label, compiled in variants:
        for name, ex in exports.items():
            try:
                c, t = block_case(ex, compiled) if name == "block" else smat_case(ex, compiled)
            except Exception as e:
                if not compiled:
                    raise
                notes.append({"framework": label, "case": name, "note": f"left out: {type(e).__name__}: {e}"[:300]})
                continue
            for x in c:
                x["framework"] = label
            checks += c
            timers.setdefault(name, []).extend((label, p, run) for p, run in t)
    if not ARGS.no_compile:
        notes.append({"framework": "torch.compile", "case": ",".join(exports),
                      "note": "double backward (the block's third pass, the meta step) runs eager only: "
                              + probe_compiled_double_backward()})
    common.finish("torch " + torch.__version__, checks, timers, ARGS.threads, ARGS.check_only, notes)


if __name__ == "__main__":
    main()
