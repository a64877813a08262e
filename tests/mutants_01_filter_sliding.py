"""Wrong implementations of chapter 1's exercises, the kind students write.

Each mutant maps solution-cell grade_ids to replacement source. ``HIDDEN_ONLY`` lists mutants
that pass every visible test: only the hidden tests can catch them, which is what they are for.
"""

SINGLE_OK = '''
def conv2d_single(image, kernel):
    image = validate.array(image, "image", ndim=2)
    kernel = validate.array(kernel, "kernel", ndim=2)
    (h, w), (kh, kw) = image.shape, kernel.shape
    validate.require(kh <= h and kw <= w, "kernel must fit inside the image")
    out = np.zeros((h - kh + 1, w - kw + 1))
    for i in range(h - kh + 1):
        for j in range(w - kw + 1):
            out[i, j] = np.sum(image[i:i + kh, j:j + kw] * KERNEL)
    return out
'''


def single(body_kernel="kernel", **subs):
    src = SINGLE_OK.replace("KERNEL", body_kernel)
    for old, new in subs.items():
        src = src.replace(old.replace("_", " ") if False else old, new)
    return src


MULTI_OK = '''
def conv2d_multi(images, filters, bias):
    images = validate.array(images, "images", ndim=4)
    filters = validate.array(filters, "filters", ndim=4)
    bias = validate.array(bias, "bias", ndim=1)
    n, h, w, c = images.shape
    kh, kw, c_in, f = filters.shape
    validate.require(c_in == c, "channels of images and filters differ")
    BIAS_CHECK
    validate.require(kh <= h and kw <= w, "filters must fit inside the images")
    oh, ow = h - kh + 1, w - kw + 1
    out = np.zeros((n, oh, ow, f))
    for m in range(kh):
        for q in range(KW):
            out += images[:, m:m + oh, q:q + ow, :] @ FILTER
    return RESULT
'''


def multi(KW="kw", FILTER="filters[m, q]", RESULT="out + bias",
          BIAS_CHECK='validate.require(bias.shape == (f,), "bias must have one value per filter")'):
    return (MULTI_OK.replace("BIAS_CHECK", BIAS_CHECK).replace("KW", KW)
            .replace("FILTER", FILTER).replace("RESULT", RESULT))


COUNT = '''
def conv_param_count(kh, kw, c_in, c_out, use_bias=True):
    CHECKS
    return RESULT
'''
COUNT_CHECKS = ('kh, kw = validate.positive_int(kh, "kh"), validate.positive_int(kw, "kw")\n'
                '    c_in, c_out = validate.positive_int(c_in, "c_in"), validate.positive_int(c_out, "c_out")\n'
                '    validate.require(isinstance(use_bias, bool), "use_bias must be a bool")')


def count(RESULT="kh * kw * c_in * c_out + (c_out if use_bias else 0)", CHECKS=COUNT_CHECKS):
    return COUNT.replace("CHECKS", CHECKS).replace("RESULT", RESULT)


MUTANTS = {
    "single: kernel flipped (mathematical convolution)":
        {"conv2d_single": single("kernel[::-1, ::-1]")},
    "single: scipy convolve2d instead of correlate":
        {"conv2d_single": "from scipy.signal import convolve2d\n"
                          "def conv2d_single(image, kernel):\n"
                          "    return convolve2d(image, kernel, mode='valid')\n"},
    "single: kernel transposed":
        {"conv2d_single": single("kernel.T")},
    "single: last row and column of windows missing":
        {"conv2d_single": SINGLE_OK.replace("KERNEL", "kernel")
            .replace("for i in range(h - kh + 1)", "for i in range(h - kh)")
            .replace("for j in range(w - kw + 1)", "for j in range(w - kw)")},
    "single: assumes a square kernel":
        {"conv2d_single": SINGLE_OK.replace("KERNEL", "kernel[:, :kh]")
            .replace("(h, w), (kh, kw) = image.shape, kernel.shape",
                     "(h, w), (kh, kw) = image.shape, (kernel.shape[0],) * 2")},
    "single: no input checks at all":
        {"conv2d_single": "def conv2d_single(image, kernel):\n"
                          "    image, kernel = np.asarray(image, float), np.asarray(kernel, float)\n"
                          "    (h, w), (kh, kw) = image.shape, kernel.shape\n"
                          "    return np.array([[np.sum(image[i:i+kh, j:j+kw] * kernel)\n"
                          "                      for j in range(w - kw + 1)] for i in range(h - kh + 1)])\n"},
    "single: returns nothing":
        {"conv2d_single": SINGLE_OK.replace("KERNEL", "kernel").replace("return out", "pass")},
    "multi: bias missing":
        {"conv2d_multi": multi(RESULT="out")},
    "multi: bias added once per input channel":
        {"conv2d_multi": multi(RESULT="out + c * bias")},
    "multi: filters flipped":
        {"conv2d_multi": multi(FILTER="filters[kh - 1 - m, kw - 1 - q]")},
    "multi: assumes square filters":
        {"conv2d_multi": multi(KW="kh").replace("@ filters[m, q]", "@ filters[m, min(q, kw - 1)]")},
    "multi: channel axes of the filters swapped":
        {"conv2d_multi": multi(FILTER="filters[m, q].T[:f, :c].T if c == f else filters[m, q]")
            .replace("filters[m, q].T[:f, :c].T if c == f else filters[m, q]",
                     "(filters[m, q].T if c == f else filters[m, q])")},
    "multi: only the first image of the batch":
        {"conv2d_multi": multi(RESULT="np.repeat(out[:1], n, axis=0) + bias")},
    "multi: bias shape not checked (hidden)":
        {"conv2d_multi": multi(BIAS_CHECK="pass")},
    "count: bias forgotten":
        {"conv_param_count": count(RESULT="kh * kw * c_in * c_out")},
    "count: bias counted even without bias":
        {"conv_param_count": count(RESULT="kh * kw * c_in * c_out + c_out")},
    "count: returns a float":
        {"conv_param_count": count(RESULT="float(kh * kw * c_in * c_out + (c_out if use_bias else 0))")},
    "count: sizes not checked (hidden)":
        {"conv_param_count": count(CHECKS="validate.require(kw > 0, 'kw must be positive')\n"
                                          "    validate.require(kh > 0, 'kh must be positive')")},
}

HIDDEN_ONLY = {
    "multi: bias shape not checked (hidden)",
    "count: sizes not checked (hidden)",
}
