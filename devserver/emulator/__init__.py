"""The embedded AWS emulator: moto server in a child process, one request at a time.

The parent side is ``EmulatorProcess``; the child (``python -m devserver.emulator``) is
``child``. Creating the template's resources on it, or on any endpoint, is ``resources``.
"""

from .process import EmulatorError, EmulatorProcess

__all__ = ["EmulatorError", "EmulatorProcess"]
