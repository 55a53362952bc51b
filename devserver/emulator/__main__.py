"""``python -m devserver.emulator``: the emulator child (started by ``EmulatorProcess``)."""

import sys

from .child import main

sys.exit(main())
