"""Compatibility: the trusted re-check is autograder.recheck now, its wire protocol
autograder.protocol and the cell markers autograder.cells. The names earlier versions offered
here stay importable for existing callers."""
from autograder.cells import IN_KERNEL_ONLY, bonus_points  # noqa: F401
from autograder.protocol import decode  # noqa: F401
from autograder.recheck import (CellError, Sandbox, SandboxDied, Verdict, Verdicts,  # noqa: F401
                                verify)
