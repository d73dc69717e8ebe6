import os
import sys

# TensorFlow reads these when it is imported: quiet logs and the same numbers as the
# app and the exported scripts (oneDNN's reordered float sums differ slightly).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

from nncore.cli import main  # noqa: E402

sys.exit(main())
