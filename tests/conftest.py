import os
import tempfile
import sys
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# notebooks run by the tests keep their training runs (chapter 6) out of the repository's runs/
os.environ.setdefault("CONVLAB_RUNS", os.path.join(tempfile.gettempdir(), "convlab-test-runs"))

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
