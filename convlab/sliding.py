"""Chapter 1's computations under their old name, kept so that notebooks released before the chapter
packages (issue 15) still run. New code imports :mod:`convlab.ch01_filter_sliding.compute`."""
from convlab.ch01_filter_sliding.compute import *  # noqa: F401,F403
from convlab.ch01_filter_sliding import compute as _compute

# the reference answers' old names (they are named after their exercises now)
window_sums = _compute.conv2d_single
