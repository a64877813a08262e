"""Chapter 5's computations under their old name, kept so that notebooks released before the chapter
packages (issue 15) still run. New code imports :mod:`convlab.ch05_conv_variants.compute`."""
from convlab.ch05_conv_variants.compute import *  # noqa: F401,F403
from convlab.ch05_conv_variants import compute as _compute

# the reference answers' old names (they are named after their exercises now)
dilated_kernel = _compute.dilate_kernel
layer_params = _compute.param_count
