"""Overlapping reading, scoring and writing.

Decoding Parquet, parsing CSV and encoding the output run in Arrow's C++ without the GIL, so
one thread reads the next batch and another writes the last one while this one is scored.
Each is a single thread fed in order, so rows keep their order; two batches in flight each
way keep memory flat.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import TypeVar

import pyarrow as pa

from icpkit.score.writing import _Writer

T = TypeVar("T")
_IN_FLIGHT = 2
_END = object()


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


def _put(channel: queue.Queue, item: object, stop: threading.Event) -> bool:
    """Put unless the other side has stopped listening; False when it has."""
    while not stop.is_set():
        try:
            channel.put(item, timeout=0.1)
            return True
        except queue.Full:
            continue
    return False


def _ahead(items: Iterator[T]) -> Iterator[T]:
    """The items of ``items``, produced by a thread a few items ahead of the consumer."""
    channel: queue.Queue = queue.Queue(maxsize=_IN_FLIGHT)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                if not _put(channel, item, stop):
                    return
            _put(channel, _END, stop)
        except BaseException as error:  # handed to the consumer, raised there
            _put(channel, _Failed(error), stop)
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    thread = threading.Thread(target=produce, name="icpkit-read", daemon=True)
    thread.start()
    try:
        while True:
            item = channel.get()
            if item is _END:
                return
            if isinstance(item, _Failed):
                raise item.error
            yield item
    finally:
        stop.set()
        thread.join()


class _BackgroundWriter:
    """A :class:`_Writer` fed through a queue and run by its own thread, in order."""

    def __init__(self, writer: _Writer) -> None:
        self._writer = writer
        self._channel: queue.Queue = queue.Queue(maxsize=_IN_FLIGHT)
        self._stop = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="icpkit-write", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            table = self._channel.get()
            if table is _END:
                return
            if self._error is None:
                try:
                    self._writer.write(table)
                except BaseException as error:  # raised in the scoring thread
                    self._error = error

    def write(self, table: pa.Table) -> None:
        if self._error is not None:
            raise self._error
        _put(self._channel, table, self._stop)

    def close(self) -> None:
        _put(self._channel, _END, self._stop)
        self._thread.join()
        self._writer.close()
        if self._error is not None:
            raise self._error
