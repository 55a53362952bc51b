"""Reading a source in rounds: paused between rounds, woken early, waited for afresh.

Every source a mapping reads (a DynamoDB stream's tail, an SQS queue) is read in rounds:
one round, then a pause of the poll interval, cut short by ``wake()`` when something may
have arrived. ``fresh(deadline)`` waits until a round that *started* after the call has
finished: what ``wait_idle`` needs, a read that cannot have missed a write made before it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class Rounds:
    """The rounds of one source's reader, on the condition its waiters share."""

    def __init__(self, condition: threading.Condition, interval: float) -> None:
        self.condition = condition
        self.interval = interval
        #: rounds begun and rounds finished so far (rounds run one after another)
        self.started = 0
        self.count = 0
        self.stopped = False
        self._woken = False

    def wake(self) -> None:
        """Start the next round now rather than at the end of the pause."""
        with self.condition:
            self._woken = True
            self.condition.notify_all()

    def pause(self) -> None:
        """Between two rounds: wait for the interval, a wake-up or a stop."""
        with self.condition:
            if not self._woken and not self.stopped:
                self.condition.wait(self.interval)
            self._woken = False

    def begin(self) -> None:
        """A round begins (what it reads is as new as this moment)."""
        with self.condition:
            self.started += 1

    def finished(self) -> None:
        """The round begun last is done (its waiters are told)."""
        with self.condition:
            # rounds run one after another: a round cut short by an error counts as done
            self.count = self.started
            self.condition.notify_all()

    def fresh(self, deadline: float, settled: Callable[[], bool] | None = None) -> bool:
        """Wait until a round that started after this call has finished (False: too late),
        or until ``settled()`` says no round is needed (asked whenever the condition is
        notified: a poller that stopped reading — its mapping disabled — notifies it)."""
        with self.condition:
            # the next round to begin, not the one under way (it may have read already)
            target = self.started + 1
            self._woken = True
            self.condition.notify_all()
            while self.count < target and not self.stopped:
                if settled is not None and settled():
                    return True
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self.condition.wait(remaining)
        return True

    def notify(self) -> None:
        """Tell the waiters something changed (``fresh`` asks its ``settled`` again)."""
        with self.condition:
            self.condition.notify_all()

    def stop(self) -> None:
        """No more rounds: release every waiter."""
        with self.condition:
            self.stopped = True
            self.condition.notify_all()
