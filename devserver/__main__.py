"""``python -m devserver`` (what ``make run`` runs)."""

import sys

from .cli import main

sys.exit(main())
