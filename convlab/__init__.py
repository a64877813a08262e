"""convlab: the helper package of the course "Convolutional networks and autoencoders, learned by
implementing them".

Everything the chapter notebooks share lives here, so notebook cells stay short:

- :mod:`convlab.validate`  clear ``ValueError`` messages for bad input (students may use it too);
- :mod:`convlab.testing`   what test cells use: TensorFlow as the oracle, comparisons whose
  failure messages say what went wrong, and :mod:`convlab.mistakes`, which names common mistakes;
- :mod:`convlab.data`      offline sample images (and, later, the data sets of ``data_scripts``);
- :mod:`convlab.kernels`   classic filters (edge, blur, sharpen, ...);
- :mod:`convlab.sliding`, :mod:`convlab.padding`, :mod:`convlab.pooling`, :mod:`convlab.variants`:
  the pure computations behind chapters 1, 2, 3 and 5 (widgets, demos, given helpers);
- :mod:`convlab.plotting`  figures;
- :mod:`convlab.widgets`   the interactive widgets, each taking the student's own function.
"""

__version__ = "0.1.0"

# Functions here that compute an exercise's answer (for widgets, demos, benchmarks, or given to
# students in a later chapter). A chapter's graded solutions must not call them: the grader's
# sandbox (autograder/sandbox.py) turns them into tripwires while it grades that chapter.
REFERENCE_ONLY = {
    "01_filter_sliding": {"convlab.sliding": ("window_sums", "step_at"),
                          "convlab.variants": ("conv2d",)},
    "02_stride_padding": {"convlab.padding": ("output_size", "tf_same_padding",
                                              "receptive_field", "naive_conv2d"),
                          "convlab.variants": ("conv2d", "pad_like_tf")},
    "03_pooling_flatten": {"convlab.pooling": ("pool", "window_at", "keras_shapes")},
    "04_batch_norm": {"convlab.batchnorm": ("normalize",)},
    "05_conv_variants": {"convlab.variants": ("dilated_kernel", "layer_params")},
    "07_autoencoders": {"convlab.fraud": ("errors_of", "sigmoid_penalty", "recall_threshold")},
    "08_backprop": {"convlab.ch08_backprop.compute": (
        "numeric_gradient", "conv2d_backward", "conv_backward_padded", "pool2d_backward",
        "pool_backward_padded", "dense_backward", "softmax", "softmax_cross_entropy", "adam_step",
        "tiny_cnn_loss", "tiny_cnn_gradients", "train_tiny_cnn", "train_variant")},
}

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
