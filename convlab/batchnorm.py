"""Chapter 4's computations under their old name, kept so that notebooks released before the chapter
packages (issue 15) still run. New code imports :mod:`convlab.ch04_batch_norm.compute`."""
from convlab.ch04_batch_norm.compute import *  # noqa: F401,F403
from convlab.ch04_batch_norm import compute as _compute

# the reference answers' old names (they are named after their exercises now)
normalize = _compute.batchnorm_train
