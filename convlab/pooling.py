"""Chapter 3's computations under their old name, kept so that notebooks released before the chapter
packages (issue 15) still run. New code imports :mod:`convlab.ch03_pooling_flatten.compute`."""
from convlab.ch03_pooling_flatten.compute import *  # noqa: F401,F403
from convlab.ch03_pooling_flatten import compute as _compute

# the reference answers' old names (they are named after their exercises now)
pool = _compute.pool2d
