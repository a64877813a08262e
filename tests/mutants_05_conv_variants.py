"""Wrong implementations of chapter 5's exercises, the kind students write.

Each mutant maps solution-cell grade_ids to replacement source: the reference solution with one
realistic change. ``HIDDEN_ONLY`` lists mutants that pass every visible test: only the hidden
tests can catch them, which is what they are for.
"""
import nbharness as h

CH = "05_conv_variants"
REF = {h.meta(c)["grade_id"]: c.source for c in h.source_notebook(CH).cells
       if h.meta(c).get("solution")}


def mutate(grade_id, *pairs):
    """The reference solution of ``grade_id`` with each (old, new) replacement applied once."""
    src = REF[grade_id]
    for old, new in pairs:
        assert old in src, (grade_id, old)
        src = src.replace(old, new, 1)
    return {grade_id: src}


GROUP_SLICES = "outs = [conv2d(images[..., g * cg:(g + 1) * cg], filters[..., g * fg:(g + 1) * fg])"
WINDOWS = "windows = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(1, 2))[:, ::s, ::s]"
SCATTER = "full[:, m:m + s * (h - 1) + 1:s, q:q + s * (w - 1) + 1:s] += images @ filters[m, q].T"

MUTANTS = {
    # grouped_conv2d
    "grouped: input channels dealt round-robin":
        mutate("grouped_conv2d", (GROUP_SLICES, GROUP_SLICES.replace(
            "images[..., g * cg:(g + 1) * cg]", "images[..., g::groups]"))),
    "grouped: filters dealt round-robin":
        mutate("grouped_conv2d", (GROUP_SLICES, GROUP_SLICES.replace(
            "filters[..., g * fg:(g + 1) * fg]", "filters[..., g::groups]"))),
    "grouped: filter blocks sized by the input channels (hidden)":
        mutate("grouped_conv2d", (GROUP_SLICES, GROUP_SLICES.replace(
            "filters[..., g * fg:(g + 1) * fg]", "filters[..., g * cg:(g + 1) * cg]"))),
    "grouped: kernel flipped":
        mutate("grouped_conv2d", (GROUP_SLICES, GROUP_SLICES.replace(
            "filters[..., g * fg", "filters[::-1, ::-1, :, g * fg"))),
    # depthwise_conv2d
    "depthwise: output channels ordered j*C + c":
        mutate("depthwise_conv2d", ('"nijcab,abcm->nijcm"', '"nijcab,abcm->nijmc"')),
    "depthwise: stride ignored":
        mutate("depthwise_conv2d", (WINDOWS, WINDOWS.replace("[:, ::s, ::s]", ""))),
    "depthwise: SAME padding k // 2 on both sides (hidden)":
        mutate("depthwise_conv2d", ("x = pad_like_tf(images, kh, kw, s, padding)",
                                    "x = pad_like_tf(images, kh, kw, s, padding) if padding != 'SAME' "
                                    "else np.pad(images, ((0, 0), (kh // 2, kh // 2), (kw // 2, kw // 2), (0, 0)))")),
    "depthwise: all channels summed (a standard conv with C*m outputs)":
        mutate("depthwise_conv2d", ('"nijcab,abcm->nijcm"', '"nijcab,abcm->nijm"'),
               ("return out.reshape(out.shape[:3] + (c * m,))",
                "return np.repeat(out, c, axis=-1)")),
    # pointwise_conv2d
    "pointwise: filter axes swapped":
        mutate("pointwise_conv2d", ("return images @ filters[0, 0]", "return images @ filters[0, 0].T")),
    "pointwise: no channel check":
        mutate("pointwise_conv2d", ("validate.require(filters.shape[2] == images.shape[3],",
                                    "validate.require(True,")),
    # separable_conv2d
    "separable: stride applied twice":
        mutate("separable_conv2d", ("pointwise_filters)", "pointwise_filters)[:, ::stride, ::stride]")),
    "separable: pointwise step skipped":
        mutate("separable_conv2d", ("return pointwise_conv2d(depthwise_conv2d(images, depthwise_filters, stride, padding),\n"
                                    "                            pointwise_filters)",
                                    "return depthwise_conv2d(images, depthwise_filters, stride, padding)")),
    # dilate_kernel
    "dilate: d zeros between taps":
        mutate("dilate_kernel", ("out = np.zeros((kh + (kh - 1) * (d - 1), kw + (kw - 1) * (d - 1)) + kernel.shape[2:])\n"
                                 "    out[::d, ::d] = kernel",
                                 "out = np.zeros((kh + (kh - 1) * d, kw + (kw - 1) * d) + kernel.shape[2:])\n"
                                 "    out[::d + 1, ::d + 1] = kernel")),
    "dilate: rows only":
        mutate("dilate_kernel", ("kw + (kw - 1) * (d - 1)", "kw"), ("out[::d, ::d]", "out[::d, :]")),
    # dilated_conv2d
    "dilated: dilation ignored":
        mutate("dilated_conv2d", ("dilate_kernel(filters, d)", "filters")),
    "dilated: SAME padding for the undilated kernel":
        mutate("dilated_conv2d", ("return conv2d(images, dilate_kernel(filters, d), 1, padding)",
                                  "k = dilate_kernel(filters, d)\n"
                                  "    if padding == 'SAME':\n"
                                  "        (t, b), (l, r) = [((n - 1) // 2, (n - 1) - (n - 1) // 2) for n in filters.shape[:2]]\n"
                                  "        x = np.pad(images, ((0, 0), (t, b), (l, r), (0, 0)))\n"
                                  "        return conv2d(x, k, 1, 'VALID')\n"
                                  "    return conv2d(images, k, 1, padding)")),
    "dilated: SAME extra cell at the top/left (hidden)":
        mutate("dilated_conv2d", ("return conv2d(images, dilate_kernel(filters, d), 1, padding)",
                                  "k = dilate_kernel(filters, d)\n"
                                  "    if padding == 'SAME':\n"
                                  "        (t, b), (l, r) = [(n - 1 - (n - 1) // 2, (n - 1) // 2) for n in k.shape[:2]]\n"
                                  "        x = np.pad(images, ((0, 0), (t, b), (l, r), (0, 0)))\n"
                                  "        return conv2d(x, k, 1, 'VALID')\n"
                                  "    return conv2d(images, k, 1, padding)")),
    # conv2d_transpose
    "transpose: kernel flipped":
        mutate("conv2d_transpose", (SCATTER, SCATTER.replace("filters[m, q]", "filters[kh - 1 - m, kw - 1 - q]"))),
    "transpose: input read back to front":
        mutate("conv2d_transpose", (SCATTER, SCATTER.replace("+= images", "+= images[:, ::-1, ::-1]"))),
    "transpose: SAME cut from the top/left (hidden)":
        mutate("conv2d_transpose", ("top = max((h - 1) * s + kh - oh, 0) // 2 if same else 0",
                                    "top = 0"),
               ("left = max((w - 1) * s + kw - ow, 0) // 2 if same else 0", "left = 0")),
    "transpose: output_shape not checked":
        mutate("conv2d_transpose", ("and back(ow, kw) == w,", "and True or True,")),
    # param_count
    "params: grouped not divided by groups":
        mutate("param_count", ("return k * k * (c_in // groups) * c_out + bias",
                               "return k * k * c_in * c_out + bias")),
    "params: separable without the multiplier in the pointwise part":
        mutate("param_count", ("return k * k * c_in * m + c_in * m * c_out + bias",
                               "return k * k * c_in * m + c_in * c_out + bias")),
    "params: separable bias after both steps (hidden)":
        mutate("param_count", ("return k * k * c_in * m + c_in * m * c_out + bias",
                               "return k * k * c_in * m + c_in * m * c_out + bias + (c_in * m if use_bias else 0)")),
    "params: bias ignored":
        mutate("param_count", ("bias = c_out if use_bias else 0", "bias = 0")),
}

HIDDEN_ONLY = {
    "grouped: filter blocks sized by the input channels (hidden)",
    "depthwise: SAME padding k // 2 on both sides (hidden)",
    "dilated: SAME extra cell at the top/left (hidden)",
    "transpose: SAME cut from the top/left (hidden)",
    "params: separable bias after both steps (hidden)",
}
