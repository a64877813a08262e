"""The widget base (:mod:`convlab.widgets.base`), and the widgets of chapters 1-7 under their old
common name, kept so that notebooks released before the chapter packages (issue 15) still run:
each widget lives in its chapter's package now (``convlab.ch03_pooling_flatten.widgets``, ...).
Each is imported when first asked for, so that a chapter importing the base loads no other
chapter."""
import importlib

_HOMES = {
    "FilterSlider": "convlab.ch01_filter_sliding.widgets",
    "PaddingExplorer": "convlab.ch02_stride_padding.widgets",
    "PoolingExplorer": "convlab.ch03_pooling_flatten.widgets",
    "BatchNormExplorer": "convlab.ch04_batch_norm.widgets",
    "TransposedConvExplorer": "convlab.ch05_conv_variants.widgets",
    "DilationExplorer": "convlab.ch05_conv_variants.widgets",
    "ParamCalculator": "convlab.ch05_conv_variants.widgets",
    "CNNExplorer": "convlab.ch06_cnn_classifier.widgets",
    "ThresholdExplorer": "convlab.ch07_autoencoders.widgets",
}
__all__ = list(_HOMES)


def __getattr__(name):
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
