"""The mistake catalogues of chapters 1-7 under their old common name, kept so that notebooks
released before the chapter packages (issue 15) still run. Each chapter's catalogue lives in its
package now (``convlab.ch02_stride_padding.mistakes``, ...), one function per exercise, named after
it; the old names of the functions that were named otherwise stay here as aliases."""
from convlab.ch01_filter_sliding.mistakes import conv2d_multi, conv2d_single  # noqa: F401
from convlab.ch02_stride_padding.mistakes import conv2d, conv_output_size, receptive_field  # noqa: F401
from convlab.ch03_pooling_flatten.mistakes import (flatten, global_avg_pool,  # noqa: F401
                                                   max_pool_backward, pool2d)
from convlab.ch04_batch_norm.mistakes import (batchnorm_backward, batchnorm_infer,  # noqa: F401
                                              batchnorm_train, update_moving_stats)
from convlab.ch05_conv_variants.mistakes import (conv2d_transpose, depthwise_conv2d,  # noqa: F401
                                                 dilated_conv2d, grouped_conv2d, pointwise_conv2d,
                                                 separable_conv2d)
from convlab.ch06_cnn_classifier.mistakes import (build_mnist_cnn, inception_module,  # noqa: F401
                                                  residual_block, vgg_block)
from convlab.ch07_autoencoders.mistakes import (choose_threshold, contractive_penalty,  # noqa: F401
                                                reconstruction_error)

# old names -> the exercise each diagnoses
conv2d_strided = conv2d
grouped_conv = grouped_conv2d
depthwise = depthwise_conv2d
pointwise = pointwise_conv2d
separable = separable_conv2d
dilated = dilated_conv2d
transpose = conv2d_transpose
mnist_cnn = build_mnist_cnn
inception = inception_module
residual = residual_block
