"""The figures of chapters 1-7 under their old common name, kept so that notebooks released before
the chapter packages (issue 15) still run. Each chapter's figures live in its package now
(``convlab.ch04_batch_norm.figures``, ...); what they share is :mod:`convlab.figures`."""
from convlab.ch01_filter_sliding.figures import show_maps, sliding_figure  # noqa: F401
from convlab.ch02_stride_padding.figures import padding_figure  # noqa: F401
from convlab.ch03_pooling_flatten.figures import pooling_figure  # noqa: F401
from convlab.ch04_batch_norm.figures import batchnorm_figure, loss_curves  # noqa: F401
from convlab.ch05_conv_variants.figures import (dilation_figure, param_figure,  # noqa: F401
                                                transposed_figure)
from convlab.ch06_cnn_classifier.figures import (cnn_prediction_figure,  # noqa: F401
                                                 confusion_figure, filters_figure, history_figure)
from convlab.ch07_autoencoders.figures import threshold_figure  # noqa: F401
from convlab.figures import to_png  # noqa: F401
