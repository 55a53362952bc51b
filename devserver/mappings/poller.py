"""What every event source mapping's poller is: a thread with a state, a status, idle or busy.

A poller runs its mapping's loop (``_step``, one source's own) on a thread of its own until
stopped; an unexpected error (a devserver bug, the destination failing) is reported and
the loop goes on after a pause. Retries back off exponentially from the poll interval, at
most 10 s.

Its ``state`` is Lambda's: ``Enabled``, or ``Disabled`` (a mapping declared with
``Enabled: false``, or disabled through the Lambda API), and the two on the way,
``Disabling`` (the batch being delivered is finished first; nothing more is read) and
``Enabling`` (the poller takes up where it stopped: its checkpoint, or what is left in the
queue). ``idle()`` says whether it waits with nothing left to do — what ``wait_idle``
asks; a disabled poller counts as idle.
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
ENABLED, ENABLING, DISABLED, DISABLING = "Enabled", "Enabling", "Disabled", "Disabling"


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
        #: Lambda's state of the mapping, and when it last changed (epoch seconds)
        self.state = ENABLING if mapping.enabled else DISABLED
        self.last_modified = time.time()
        self._changes = threading.Condition()
        self._idle = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def name(self) -> str:
        """The mapping's name (``Function/Event`` for a SAM event)."""
        return self.mapping.name

    # --- life cycle -----------------------------------------------------------------------

    def start(self) -> None:
        """Check the mapping as Lambda would, take up its place if enabled, start polling."""
        self._check()
        if self.state == ENABLING:
            self._resume()
            self.state = ENABLED
        else:
            self.status = "disabled"
        self._thread = threading.Thread(target=self._run, name=f"poller {self.name}", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Finish the batch being delivered (if any) and stop."""
        self._stopping.set()
        with self._changes:
            self._changes.notify_all()
        self._interrupt()
        if self._thread is not None:
            self._thread.join(timeout)

    def set_enabled(self, enabled: bool) -> str:
        """Enable or disable the mapping (as ``UpdateEventSourceMapping``); its new state."""
        with self._changes:
            if enabled and self.state in (DISABLED, DISABLING):
                self.state = ENABLING
            elif not enabled and self.state in (ENABLED, ENABLING):
                self.state = DISABLING
            else:
                return self.state
            self.last_modified = time.time()
        if enabled:
            self._resume()  # before the answer: what is written after it is read
        with self._changes:
            self._changes.notify_all()
        self._interrupt()
        return self.state

    def _check(self) -> None:
        """Refuse, at start, what Lambda would refuse to create (a source's own rules)."""

    def _resume(self) -> None:
        """Take up the mapping's place in its source (its first time: its starting position)."""

    def _interrupt(self) -> None:
        """Wake the thread wherever it waits (so that it sees a stop or a state change)."""

    def _disabled(self) -> None:
        """The mapping has just settled as disabled (its poller reads no more)."""

    def _halting(self) -> bool:
        """Whether the work under way should wind up (stopping, or being disabled)."""
        return self._stopping.is_set() or self.state == DISABLING

    # --- idleness (for wait_idle) ---------------------------------------------------------

    def pending(self) -> int:
        """Records not yet done with (a source's poller counts its own)."""
        return 0

    def idle(self) -> bool:
        """Waiting for records with none pending, or disabled."""
        if self.state == DISABLED:
            return True
        return self.state == ENABLED and self._idle.is_set() and self.pending() == 0

    # --- the loop -------------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stopping.is_set():
            if not self._enabled():
                continue
            try:
                self._step()
            except Exception as exc:  # a devserver bug or the destination failing: retry later
                self._idle.clear()
                self.status = "failing"
                self.console.error(self.name, f"poller error: {type(exc).__name__}: {exc}")
                self._sleep(max(self.interval, 1.0))

    def _enabled(self) -> bool:
        """Settle the state between two steps; False while disabled (after a wait)."""
        with self._changes:
            if self.state == DISABLING:
                self.state = DISABLED
                self.last_modified = time.time()
                self._disabled()
            if self.state == DISABLED:
                self.status = "disabled"
                self._changes.wait()
                return False
            enabling = self.state == ENABLING
        if enabling:
            self._resume()
            with self._changes:
                if self.state == ENABLING:
                    self.state = ENABLED
                    self.last_modified = time.time()
        return True

    def _step(self) -> None:
        """One batch delivered, or one wait for records (the source's own loop body)."""
        raise NotImplementedError

    def _sleep(self, seconds: float) -> None:
        """Wait, unless the poller is stopped or disabled meanwhile."""
        deadline = time.monotonic() + seconds
        with self._changes:
            while not self._halting():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return
                self._changes.wait(remaining)

    def _backoff(self, attempt: int) -> None:
        self.status = "backing off"
        self._sleep(min(max(self.interval, 0.01) * 2 ** max(attempt - 1, 0), MAX_BACKOFF_SECONDS))

    def _batch_line(
        self,
        records: int,
        failed: int,
        elapsed_ms: float,
        note: str = "",
        failed_records: list[str] | None = None,
    ) -> None:
        self.console.batch(
            self.spec.logical_id, records, failed, elapsed_ms, note, failed_records or ()
        )
