"""Wrong implementations of chapter 2's exercises, the kind students write.

Each mutant maps solution-cell grade_ids to replacement source. ``HIDDEN_ONLY`` lists mutants
that pass every visible test: only the hidden tests can catch them, which is what they are for.
``MESSAGES`` maps a mutant to the test cell whose failure message must name its mistake, and a
phrase of that "Likely cause" (from convlab.mistakes).
"""

SIZE = '''
def conv_output_size(i, k, p=0, s=1, d=1):
    i, k = validate.positive_int(i, "i"), validate.positive_int(k, "k")
    s, d = validate.positive_int(s, "s"), validate.positive_int(d, "d")
    P_CHECK
    k_eff = K_EFF
    FIT_CHECK
    return RESULT
'''
SIZE_P = ('validate.require(isinstance(p, (int, np.integer)) and not isinstance(p, bool) '
          'and p >= 0, "padding p must be a non-negative integer")')
SIZE_FIT = 'validate.require(k_eff <= i + 2 * p, "the kernel does not fit into the padded input")'


def size(RESULT="(i + 2 * p - k_eff) // s + 1", K_EFF="k + (k - 1) * (d - 1)", P_CHECK=SIZE_P,
         FIT_CHECK=SIZE_FIT):
    return (SIZE.replace("P_CHECK", P_CHECK).replace("K_EFF", K_EFF)
            .replace("FIT_CHECK", FIT_CHECK).replace("RESULT", RESULT))


SAME = '''
def same_padding(i, k, s=1, d=1):
    i, k = validate.positive_int(i, "i"), validate.positive_int(k, "k")
    s, d = validate.positive_int(s, "s"), validate.positive_int(d, "d")
    k_eff = K_EFF
    o = -(-i // s)
    total = TOTAL
    return RESULT
'''


def same(K_EFF="k + (k - 1) * (d - 1)", TOTAL="max((o - 1) * s + k_eff - i, 0)",
         RESULT="total // 2, total - total // 2"):
    return SAME.replace("K_EFF", K_EFF).replace("TOTAL", TOTAL).replace("RESULT", RESULT)


PAD = '''
def zero_pad(images, pad):
    images = validate.array(images, "images", ndim=4)
    if isinstance(pad, (int, np.integer)) and not isinstance(pad, bool):
        pad = ((pad, pad), (pad, pad))
    try:
        UNPACK = pad
    except (TypeError, ValueError):
        raise ValueError("pad must be an int or ((top, bottom), (left, right))") from None
    CHECK
    n, h, w, c = images.shape
    out = np.zeros((n, h + top + bottom, w + left + right, c))
    out[:, top:top + h, left:left + w, :] = images
    return out
'''
PAD_CHECK = ('for v in (top, bottom, left, right):\n'
             '        validate.require(isinstance(v, (int, np.integer)) and v >= 0, '
             '"pad amounts must be non-negative integers")')


def zpad(UNPACK="(top, bottom), (left, right)", CHECK=PAD_CHECK):
    return PAD.replace("UNPACK", UNPACK).replace("CHECK", CHECK)


CONV = '''
def conv2d(images, filters, bias=None, stride=1, padding="VALID"):
    images = validate.array(images, "images", ndim=4)
    filters = validate.array(filters, "filters", ndim=4)
    n, h, w, c = images.shape
    kh, kw, c_in, f = filters.shape
    validate.require(c_in == c, "channels of images and filters differ")
    if bias is not None:
        bias = validate.array(bias, "bias", ndim=1)
        validate.require(bias.shape == (f,), "bias must have one value per filter")
    if isinstance(stride, (int, np.integer)):
        stride = (stride, stride)
    STRIDES
    validate.require(sh > 0 and sw > 0, "stride must be positive")
    if isinstance(padding, str):
        validate.require(padding in ("VALID", "SAME"), "padding must be VALID, SAME or numbers")
        if padding == "VALID":
            padding = 0
        else:
            padding = SAME_PADS
    x = zero_pad(images, padding)
    validate.require(kh <= x.shape[1] and kw <= x.shape[2], "filters do not fit")
    windows = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(1, 2))[:, ::sh, ::sw]
    out = np.tensordot(windows, FILTERS, axes=([3, 4, 5], [2, 0, 1]))
    return RESULT
'''


# SAME padding split symmetrically, as students often write it: the TensorFlow total, halved
SYMMETRIC = "tuple((HALF,) * 2 for total in (sum(same_padding(h, kh, sh)), sum(same_padding(w, kw, sw))))"


def conv(STRIDES="sh, sw = stride", SAME_PADS="(same_padding(h, kh, sh), same_padding(w, kw, sw))",
         FILTERS="filters", RESULT="out if bias is None else out + bias"):
    return (CONV.replace("STRIDES", STRIDES).replace("SAME_PADS", SAME_PADS)
            .replace("FILTERS", FILTERS).replace("RESULT", RESULT))


RF = '''
def receptive_field(layers):
    validate.require(isinstance(layers, (list, tuple)) and len(layers) > 0, "layers must be a non-empty list")
    r, jump = 1, 1
    for layer in layers:
        validate.require(isinstance(layer, (list, tuple)) and len(layer) == 2, "each layer must be a (k, s) pair")
        k, s = validate.positive_int(layer[0], "k"), validate.positive_int(layer[1], "s")
        BODY
    return RESULT
'''


def rf(BODY="r += (k - 1) * jump\n        jump *= s", RESULT="r"):
    return RF.replace("BODY", BODY).replace("RESULT", RESULT)


MUTANTS = {
    # conv_output_size
    "size: ceil instead of floor":
        {"conv_output_size": size(RESULT="-(-(i + 2 * p - k_eff) // s) + 1")},
    "size: padding counted on one side only":
        {"conv_output_size": size(RESULT="(i + p - k_eff) // s + 1",
                                  FIT_CHECK=SIZE_FIT.replace("2 * p", "p"))},
    "size: dilation ignored":
        {"conv_output_size": size(K_EFF="k")},
    "size: effective kernel k * d":
        {"conv_output_size": size(K_EFF="k * d")},
    "size: no check that the kernel fits":
        {"conv_output_size": size(FIT_CHECK="pass")},
    "size: float division":
        {"conv_output_size": size(RESULT="(i + 2 * p - k_eff) / s + 1")},
    "size: negative padding accepted (hidden)":
        {"conv_output_size": size(P_CHECK="pass")},
    # same_padding
    "same: extra padding on top/left":
        {"same_padding": same(RESULT="total - total // 2, total // 2")},
    "same: stride ignored (total k - 1)":
        {"same_padding": same(TOTAL="k_eff - 1")},
    "same: symmetric (k - 1) // 2 on both sides":
        {"same_padding": same(RESULT="(k_eff - 1) // 2, (k_eff - 1) // 2")},
    "same: dilation ignored (hidden)":
        {"same_padding": same(K_EFF="k")},
    "same: negative total not clipped (hidden)":
        {"same_padding": same(TOTAL="(o - 1) * s + k_eff - i")},
    # zero_pad
    "pad: every axis padded (np.pad with an int)":
        {"zero_pad": "def zero_pad(images, pad):\n"
                     "    images = validate.array(images, 'images', ndim=4)\n"
                     "    validate.require(isinstance(pad, int) and pad >= 0, 'pad must be a non-negative int')\n"
                     "    return np.pad(images, pad)\n"},
    "pad: pairs read as ((top, left), (bottom, right))":
        {"zero_pad": zpad(UNPACK="(top, left), (bottom, right)")},
    "pad: negative amounts accepted":
        {"zero_pad": zpad(CHECK="pass")},
    # conv2d
    "conv2d: SAME extra padding at top/left":
        {"conv2d": conv(SAME_PADS="(same_padding(h, kh, sh)[::-1], same_padding(w, kw, sw)[::-1])")},
    "conv2d: SAME padding computed for stride 1":
        {"conv2d": conv(SAME_PADS="(same_padding(h, kh, 1), same_padding(w, kw, 1))")},
    "conv2d: SAME symmetric, total // 2 on both sides":
        {"conv2d": conv(SAME_PADS=SYMMETRIC.replace("HALF", "total // 2"))},
    "conv2d: SAME symmetric, ceil(total / 2) on both sides":
        {"conv2d": conv(SAME_PADS=SYMMETRIC.replace("HALF", "-(-total // 2)"))},
    "conv2d: stride ignored":
        {"conv2d": conv(STRIDES="sh, sw = 1, 1\n    stride = (1, 1)")},
    "conv2d: stride applied to the rows only":
        {"conv2d": conv(STRIDES="sh, sw = stride[0], 1")},
    "conv2d: filters flipped":
        {"conv2d": conv(FILTERS="filters[::-1, ::-1]")},
    "conv2d: bias ignored":
        {"conv2d": conv(RESULT="out")},
    "conv2d: stride pair swapped (hidden)":
        {"conv2d": conv(STRIDES="sw, sh = stride")},
    "conv2d: explicit int padding ignored (hidden)":
        {"conv2d": conv().replace("    x = zero_pad(images, padding)",
                                  "    x = images if not isinstance(padding, tuple) else zero_pad(images, padding)")},
    # receptive_field
    "rf: strides ignored":
        {"receptive_field": rf(BODY="r += k - 1")},
    "rf: own stride included":
        {"receptive_field": rf(BODY="jump *= s\n        r += (k - 1) * jump")},
    "rf: sum of kernel sizes":
        {"receptive_field": rf(BODY="r += k * jump\n        jump *= s", RESULT="r - 1")},
}

HIDDEN_ONLY = {
    "size: negative padding accepted (hidden)",
    "same: dilation ignored (hidden)",
    "same: negative total not clipped (hidden)",
    "conv2d: stride pair swapped (hidden)",
    "conv2d: explicit int padding ignored (hidden)",
}

MESSAGES = {
    "size: dilation ignored": ("test_conv_output_size_example", "the dilation is ignored"),
    "rf: own stride included": ("test_receptive_field_vs_tf", "own stride is multiplied"),
    "conv2d: SAME symmetric, total // 2 on both sides":
        ("test_conv2d_vs_tf", "symmetric padding with total // 2 on both sides"),
    "conv2d: SAME symmetric, ceil(total / 2) on both sides":
        ("test_conv2d_vs_tf", "symmetric padding with ceil(total / 2) on both sides"),
    "conv2d: SAME extra padding at top/left":
        ("test_conv2d_vs_tf", "extra row/column put at the top/left"),
    "conv2d: SAME padding computed for stride 1":
        ("test_conv2d_vs_tf", "as for stride 1"),
}
