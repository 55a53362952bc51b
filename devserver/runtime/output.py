"""A function's output: ``print`` and logging go to the running function's own log.

Lambda gives every function its own stdout. Here functions share one process, so while
invocations run ``sys.stdout``/``sys.stderr`` are one router that writes to the running
function's output; that output keeps its lines for the invocation result and passes each
complete line to a sink (the console).
"""

from __future__ import annotations

import io
from collections.abc import Callable

LineSink = Callable[[str, str], None]


class _LambdaTextStream(io.TextIOBase):
    """A writable UTF-8 text stream that is not a terminal, as a function's output on Lambda."""

    @property
    def encoding(self) -> str:  # type: ignore[override]
        """Text is UTF-8, as on Lambda."""
        return "utf-8"

    def writable(self) -> bool:
        """Always writable."""
        return True

    def isatty(self) -> bool:
        """Never a terminal (Lambda's output is not)."""
        return False


class FunctionOutput(_LambdaTextStream):
    """A function's stdout/stderr: complete lines go to the sink and the current log."""

    def __init__(self, function_id: str, sink: LineSink) -> None:
        super().__init__()
        self.function_id = function_id
        self.sink = sink
        self.lines: list[str] | None = None
        self._partial = ""

    def write(self, text: str) -> int:
        """Buffer text; pass each complete line on."""
        self._partial += text
        while "\n" in self._partial:
            line, self._partial = self._partial.split("\n", 1)
            self._line(line)
        return len(text)

    def flush(self) -> None:
        """Pass on a pending partial line."""
        if self._partial:
            line, self._partial = self._partial, ""
            self._line(line)

    def _line(self, line: str) -> None:
        if self.lines is not None:
            self.lines.append(line)
        self.sink(self.function_id, line)


class OutputRouter(_LambdaTextStream):
    """``sys.stdout``/``sys.stderr`` during invocations: writes go to the running function.

    One object for the whole process (``ROUTER``), because loggers keep the stream they were
    given at import time and ``logging``'s registry is process-wide: two functions whose
    loggers share a name share one logger — even two devservers' functions, when a test
    process runs two. Invocations run one at a time, so "the running function" is well
    defined; output from another thread between invocations goes to ``fallback``.
    """

    def __init__(self) -> None:
        super().__init__()
        self.current: FunctionOutput | None = None
        self.fallback: FunctionOutput | None = None

    def write(self, text: str) -> int:
        """Write to the running function's output."""
        target = self.current or self.fallback
        return target.write(text) if target is not None else len(text)

    def flush(self) -> None:
        """Flush the running function's output."""
        target = self.current or self.fallback
        if target is not None:
            target.flush()


#: the process's one output router (see ``OutputRouter``)
ROUTER = OutputRouter()
