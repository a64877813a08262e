"""Interactive widgets. Each is a thin view over pure functions in :mod:`convlab` and accepts the
student's own function, so students watch *their* implementation (and its bugs)."""
from .batchnorm import BatchNormExplorer
from .cnn import CNNExplorer
from .dilation import DilationExplorer
from .padding import PaddingExplorer
from .params import ParamCalculator
from .pooling import PoolingExplorer
from .sliding import FilterSlider
from .threshold import ThresholdExplorer
from .transposed import TransposedConvExplorer

__all__ = ["FilterSlider", "PaddingExplorer", "PoolingExplorer", "TransposedConvExplorer",
           "DilationExplorer", "ParamCalculator", "BatchNormExplorer", "CNNExplorer", "ThresholdExplorer"]
