"""Chapter 2's computations under their old name, kept so that notebooks released before the chapter
packages (issue 15) still run. New code imports :mod:`convlab.ch02_stride_padding.compute`."""
from convlab.ch02_stride_padding.compute import *  # noqa: F401,F403
from convlab.ch02_stride_padding import compute as _compute

# the reference answers' old names (they are named after their exercises now)
tf_same_padding = _compute.same_padding
