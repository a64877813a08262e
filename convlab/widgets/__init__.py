"""Interactive widgets. Each is a thin view over pure functions in :mod:`convlab` and accepts the
student's own function, so students watch *their* implementation (and its bugs)."""
from .batchnorm import BatchNormExplorer
from .padding import PaddingExplorer
from .sliding import FilterSlider

__all__ = ["FilterSlider", "PaddingExplorer", "BatchNormExplorer"]
