"""The rule for graded solutions, in one place: which libraries a solution may not use.

Solutions implement the operations themselves with NumPy. TensorFlow, Keras and the course's
reference code are the oracle, so a solution that calls them would be graded against itself; SciPy's
ready-made convolutions and scikit-learn do the exercise for you. The grader's sandbox
(autograder/sandbox.py) refuses to import these, the grader watches for their native code
(autograder/verify.py), and the notebooks' visible tests warn as soon as a solution uses one
(convlab.testing).
"""
from __future__ import annotations

import re

from convlab.i18n import N_

# module prefixes a graded solution may not import (a name matches itself and its sub-modules)
FORBIDDEN_MODULES = ("tensorflow", "keras", "tf_keras", "torch", "jax", "jaxlib", "scipy.signal",
                     "scipy.ndimage", "sklearn")

# how the rule reads in the notebooks and in messages (translated where shown: ``_(RULE)``)
RULE = N_("graded solutions may not use TensorFlow, Keras, PyTorch, JAX, SciPy's ready-made "
           "convolutions and filters (scipy.signal, scipy.ndimage) or scikit-learn: implement the "
           "operation yourself with NumPy")

# native code of those libraries, as it appears in /proc/<pid>/maps
FORBIDDEN_LIBS = re.compile(
    r"/site-packages/("
    + "|".join(re.escape(m.replace(".", "/")) for m in FORBIDDEN_MODULES)
    + r")/")


def is_forbidden(module_name: str) -> bool:
    """True when ``module_name`` is one of FORBIDDEN_MODULES or inside one."""
    return any(module_name == m or module_name.startswith(m + ".") for m in FORBIDDEN_MODULES)


# Exercises whose solutions are written in Keras (they build models): their solution cells may
# import Keras and TensorFlow. chapter -> exercise names, or "*" for every exercise of the chapter.
# The NumPy exercises of the same chapter keep the rule above: the re-check's sandbox, where they
# run, does not run these cells (their tests are judged in nbgrader's kernel, see
# autograder/recheck.NOT_RECHECKED).
KERAS_EXERCISES = {
    "06_cnn_classifier": "*",
    "07_autoencoders": ("build_autoencoder",),
}


def is_keras_exercise(chapter: str, exercise: str | None) -> bool:
    """True when ``exercise`` of ``chapter`` is to be written in Keras (KERAS_EXERCISES)."""
    allowed = KERAS_EXERCISES.get(chapter, ())
    return bool(exercise) and (allowed == "*" or exercise in allowed)
