"""Chapter 8's alternative correct implementations for the fairness suite (tests/fairness.py,
issue 14): every exercise in every NumPy style, written differently from the reference solution.
The capstones use the submission's own functions of the chapter, whatever their style."""
from fairness import Alt

CH08 = {
    "loops": {
        "numeric_gradient": Alt("a fresh copy of x per evaluation, flat indices, own messages", '''
def numeric_gradient(f, x, h=1e-5):
    if not callable(f):
        raise ValueError(f"f should be callable, got {f!r}")
    if not np.isscalar(h) or isinstance(h, (bool, str)) or not h > 0:
        raise ValueError(f"the step h has to be > 0 (got {h!r})")
    x = np.asarray(x, dtype=np.float64)
    grad = np.empty(x.size)
    for i in range(x.size):
        plus, minus = x.copy().ravel(), x.copy().ravel()
        plus[i] += h
        minus[i] -= h
        grad[i] = (f(plus.reshape(x.shape)) - f(minus.reshape(x.shape))) / (2.0 * h)
    return grad.reshape(x.shape)
'''),
        "conv2d_backward": Alt("loops over examples, positions and filters; own messages", '''
def conv2d_backward(dout, images, filters, stride=1, padding="VALID"):
    images, filters, dout = (np.asarray(a, dtype=float) for a in (images, filters, dout))
    if images.ndim != 4 or filters.ndim != 4 or dout.ndim != 4:
        raise ValueError("images, filters and dout should all be 4-D")
    if padding not in ("VALID", "SAME"):
        raise ValueError(f"unknown padding {padding!r} (use 'VALID' or 'SAME')")
    if isinstance(stride, bool) or not isinstance(stride, (int, np.integer)) or stride < 1:
        raise ValueError(f"stride should be an integer >= 1, not {stride!r}")
    N, H, W, C = images.shape
    kh, kw, C2, F = filters.shape
    if C2 != C:
        raise ValueError(f"images have {C} channels, filters expect {C2}")
    pad_h = pad_w = (0, 0)
    if padding == "SAME":
        oh, ow = -(-H // stride), -(-W // stride)
        th, tw = max((oh - 1) * stride + kh - H, 0), max((ow - 1) * stride + kw - W, 0)
        pad_h, pad_w = (th // 2, th - th // 2), (tw // 2, tw - tw // 2)
    else:
        oh, ow = (H - kh) // stride + 1, (W - kw) // stride + 1
    if dout.shape != (N, oh, ow, F):
        raise ValueError(f"dout has shape {dout.shape}, but the convolution's output is {(N, oh, ow, F)}")
    x = np.pad(images, ((0, 0), pad_h, pad_w, (0, 0)))
    dx, dw, db = np.zeros_like(x), np.zeros_like(filters), np.zeros(F)
    for n in range(N):
        for i in range(oh):
            for j in range(ow):
                r, c = i * stride, j * stride
                for f in range(F):
                    g = dout[n, i, j, f]
                    db[f] += g
                    dw[:, :, :, f] += g * x[n, r:r + kh, c:c + kw, :]
                    dx[n, r:r + kh, c:c + kw, :] += g * filters[:, :, :, f]
    return dx[:, pad_h[0]:pad_h[0] + H, pad_w[0]:pad_w[0] + W], dw, db
'''),
        "pool2d_backward": Alt("loops over every window, first maximum by hand", '''
def pool2d_backward(dout, images, size=2, stride=None, mode="max", padding="VALID"):
    images, dout = np.asarray(images, dtype=float), np.asarray(dout, dtype=float)
    if images.ndim != 4 or dout.ndim != 4:
        raise ValueError("images and dout should be 4-D (N, H, W, C)")
    if mode not in ("max", "avg"):
        raise ValueError(f"mode should be 'max' or 'avg', not {mode!r}")
    if padding not in ("VALID", "SAME"):
        raise ValueError(f"padding should be 'VALID' or 'SAME', not {padding!r}")
    kh, kw = (size, size) if np.isscalar(size) else size
    sh, sw = (kh, kw) if stride is None else ((stride, stride) if np.isscalar(stride) else stride)
    N, H, W, C = images.shape
    if padding == "SAME":
        oh, ow = -(-H // sh), -(-W // sw)
        top = max((oh - 1) * sh + kh - H, 0) // 2
        left = max((ow - 1) * sw + kw - W, 0) // 2
    else:
        oh, ow, top, left = (H - kh) // sh + 1, (W - kw) // sw + 1, 0, 0
    if dout.shape != (N, oh, ow, C):
        raise ValueError(f"dout has shape {dout.shape}; the pooled output is {(N, oh, ow, C)}")
    dx = np.zeros_like(images)
    for n in range(N):
        for i in range(oh):
            for j in range(ow):
                r0, c0 = i * sh - top, j * sw - left
                r1, c1 = max(r0, 0), max(c0, 0)
                r2, c2 = min(r0 + kh, H), min(c0 + kw, W)
                for ch in range(C):
                    g = dout[n, i, j, ch]
                    if mode == "avg":
                        dx[n, r1:r2, c1:c2, ch] += g / ((r2 - r1) * (c2 - c1))
                        continue
                    best, where = -np.inf, None
                    for r in range(r1, r2):
                        for c in range(c1, c2):
                            if images[n, r, c, ch] > best:
                                best, where = images[n, r, c, ch], (r, c)
                    dx[n, where[0], where[1], ch] += g
    return dx
'''),
        "dense_backward": Alt("row by row", '''
def dense_backward(dout, x, w):
    x, w, dout = (np.asarray(a, dtype=float) for a in (x, w, dout))
    if x.ndim != 2 or w.ndim != 2 or w.shape[0] != x.shape[1]:
        raise ValueError(f"w {w.shape} does not fit x {x.shape}")
    if dout.shape != (x.shape[0], w.shape[1]):
        raise ValueError(f"dout should be {(x.shape[0], w.shape[1])}, is {dout.shape}")
    dx, dw, db = np.zeros_like(x), np.zeros_like(w), np.zeros(w.shape[1])
    for n in range(len(x)):
        dx[n] = w @ dout[n]
        dw += np.outer(x[n], dout[n])
        db += dout[n]
    return dx, dw, db
'''),
        "softmax_cross_entropy": Alt("row by row, own messages", '''
def softmax_cross_entropy(logits, labels):
    logits = np.asarray(logits, dtype=float)
    if logits.ndim != 2:
        raise ValueError(f"logits should be (N, K), got shape {logits.shape}")
    labels = list(labels)
    N, K = logits.shape
    if len(labels) != N or any(int(y) != y or not 0 <= y < K for y in labels):
        raise ValueError(f"labels should be {N} integers between 0 and {K - 1}")
    total, grad = 0.0, np.zeros_like(logits)
    for n, y in enumerate(labels):
        top = max(logits[n])
        exps = [np.exp(z - top) for z in logits[n]]
        s = sum(exps)
        total += np.log(s) - (logits[n, int(y)] - top)
        for k in range(K):
            grad[n, k] = exps[k] / s - (1.0 if k == int(y) else 0.0)
    return total / N, grad / N
'''),
        "adam_step": Alt("the paper's bias-corrected form with Keras' epsilon, eps / sqrt(1 - b2^t)", '''
def adam_step(param, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, epsilon=1e-7):
    param, grad, m, v = (np.array(a, dtype=float) for a in (param, grad, m, v))
    for name, a in (("grad", grad), ("m", m), ("v", v)):
        if a.shape != param.shape:
            raise ValueError(f"{name} is {a.shape}, param is {param.shape}")
    if isinstance(t, bool) or not isinstance(t, (int, np.integer)) or t < 1:
        raise ValueError(f"t counts steps from 1; got {t!r}")
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad ** 2
    m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
    return param - lr * m_hat / (np.sqrt(v_hat) + epsilon / np.sqrt(1 - beta2 ** t)), m, v
'''),
        "train_tiny_cnn": Alt("np.take(..., mode='wrap') for the batches, a list of states", '''
def train_tiny_cnn(images, labels, params, steps=20, batch_size=32, lr=1e-3):
    images, labels = np.asarray(images, dtype=float), np.asarray(labels)
    keys = ["conv_w", "conv_b", "dense_w", "dense_b"]
    state = [[np.array(params[k], dtype=float), 0.0 * np.asarray(params[k]), 0.0 * np.asarray(params[k])]
             for k in keys]
    losses = []
    for t in range(1, steps + 1):
        idx = np.arange((t - 1) * batch_size, t * batch_size)
        x, y = np.take(images, idx, axis=0, mode="wrap"), np.take(labels, idx, mode="wrap")
        (cw, _, _), (cb, _, _), (dw, _, _), (dbias, _, _) = state
        z = conv2d(x, cw, cb, 1, "SAME")
        a = relu(z)
        p = pool2d(a, 2)
        flat = p.reshape(p.shape[0], -1)
        loss, dlogits = softmax_cross_entropy(dense(flat, dw, dbias), y)
        dflat, g_dw, g_db = dense_backward(dlogits, flat, dw)
        dz = pool2d_backward(dflat.reshape(p.shape), a, 2) * (z > 0)
        _, g_cw, g_cb = conv2d_backward(dz, x, cw, 1, "SAME")
        for entry, g in zip(state, (g_cw, g_cb, g_dw, g_db)):
            entry[:] = adam_step(entry[0], g, entry[1], entry[2], t, lr)
        losses.append(loss)
    return np.array(losses), {k: entry[0] for k, entry in zip(keys, state)}
'''),
    },
    "vectorised": {
        "numeric_gradient": Alt("one row of np.eye(x.size) * h per entry", '''
def numeric_gradient(f, x, h=1e-5):
    validate.require(callable(f), "f must be a function")
    validate.require(np.isscalar(h) and np.isreal(h) and h > 0, f"h must be positive, got {h!r}")
    x = np.asarray(x, dtype=float)
    steps = np.eye(x.size) * h
    flat = x.ravel()
    grad = np.array([f((flat + e).reshape(x.shape)) - f((flat - e).reshape(x.shape)) for e in steps])
    return grad.reshape(x.shape) / (2 * h)
'''),
        "conv2d_backward": Alt("d_images as the full convolution of the spread-out dout with the "
                               "flipped kernel; np.einsum", '''
def conv2d_backward(dout, images, filters, stride=1, padding="VALID"):
    images = validate.array(images, "images", ndim=4)
    filters = validate.array(filters, "filters", ndim=4)
    dout = validate.array(dout, "dout", ndim=4)
    s = validate.positive_int(stride, "stride")
    validate.require(padding in ("VALID", "SAME"), f"padding must be VALID or SAME, not {padding!r}")
    n, h, w, c = images.shape
    kh, kw, c2, f = filters.shape
    validate.require(c2 == c, f"filters expect {c2} channels, images have {c}")
    if padding == "SAME":
        th = max((-(-h // s) - 1) * s + kh - h, 0)
        tw = max((-(-w // s) - 1) * s + kw - w, 0)
    else:
        th = tw = 0
    hp, wp = h + th, w + tw
    oh, ow = (hp - kh) // s + 1, (wp - kw) // s + 1
    validate.require(dout.shape == (n, oh, ow, f), f"dout must be {(n, oh, ow, f)}, not {dout.shape}")
    x = np.pad(images, ((0, 0), (th // 2, th - th // 2), (tw // 2, tw - tw // 2), (0, 0)))
    view = np.lib.stride_tricks.sliding_window_view
    d_filters = np.einsum("nhwcij,nhwf->ijcf", view(x, (kh, kw), axis=(1, 2))[:, ::s, ::s][:, :oh, :ow], dout)
    spread = np.zeros((n, s * (oh - 1) + 1, s * (ow - 1) + 1, f))
    spread[:, ::s, ::s] = dout
    # the full convolution: pad by k - 1, and enough at the end to reach the padded input's size
    full = np.pad(spread, ((0, 0), (kh - 1, hp - spread.shape[1]), (kw - 1, wp - spread.shape[2]), (0, 0)))
    flipped = filters[::-1, ::-1]
    dx = np.einsum("nhwfij,ijcf->nhwc", view(full, (kh, kw), axis=(1, 2)), flipped)
    return dx[:, th // 2:th // 2 + h, tw // 2:tw // 2 + w], d_filters, np.einsum("nhwf->f", dout)
'''),
        "pool2d_backward": Alt("a one-hot mask of the first maximum, np.add.at at index grids", '''
def pool2d_backward(dout, images, size=2, stride=None, mode="max", padding="VALID"):
    images = validate.array(images, "images", ndim=4)
    dout = validate.array(dout, "dout", ndim=4)
    validate.require(mode in ("max", "avg"), f"mode must be max or avg, not {mode!r}")
    validate.require(padding in ("VALID", "SAME"), f"padding must be VALID or SAME, not {padding!r}")
    kh, kw = (size, size) if isinstance(size, int) else tuple(size)
    sh, sw = (kh, kw) if stride is None else ((stride, stride) if isinstance(stride, int) else tuple(stride))
    n, h, w, c = images.shape
    tot_h = max((-(-h // sh) - 1) * sh + kh - h, 0) if padding == "SAME" else 0
    tot_w = max((-(-w // sw) - 1) * sw + kw - w, 0) if padding == "SAME" else 0
    x = np.pad(images, ((0, 0), (tot_h // 2, tot_h - tot_h // 2), (tot_w // 2, tot_w - tot_w // 2), (0, 0)),
               constant_values=np.nan)
    oh, ow = (x.shape[1] - kh) // sh + 1, (x.shape[2] - kw) // sw + 1
    validate.require(dout.shape == (n, oh, ow, c), f"dout must be {(n, oh, ow, c)}, not {dout.shape}")
    windows = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(1, 2))[:, ::sh, ::sw][:, :oh, :ow]
    windows = windows.reshape(n, oh, ow, c, kh * kw)
    real = ~np.isnan(windows)
    if mode == "max":
        filled = np.where(real, windows, -np.inf)
        weight = np.zeros(windows.shape)
        np.put_along_axis(weight, filled.argmax(axis=-1)[..., None], 1.0, axis=-1)
    else:
        weight = real / real.sum(axis=-1, keepdims=True)
    share = weight * dout[..., None]                                   # (n, oh, ow, c, kh*kw)
    r = (np.arange(oh) * sh)[:, None] + np.arange(kh)[None, :]        # (oh, kh)
    q = (np.arange(ow) * sw)[:, None] + np.arange(kw)[None, :]        # (ow, kw)
    rows = np.broadcast_to(r[None, :, None, None, :, None], (n, oh, ow, c, kh, kw))
    cols = np.broadcast_to(q[None, None, :, None, None, :], (n, oh, ow, c, kh, kw))
    nn = np.broadcast_to(np.arange(n)[:, None, None, None, None, None], rows.shape)
    cc = np.broadcast_to(np.arange(c)[None, None, None, :, None, None], rows.shape)
    dx = np.zeros(x.shape)
    np.add.at(dx, (nn, rows, cols, cc), share.reshape(n, oh, ow, c, kh, kw))
    return dx[:, tot_h // 2:tot_h // 2 + h, tot_w // 2:tot_w // 2 + w]
'''),
        "dense_backward": Alt("np.einsum", '''
def dense_backward(dout, x, w):
    x = validate.array(x, "x", ndim=2)
    w = validate.array(w, "w", ndim=2)
    dout = validate.array(dout, "dout", ndim=2)
    validate.require(x.shape[1] == w.shape[0], f"x has {x.shape[1]} features, w {w.shape[0]} rows")
    validate.require(dout.shape == (len(x), w.shape[1]), f"dout must be {(len(x), w.shape[1])}")
    return np.einsum("nm,dm->nd", dout, w), np.einsum("nd,nm->dm", x, dout), np.einsum("nm->m", dout)
'''),
        "softmax_cross_entropy": Alt("np.logaddexp.reduce and np.take_along_axis", '''
def softmax_cross_entropy(logits, labels):
    logits = validate.array(logits, "logits", ndim=2)
    labels = np.asarray(labels)
    validate.require(labels.shape == (len(logits),) and np.all(labels == labels.astype(int))
                     and np.all((labels >= 0) & (labels < logits.shape[1])),
                     f"labels must be {len(logits)} class ids in 0..{logits.shape[1] - 1}")
    labels = labels.astype(int)
    lse = np.logaddexp.reduce(logits, axis=1)
    picked = np.take_along_axis(logits, labels[:, None], axis=1)[:, 0]
    onehot = np.eye(logits.shape[1])[labels]
    return np.mean(lse - picked), (np.exp(logits - lse[:, None]) - onehot) / len(logits)
'''),
        "adam_step": Alt("in-place updates on copies (np.multiply, np.add with out=)", '''
def adam_step(param, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, epsilon=1e-7):
    param, grad, m, v = (validate.array(a, name, allow_empty=True).copy()
                         for a, name in ((param, "param"), (grad, "grad"), (m, "m"), (v, "v")))
    for a, name in ((grad, "grad"), (m, "m"), (v, "v")):
        validate.require(a.shape == param.shape, f"{name} must have the shape of param")
    t = validate.positive_int(t, "t")
    np.multiply(m, beta1, out=m)
    m += (1 - beta1) * grad
    np.multiply(v, beta2, out=v)
    v += (1 - beta2) * np.square(grad)
    param -= lr * np.sqrt(1 - beta2 ** t) / (1 - beta1 ** t) * m / (np.sqrt(v) + epsilon)
    return param, m, v
'''),
        "train_tiny_cnn": Alt("parameters, moments and gradients as stacked lists", '''
def train_tiny_cnn(images, labels, params, steps=20, batch_size=32, lr=1e-3):
    images, labels = np.asarray(images, dtype=float), np.asarray(labels, dtype=int)
    names = ("conv_w", "conv_b", "dense_w", "dense_b")
    p = [np.array(params[k], dtype=float) for k in names]
    m, v = [np.zeros_like(a) for a in p], [np.zeros_like(a) for a in p]
    losses = np.zeros(steps)
    for k in range(steps):
        rows = np.mod(np.arange(k * batch_size, (k + 1) * batch_size), len(images))
        x, y = images[rows], labels[rows]
        z = conv2d(x, p[0], p[1], 1, "SAME")
        pooled = pool2d(relu(z), 2)
        losses[k], dlogits = softmax_cross_entropy(dense(pooled.reshape(len(x), 128), p[2], p[3]), y)
        dflat, g2, g3 = dense_backward(dlogits, pooled.reshape(len(x), 128), p[2])
        dz = np.where(z > 0, pool2d_backward(dflat.reshape(pooled.shape), relu(z), 2), 0.0)
        g0, g1 = conv2d_backward(dz, x, p[0], 1, "SAME")[1:]
        for i, g in enumerate((g0, g1, g2, g3)):
            p[i], m[i], v[i] = adam_step(p[i], g, m[i], v[i], k + 1, lr)
    return losses, dict(zip(names, p))
'''),
    },
    "scalars": {
        "numeric_gradient": Alt("np.fromiter over np.ndindex, f's value kept as np.float64", '''
def numeric_gradient(f, x, h=1e-5):
    validate.require(callable(f), "f is not callable")
    validate.require(np.float64(h) > 0, f"h must be > 0; got {h}")
    x = np.array(x, dtype=np.float64)

    def entry(i):
        old = x[i]
        x[i] = old + np.float64(h)
        up = np.float64(f(x))
        x[i] = old - np.float64(h)
        down = np.float64(f(x))
        x[i] = old
        return (up - down) / np.float64(2 * h)

    return np.fromiter((entry(i) for i in np.ndindex(x.shape)), dtype=np.float64,
                       count=x.size).reshape(x.shape)
'''),
        "conv2d_backward": Alt("np.tensordot, a list as the result, np.int64 sizes from np.prod", '''
def conv2d_backward(dout, images, filters, stride=1, padding="VALID"):
    images = validate.array(images, "images", ndim=4)
    filters = validate.array(filters, "filters", ndim=4)
    dout = validate.array(dout, "dout", ndim=4)
    s = validate.positive_int(stride, "stride")
    validate.require(padding in ("VALID", "SAME"), f"padding {padding!r} is neither VALID nor SAME")
    n, h, w, c = images.shape
    kh, kw, c_in, f = filters.shape
    validate.require(c_in == c, "filters and images differ in their number of channels")
    out = [np.int64(-(-h // s)), np.int64(-(-w // s))] if padding == "SAME" else \\
          [np.int64((h - kh) // s + 1), np.int64((w - kw) // s + 1)]
    validate.require(min(out) > 0 and dout.shape == (n, *out, f), f"dout must have shape {(n, *out, f)}")
    tot = [max((o - 1) * s + k - i, 0) if padding == "SAME" else 0
           for o, k, i in zip(out, (kh, kw), (h, w))]
    before = [t // 2 for t in tot]
    x = np.pad(images, ((0, 0), (before[0], tot[0] - before[0]), (before[1], tot[1] - before[1]), (0, 0)))
    dx = np.zeros_like(x)
    d_filters = np.zeros_like(filters)
    oh, ow = out
    for m in range(kh):
        for q in range(kw):
            patch = x[:, m:m + s * (oh - 1) + 1:s, q:q + s * (ow - 1) + 1:s, :]      # (n, oh, ow, c)
            d_filters[m, q] = np.tensordot(patch, dout, axes=([0, 1, 2], [0, 1, 2]))
            dx[:, m:m + s * (oh - 1) + 1:s, q:q + s * (ow - 1) + 1:s, :] += np.tensordot(
                dout, filters[m, q], axes=([3], [1]))
    d_bias = np.array([np.sum(dout[..., k]) for k in range(f)])
    return [dx[:, before[0]:before[0] + h, before[1]:before[1] + w], d_filters, d_bias]
'''),
        "pool2d_backward": Alt("the reference's geometry with np.int64 counts, scatter by offsets", '''
def pool2d_backward(dout, images, size=2, stride=None, mode="max", padding="VALID"):
    images = validate.array(images, "images", ndim=4)
    dout = validate.array(dout, "dout", ndim=4)
    sz = np.broadcast_to(np.asarray(size, dtype=np.int64), (2,))
    st = sz if stride is None else np.broadcast_to(np.asarray(stride, dtype=np.int64), (2,))
    validate.require(mode in ("max", "avg"), f"unknown mode {mode!r}")
    validate.require(padding in ("VALID", "SAME"), f"unknown padding {padding!r}")
    n, h, w, c = images.shape
    dims = np.array([h, w], dtype=np.int64)
    out = -(-dims // st) if padding == "SAME" else (dims - sz) // st + 1
    tot = np.maximum((out - 1) * st + sz - dims, 0) if padding == "SAME" else np.zeros(2, np.int64)
    validate.require(dout.shape == (n, *out.tolist(), c), f"dout should have the pooled shape")
    (kh, kw), (sh, sw), (oh, ow) = sz.tolist(), st.tolist(), out.tolist()
    t, l = (tot // 2).tolist()
    x = np.full((n, h + int(tot[0]), w + int(tot[1]), c), -np.inf)
    x[:, t:t + h, l:l + w] = images
    real = np.isfinite(x[:1, :, :, :1]).astype(np.int64)
    dx = np.zeros(x.shape)
    best = np.full((n, oh, ow, c), -np.inf)
    where = np.zeros((n, oh, ow, c), dtype=np.int64)
    count = np.zeros((1, oh, ow, 1), dtype=np.int64)
    for m in range(kh):
        for q in range(kw):
            part = x[:, m:m + sh * (oh - 1) + 1:sh, q:q + sw * (ow - 1) + 1:sw]
            better = part > best                                  # strictly: the first max stays
            best, where = np.where(better, part, best), np.where(better, m * kw + q, where)
            count += real[:, m:m + sh * (oh - 1) + 1:sh, q:q + sw * (ow - 1) + 1:sw]
    for m in range(kh):
        for q in range(kw):
            target = dx[:, m:m + sh * (oh - 1) + 1:sh, q:q + sw * (ow - 1) + 1:sw]
            target += dout * (where == m * kw + q) if mode == "max" else dout / count
    return dx[:, t:t + h, l:l + w]
'''),
        "dense_backward": Alt("np.dot, np.sum over axis 0 as np.float64 entries", '''
def dense_backward(dout, x, w):
    x = validate.array(x, "x", ndim=2)
    w = validate.array(w, "w", ndim=2)
    dout = validate.array(dout, "dout", ndim=2)
    validate.require(x.shape[1] == w.shape[0] and dout.shape == (x.shape[0], w.shape[1]),
                     f"dout {dout.shape}, x {x.shape} and w {w.shape} do not fit together")
    return np.dot(dout, w.T), np.dot(x.T, dout), np.array([np.float64(col.sum()) for col in dout.T])
'''),
        "softmax_cross_entropy": Alt("the loss as np.float64 (np.mean), labels through np.int64", '''
def softmax_cross_entropy(logits, labels):
    logits = validate.array(logits, "logits", ndim=2)
    labels = validate.array(labels, "labels", ndim=1)
    n, k = logits.shape
    validate.require(len(labels) == n, f"labels: {len(labels)} ids for {n} rows")
    validate.require(np.all(np.mod(labels, 1) == 0) and labels.min() >= 0 and labels.max() < k,
                     f"labels must be class ids 0 ... {k - 1}")
    ids = labels.astype(np.int64)
    shifted = logits - np.max(logits, axis=1, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    grad = np.exp(log_probs)
    grad[np.arange(n), ids] -= 1
    return np.mean(-log_probs[np.arange(n), ids]), grad / np.float64(n)
'''),
        "adam_step": Alt("np.float64 hyperparameters, np.power for the corrections", '''
def adam_step(param, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, epsilon=1e-7):
    param, grad, m, v = (validate.array(a, name, allow_empty=True)
                         for a, name in ((param, "param"), (grad, "grad"), (m, "m"), (v, "v")))
    validate.require(grad.shape == m.shape == v.shape == param.shape,
                     f"param, grad, m and v must share one shape: grad {grad.shape}, m {m.shape}, v {v.shape}")
    t = validate.positive_int(t, "t")
    b1, b2 = np.float64(beta1), np.float64(beta2)
    m = b1 * m + (1 - b1) * grad
    v = b2 * v + (1 - b2) * np.square(grad)
    alpha = np.float64(lr) * np.sqrt(1 - np.power(b2, t)) / (1 - np.power(b1, t))
    return param - alpha * m / (np.sqrt(v) + np.float64(epsilon)), m, v
'''),
        "train_tiny_cnn": Alt("losses as a list of np.float64, parameters updated in a new dict", '''
def train_tiny_cnn(images, labels, params, steps=20, batch_size=32, lr=1e-3):
    images = np.asarray(images, dtype=np.float64)
    labels = np.asarray(labels).astype(np.int64)
    params = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
    moments = {k: (np.zeros_like(v), np.zeros_like(v)) for k, v in params.items()}
    losses = []
    n = np.int64(len(images))
    for step in range(steps):
        rows = (np.int64(step) * batch_size + np.arange(batch_size)) % n
        x, y = images[rows], labels[rows]
        pre = conv2d(x, params["conv_w"], params["conv_b"], 1, "SAME")
        act = relu(pre)
        pooled = pool2d(act, 2)
        flat = pooled.reshape(batch_size, -1)
        loss, d = softmax_cross_entropy(dense(flat, params["dense_w"], params["dense_b"]), y)
        d, g_dense_w, g_dense_b = dense_backward(d, flat, params["dense_w"])
        d = pool2d_backward(d.reshape(pooled.shape), act, 2) * (pre > 0)
        _, g_conv_w, g_conv_b = conv2d_backward(d, x, params["conv_w"], 1, "SAME")
        grads = dict(conv_w=g_conv_w, conv_b=g_conv_b, dense_w=g_dense_w, dense_b=g_dense_b)
        new = {}
        for k in ("conv_w", "conv_b", "dense_w", "dense_b"):
            new[k], m, v = adam_step(params[k], grads[k], *moments[k], step + 1, lr)
            moments[k] = (m, v)
        params = new
        losses.append(np.float64(loss))
    return losses, params
'''),
    },
    "lists": {
        "numeric_gradient": Alt("np.asarray first (lists accepted), a list of rows", '''
def numeric_gradient(f, x, h=1e-5):
    if not callable(f):
        raise ValueError("f must be callable")
    if not (isinstance(h, (int, float)) and h > 0):
        raise ValueError(f"h = {h!r}: h must be a positive step")
    base = np.asarray(x, dtype=float)
    grad = []
    for i in range(base.size):
        e = np.zeros(base.size)
        e[i] = h
        grad.append((f(base + e.reshape(base.shape)) - f(base - e.reshape(base.shape))) / (2 * h))
    return np.asarray(grad).reshape(base.shape)
'''),
        "conv2d_backward": Alt("np.asarray first; the reference's scatter, a tuple of float arrays", '''
def conv2d_backward(dout, images, filters, stride=1, padding="VALID"):
    dout, images, filters = (np.asarray(a, dtype=float) for a in (dout, images, filters))
    if dout.ndim != 4 or images.ndim != 4 or filters.ndim != 4:
        raise ValueError("dout, images and filters must be 4-D arrays")
    if padding not in ("SAME", "VALID"):
        raise ValueError(f"padding: expected 'SAME' or 'VALID', got {padding!r}")
    if not isinstance(stride, int) or stride < 1:
        raise ValueError(f"stride: expected a positive int, got {stride!r}")
    n, h, w, c = images.shape
    kh, kw, c_in, f = filters.shape
    if c_in != c:
        raise ValueError(f"the filters' input channels ({c_in}) and the images' channels ({c}) differ")
    s = stride
    pads = [(0, 0), (0, 0)]
    if padding == "SAME":
        pads = []
        for size, k in ((h, kh), (w, kw)):
            total = max((-(-size // s) - 1) * s + k - size, 0)
            pads.append((total // 2, total - total // 2))
    x = np.pad(images, [(0, 0)] + pads + [(0, 0)])
    oh, ow = (x.shape[1] - kh) // s + 1, (x.shape[2] - kw) // s + 1
    if list(dout.shape) != [n, oh, ow, f]:
        raise ValueError(f"dout: expected shape {[n, oh, ow, f]}, got {list(dout.shape)}")
    dx, dw = np.zeros(x.shape), np.zeros(filters.shape)
    for m in range(kh):
        for q in range(kw):
            rows, cols = slice(m, m + s * (oh - 1) + 1, s), slice(q, q + s * (ow - 1) + 1, s)
            dw[m, q] = x[:, rows, cols].reshape(-1, c).T @ dout.reshape(-1, f)
            dx[:, rows, cols] += dout @ filters[m, q].T
    (t, _), (l, _) = pads
    return dx[:, t:t + h, l:l + w], dw, dout.reshape(-1, f).sum(axis=0)
'''),
        "pool2d_backward": Alt("np.asarray first; sizes as lists; a Python list of window maxima", '''
def pool2d_backward(dout, images, size=2, stride=None, mode="max", padding="VALID"):
    dout, images = np.asarray(dout, dtype=float), np.asarray(images, dtype=float)
    if images.ndim != 4 or dout.ndim != 4:
        raise ValueError("images and dout must be (N, H, W, C)")
    if mode not in ["max", "avg"]:
        raise ValueError(f"mode: expected 'max' or 'avg', got {mode!r}")
    if padding not in ["VALID", "SAME"]:
        raise ValueError(f"padding: expected 'VALID' or 'SAME', got {padding!r}")
    k = list(size) if isinstance(size, (list, tuple)) else [size, size]
    s = k if stride is None else (list(stride) if isinstance(stride, (list, tuple)) else [stride, stride])
    n, h, w, c = images.shape
    before, out = [], []
    for i, (length, kk, ss) in enumerate(zip([h, w], k, s)):
        if padding == "SAME":
            o = -(-length // ss)
            before.append(max((o - 1) * ss + kk - length, 0) // 2)
        else:
            o = (length - kk) // ss + 1
            before.append(0)
        out.append(o)
    if list(dout.shape) != [n, out[0], out[1], c]:
        raise ValueError(f"dout: expected shape {[n, out[0], out[1], c]}, got {list(dout.shape)}")
    dx = np.zeros(images.shape)
    for i in range(out[0]):
        for j in range(out[1]):
            r0, c0 = max(i * s[0] - before[0], 0), max(j * s[1] - before[1], 0)
            r1, c1 = min(i * s[0] - before[0] + k[0], h), min(j * s[1] - before[1] + k[1], w)
            win = images[:, r0:r1, c0:c1, :].reshape(n, -1, c)
            if mode == "avg":
                dx[:, r0:r1, c0:c1, :] += (dout[:, i, j, :] / win.shape[1])[:, None, None, :]
                continue
            first = win.argmax(axis=1)                              # (n, c)
            for nn in range(n):
                for cc in range(c):
                    r, q = divmod(int(first[nn, cc]), c1 - c0)
                    dx[nn, r0 + r, c0 + q, cc] += dout[nn, i, j, cc]
    return dx
'''),
        "dense_backward": Alt("np.asarray first (lists accepted)", '''
def dense_backward(dout, x, w):
    dout, x, w = np.asarray(dout, dtype=float), np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    if x.ndim != 2 or w.ndim != 2 or dout.ndim != 2:
        raise ValueError("dout, x and w must be 2-D")
    if w.shape[0] != x.shape[1] or dout.shape != (x.shape[0], w.shape[1]):
        raise ValueError(f"shapes do not fit: dout {dout.shape}, x {x.shape}, w {w.shape}")
    return dout.dot(w.T), x.T.dot(dout), dout.sum(0)
'''),
        "softmax_cross_entropy": Alt("np.asarray first; the loss as a Python float", '''
def softmax_cross_entropy(logits, labels):
    logits, labels = np.asarray(logits, dtype=float), np.asarray(labels)
    if logits.ndim != 2:
        raise ValueError(f"logits must be 2-D (N, K); got {logits.ndim}-D")
    n, k = logits.shape
    if labels.shape != (n,) or not np.all((labels >= 0) & (labels < k) & (labels % 1 == 0)):
        raise ValueError(f"labels must be {n} class ids from 0 to {k - 1}")
    rows, ids = np.arange(n), labels.astype(int)
    top = logits.max(axis=1)
    log_norm = top + np.log(np.exp(logits - top[:, None]).sum(axis=1))
    probs = np.exp(logits - log_norm[:, None])
    probs[rows, ids] -= 1
    return float((log_norm - logits[rows, ids]).mean()), probs / n
'''),
        "adam_step": Alt("np.asarray first; lists accepted", '''
def adam_step(param, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, epsilon=1e-7):
    param, grad, m, v = (np.asarray(a, dtype=float) for a in (param, grad, m, v))
    if grad.shape != param.shape:
        raise ValueError(f"grad: shape {grad.shape}, param {param.shape}")
    if m.shape != param.shape or v.shape != param.shape:
        raise ValueError(f"m and v must have param's shape {param.shape}")
    if not isinstance(t, (int, np.integer)) or t < 1:
        raise ValueError(f"t must be 1 or more (the first step is t = 1); got {t}")
    m_new = m + (grad - m) * (1 - beta1)
    v_new = v + (grad ** 2 - v) * (1 - beta2)
    step = lr * (1 - beta2 ** t) ** 0.5 / (1 - beta1 ** t)
    return param - step * m_new / (v_new ** 0.5 + epsilon), m_new, v_new
'''),
        "train_tiny_cnn": Alt("lists of images and labels accepted; losses returned as a list", '''
def train_tiny_cnn(images, labels, params, steps=20, batch_size=32, lr=1e-3):
    images, labels = np.asarray(images, dtype=float), np.asarray(labels, dtype=int)
    cw, cb, dw, db = (np.asarray(params[k], dtype=float).copy()
                      for k in ("conv_w", "conv_b", "dense_w", "dense_b"))
    moments = [[0.0 * a, 0.0 * a] for a in (cw, cb, dw, db)]
    losses = []
    for k in range(steps):
        rows = [(k * batch_size + i) % len(images) for i in range(batch_size)]
        x, y = images[rows], labels[rows]
        pre = conv2d(x, cw, cb, 1, "SAME")
        pooled = pool2d(relu(pre), 2)
        flat = pooled.reshape(len(rows), -1)
        loss, d_logits = softmax_cross_entropy(dense(flat, dw, db), y)
        d_flat, g_dw, g_db = dense_backward(d_logits, flat, dw)
        d_pre = pool2d_backward(d_flat.reshape(pooled.shape), relu(pre), 2) * (pre > 0)
        _, g_cw, g_cb = conv2d_backward(d_pre, x, cw, 1, "SAME")
        updated = []
        for a, g, mv in zip((cw, cb, dw, db), (g_cw, g_cb, g_dw, g_db), moments):
            a, mv[0], mv[1] = adam_step(a, g, mv[0], mv[1], k + 1, lr)
            updated.append(a)
        cw, cb, dw, db = updated
        losses.append(float(loss))
    return losses, {"conv_w": cw, "conv_b": cb, "dense_w": dw, "dense_b": db}
'''),
    },
}
