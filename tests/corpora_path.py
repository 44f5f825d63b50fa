"""Where the shared real-world corpora are: ../shared/corpora beside the checkout (as CI has
them), or wherever SAFESEND_CORPORA points."""

from __future__ import annotations

import os
from pathlib import Path

CORPORA = Path(os.environ.get("SAFESEND_CORPORA")
               or Path(__file__).resolve().parents[1].parent / "shared" / "corpora")
