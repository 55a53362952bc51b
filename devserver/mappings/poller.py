"""What every event source mapping's poller is: a thread with a status, idle or busy.

A poller runs its mapping's loop (``_step``, one source's own) on a thread of its own until
stopped; an unexpected error (a devserver bug, the destination failing) is reported and
the loop goes on after a pause. ``idle()`` says whether it waits with nothing left to do
(what ``wait_idle`` asks); retries back off exponentially from the poll interval, at most
10 s.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from ..console import Console
from ..template.event_sources import EventSourceMapping
from ..template.functions import FunctionSpec
from .invocation import BatchInvoker

MAX_BACKOFF_SECONDS = 10.0


class Poller:
    """One event source mapping's poller thread (a source's poller fills in ``_step``)."""

    def __init__(
        self,
        mapping: EventSourceMapping,
        spec: FunctionSpec,
        invoker: BatchInvoker,
        console: Console,
        *,
        interval: float = 0.25,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.mapping = mapping
        self.spec = spec
        self.invoker = invoker
        self.console = console
        self.interval = interval
        self.clock = clock
        self.status = "starting"
        self._idle = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def name(self) -> str:
        """The mapping's name (``Function/Event`` for a SAM event)."""
        return self.mapping.name

    # --- life cycle -----------------------------------------------------------------------

    def start(self) -> None:
        """Prepare (place the poller in its source) and start polling."""
        self._prepare()
        self._thread = threading.Thread(target=self._run, name=f"poller {self.name}", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Finish the batch being delivered (if any) and stop."""
        self._stopping.set()
        self._interrupt()
        if self._thread is not None:
            self._thread.join(timeout)

    def _prepare(self) -> None:
        """Before the thread starts (a source's poller finds where it is)."""

    def _interrupt(self) -> None:
        """Wake the thread wherever it waits (so that it sees a stop)."""

    # --- idleness (for wait_idle) ---------------------------------------------------------

    def pending(self) -> int:
        """Records not yet done with (a source's poller counts its own)."""
        return 0

    def idle(self) -> bool:
        """Waiting for records, with none pending."""
        return self._idle.is_set() and self.pending() == 0

    # --- the loop -------------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                self._step()
            except Exception as exc:  # a devserver bug or the destination failing: retry later
                self._idle.clear()
                self.status = "failing"
                self.console.error(self.name, f"poller error: {type(exc).__name__}: {exc}")
                self._stopping.wait(max(self.interval, 1.0))

    def _step(self) -> None:
        """One batch delivered, or one wait for records (the source's own loop body)."""
        raise NotImplementedError

    def _backoff(self, attempt: int) -> None:
        self.status = "backing off"
        delay = min(max(self.interval, 0.01) * 2 ** max(attempt - 1, 0), MAX_BACKOFF_SECONDS)
        self._stopping.wait(delay)

    def _batch_line(self, records: int, failed: int, elapsed_ms: float, note: str = "") -> None:
        self.console.batch(self.spec.logical_id, records, failed, elapsed_ms, note)
