"""Interactive widgets. Each is a thin view over pure functions in :mod:`convlab` and accepts the
student's own function, so students watch *their* implementation (and its bugs)."""
from .cnn import CNNExplorer
from .padding import PaddingExplorer
from .pooling import PoolingExplorer
from .sliding import FilterSlider
from .transposed import TransposedConvExplorer

__all__ = ["CNNExplorer", "FilterSlider", "PaddingExplorer", "PoolingExplorer", "TransposedConvExplorer"]
