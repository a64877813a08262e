import os
import sys
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# Multi-threaded OpenBLAS on 2 busy cores made small matmuls 10x slower at random (the speed-gap
# fact of chapter 2 then failed); one BLAS thread is steady. Set before numpy is imported.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
