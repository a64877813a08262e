"""Chapter 6's computations under their old name, kept so that notebooks released before the chapter
packages (issue 15) still run. New code imports :mod:`convlab.ch06_cnn_classifier.compute`."""
from convlab.ch06_cnn_classifier.compute import *  # noqa: F401,F403
