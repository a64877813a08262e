"""convlab: the helper package of the course "Convolutional networks and autoencoders, learned by
implementing them". Everything the chapter notebooks use lives here, so notebook cells stay short.

Shared by every chapter:

- :mod:`convlab.validate`   clear ``ValueError`` messages for bad input (students may use it too);
- :mod:`convlab.studentfn`  calling a student's function from a widget: its result, or why not;
- :mod:`convlab.testing`    what test cells use: TensorFlow and Keras as the oracle (loaded
  quietly), comparisons whose failure messages say what went wrong and name the likely mistake;
- :mod:`convlab.policy`     the libraries graded solutions may not use;
- :mod:`convlab.articles`   the four source articles: titles, short names, who draws on which;
- :mod:`convlab.i18n`       the two languages: ``_()`` (gettext) and which language to speak;
- :mod:`convlab.data`       offline sample images;
- :mod:`convlab.kernels`    classic filters (edge, blur, sharpen, ...);
- :mod:`convlab.figures`    figure rendering the chapters' figures share (``to_png``, ...);
- :mod:`convlab.widgets.base`  the widget base: status line, figure, error log, guarded callbacks.
- :mod:`convlab.widgets.canvas`  widgets drawn in the browser (anywidget): Python precomputes
  every frame, the browser draws it on canvases; :mod:`convlab.widgets.predict` predict, then
  check: questions, verdicts and the session's score.

One package per chapter of :data:`CHAPTERS`, named like its notebook (``convlab.ch`` + the
chapter, e.g. :mod:`convlab.ch01_filter_sliding` for ``01_filter_sliding``), each with the modules
of :data:`CHAPTER_MODULES`: the chapter's pure computations (``compute``: helpers the notebook is
given, the reference answers, what the widgets show), its mistake catalogue (``mistakes``: one
function per exercise, named after it), its figures (``figures``) and its widgets (``widgets``); a
chapter imports shared modules and earlier chapters only.

Kept only so that notebooks released before the chapter packages still run (thin re-exports under
the old names): :mod:`convlab.sliding`, :mod:`convlab.padding`, :mod:`convlab.pooling`,
:mod:`convlab.batchnorm`, :mod:`convlab.variants`, :mod:`convlab.cnn`, :mod:`convlab.fraud`,
:mod:`convlab.mistakes`, :mod:`convlab.plotting` and :mod:`convlab.widgets`.
"""

__version__ = "0.1.0"

# Functions that compute an exercise's answer (the reference answers, named after their exercises,
# and helpers that amount to one, for widgets, demos, benchmarks, or given to students in a later
# chapter), by their canonical module. A chapter's graded solutions must not call them: the
# grader's sandbox (autograder/sandbox.py) turns them into tripwires while it grades that chapter,
# wherever a loaded convlab module holds them (the old names above included).
REFERENCE_ONLY = {
    "01_filter_sliding": {"convlab.ch01_filter_sliding.compute": ("conv2d_single", "step_at"),
                          "convlab.ch05_conv_variants.compute": ("conv2d",)},
    "02_stride_padding": {"convlab.ch02_stride_padding.compute": ("output_size", "same_padding",
                                                                  "receptive_field",
                                                                  "naive_conv2d"),
                          "convlab.ch05_conv_variants.compute": ("conv2d", "pad_like_tf")},
    "03_pooling_flatten": {"convlab.ch03_pooling_flatten.compute": ("pool2d", "window_at",
                                                                    "keras_shapes")},
    "04_batch_norm": {"convlab.ch04_batch_norm.compute": ("batchnorm_train",)},
    "05_conv_variants": {"convlab.ch05_conv_variants.compute": ("dilate_kernel", "param_count")},
    "07_autoencoders": {"convlab.ch07_autoencoders.compute": ("reconstruction_error",
                                                              "contractive_penalty",
                                                              "relu_contractive_penalty",
                                                              "choose_threshold")},
    "08_backprop": {"convlab.ch08_backprop.compute": (
        "numeric_gradient", "conv2d_backward", "conv_backward_padded", "pool2d_backward",
        "pool_backward_padded", "dense_backward", "softmax", "softmax_cross_entropy", "adam_step",
        "tiny_cnn_loss", "tiny_cnn_gradients", "train_tiny_cnn", "train_variant")},
}

# the modules of every chapter package convlab.ch<chapter> (see the module map above)
CHAPTER_MODULES = ("compute", "mistakes", "figures", "widgets")

CHAPTERS = {
    "01_filter_sliding": "Filter sliding: cross-correlation, channels, filters and bias",
    "02_stride_padding": "Stride, padding and the output-size formula",
    "03_pooling_flatten": "Pooling, flatten and the shape of a whole CNN",
    "04_batch_norm": "Batch normalization",
    "05_conv_variants": "Grouped, depthwise, separable, dilated and transposed convolution",
    "06_cnn_classifier": "A CNN classifier end to end; VGG, Inception and ResNet blocks",
    "07_autoencoders": "Autoencoders for credit-card fraud detection",
    "08_backprop": "Backpropagation, gradient checks, and a tiny CNN of your own layers trained like Keras",
}
