"""Chapter 6's mistakes, named: one function per exercise, named after it. Each returns
``(explanation, compute)`` pairs for the checks of :mod:`convlab.testing`; ``compute`` reproduces
the mistake on the test's inputs, so a student's wrong result can be matched to its likely
cause. Where several mistakes give the same result, the explanation names each of them.
"""
from __future__ import annotations

from convlab.testing import mistake


def _dense(n_in, n_out, bias=True):
    return n_in * n_out + (n_out if bias else 0)


def _conv(k, c, f, bias=True):
    return k * k * c * f + (f if bias else 0)


def build_mnist_cnn() -> list:
    """Mistakes in the MNIST tutorial's network, as (explanation, total parameters)."""
    def total(k=5, pad_same=True, bias=True, second_pool=True, hidden=True):
        side = 28 if pad_same else 28 - k + 1
        side //= 2
        side = side if pad_same else side - k + 1
        if second_pool:
            side //= 2
        flat = side * side * 64
        head = (_dense(flat, 1024, bias) + _dense(1024, 10, bias)) if hidden else _dense(flat, 10, bias)
        return _conv(k, 1, 32, bias) + _conv(k, 32, 64, bias) + head
    return [
        (mistake("build_mnist_cnn.valid_padding",
         "the convolutions use VALID padding; the MNIST tutorial's network pads SAME "
         "(28 -> 14 -> 7)."),
         lambda: total(pad_same=False)),
        (mistake("build_mnist_cnn.kernels_3x3",
         "the kernels are 3x3; the MNIST tutorial's network uses 5x5 kernels."),
         lambda: total(k=3)),
        (mistake("build_mnist_cnn.no_bias",
         "the layers have no bias (use_bias=False); Keras' default, with bias, is expected."),
         lambda: total(bias=False)),
        (mistake("build_mnist_cnn.second_pool_missing",
         "the second max pooling is missing: the dense layer then sees 14x14x64 values."),
         lambda: total(second_pool=False)),
        (mistake("build_mnist_cnn.hidden_dense_missing",
         "the dense layer of 1,024 units is missing."), lambda: total(hidden=False)),
    ]


def vgg_block(c, filters, convs) -> list:
    """Mistakes in a VGG block on ``c`` input channels, as (explanation, parameters)."""
    def total(n=convs, k=3, bias=True):
        return _conv(k, c, filters, bias) + (n - 1) * _conv(k, filters, filters, bias) if n else 0
    return [
        (mistake("vgg_block.one_conv_too_few",
         "one convolution too few: the block stacks `convs` convolutions."),
         lambda: total(convs - 1)),
        (mistake("vgg_block.one_conv_too_many",
         "one convolution too many: the block stacks `convs` convolutions."),
         lambda: total(convs + 1)),
        (mistake("vgg_block.no_bias",
         "the convolutions have no bias; Keras' default (with bias) is expected."),
         lambda: total(bias=False)),
        (mistake("vgg_block.kernels_not_3x3",
         "the kernels are not 3x3: VGG stacks 3x3 convolutions."), lambda: total(k=5)),
    ]


def inception_module(c, f1, r3, f3, r5, f5, pp) -> list:
    """Mistakes in an Inception module on ``c`` input channels, as (explanation, parameters)."""
    right = (_conv(1, c, f1) + _conv(1, c, r3) + _conv(3, r3, f3) + _conv(1, c, r5)
             + _conv(5, r5, f5) + _conv(1, c, pp))
    return [
        (mistake("inception_module.reductions_missing",
         "the 1x1 reductions are missing: the 3x3 and 5x5 convolutions see all input channels "
         "(that is what makes the naive module expensive)."),
         lambda: _conv(1, c, f1) + _conv(3, c, f3) + _conv(5, c, f5) + _conv(1, c, pp)),
        (mistake("inception_module.pool_projection_missing",
         "the pooling branch has no 1x1 projection (pool_proj filters after the pooling)."),
         lambda: right - _conv(1, c, pp)),
        (mistake("inception_module.5x5_branch_3x3",
         "the 5x5 branch uses a 3x3 kernel."), lambda: right - _conv(5, r5, f5) + _conv(3, r5, f5)),
        (mistake("inception_module.reduces_swapped", "f3_reduce and f5_reduce are swapped."),
         lambda: (_conv(1, c, f1) + _conv(1, c, r5) + _conv(3, r5, f3) + _conv(1, c, r3)
                  + _conv(5, r3, f5) + _conv(1, c, pp))),
    ]


def residual_block(c, filters, projection: bool) -> list:
    """Mistakes in a residual block (convs without bias, each followed by BatchNormalization) on
    ``c`` input channels, as (explanation, parameters)."""
    bn = 4 * filters
    body = _conv(3, c, filters, False) + bn + _conv(3, filters, filters, False) + bn
    proj = _conv(1, c, filters, False) + bn
    found = [(mistake("residual_block.conv_bias",
              "the convolutions have a bias: before BatchNormalization a bias is redundant "
              "(BN subtracts the mean); use use_bias=False."),
              lambda: body + 2 * filters + (proj + filters if projection else 0))]
    if projection:
        found += [(mistake("residual_block.projection_missing",
                   "the projection shortcut is missing: when the stride or the number of "
                   "channels changes, x must go through a 1x1 convolution (with the same stride) "
                   "and BatchNormalization before the addition."), lambda: body),
                  (mistake("residual_block.projection_without_bn",
                   "the projection shortcut has no BatchNormalization."),
                   lambda: body + proj - bn)]
    else:
        found.append((mistake("residual_block.needless_projection",
                      "there is a projection shortcut where the shapes already match: then the "
                      "shortcut must be the identity (x itself)."), lambda: body + proj))
    return found
