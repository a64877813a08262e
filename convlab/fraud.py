"""Chapter 7's data and computations under their old name, kept so that notebooks released before
the chapter packages (issue 15) still run. New code imports
:mod:`convlab.ch07_autoencoders.compute`."""
from convlab.ch07_autoencoders.compute import *  # noqa: F401,F403
from convlab.ch07_autoencoders import compute as _compute

# the reference answers' old names (they are named after their exercises now)
errors_of = _compute.reconstruction_error
sigmoid_penalty = _compute.contractive_penalty
recall_threshold = _compute.choose_threshold
