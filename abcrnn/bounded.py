"""Run per-tune work in worker processes, each tune under a time limit enforced from outside.

music21 can run forever on a malformed tune (a meter such as ``M:6:87``), and no
call inside a process can stop it. Every command that hands tunes to music21
does it through ``map_bounded``: worker processes take one tune at a time, and
a worker still busy when its tune's time is up is killed and replaced; that
tune is reported as too slow and the others carry on. Results come back in the
input's order, whatever order the workers finish in.
"""

import importlib
import multiprocessing
import os
import threading
from dataclasses import dataclass
from multiprocessing.connection import wait
from time import monotonic
from typing import Any, Callable

from abcrnn.errors import AbcrnnError

# The slowest of the 854 tunes of corpora/jigs.abc takes 0.5 s to validate (1.5 s
# with the other core busy) and, but for four, under 6.4 s to render to MIDI on the
# 2-core CPU (bench/fuzz.py prints it): 10 s leaves room for a slower or busier
# machine and still answers a hung tune within seconds. The four take music21 30 to
# 180 s because it expands their repeats wrongly, into thousands of notes; no
# faithful rendering should take that long.
DEFAULT_TIME_LIMIT = 10.0
# What a fork server imports once, so that each worker it forks starts ready.
FORK_SERVER_PRELOAD = ["music21", "abcrnn.text.validate", "abcrnn.sound.midi"]


@dataclass
class Outcome:
    """What the work on one item gave: its value, or why there is none."""

    value: Any = None
    error: str | None = None  # an exception raised, or the time limit passed


def check_time_limit(seconds) -> float:
    """``--time-limit``, checked: a positive number of seconds."""
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not seconds > 0:
        raise AbcrnnError(f"--time-limit must be a positive number of seconds, got {seconds!r}")
    return float(seconds)


def _serve(connection, function: Callable) -> None:
    """A worker's loop: apply ``function`` to each item received, send back an Outcome."""
    while True:
        item = connection.recv()
        try:
            outcome = Outcome(value=function(item))
        except Exception as error:  # the caller gets the reason, the worker lives on
            outcome = Outcome(error=f"{type(error).__name__}: {str(error)[:80]}")
        connection.send(outcome)


class _Worker:
    """One worker process and the item it is busy with."""

    def __init__(self, context, function: Callable):
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, function), daemon=True)
        self.process.start()
        child.close()
        self.index: int | None = None
        self.deadline = 0.0

    def give(self, index: int, item, seconds: float) -> None:
        self.index, self.deadline = index, monotonic() + seconds
        self.connection.send(item)

    def stop(self) -> None:
        self.process.kill()
        self.process.join()
        self.connection.close()


def map_bounded(function: Callable, items: list, time_limit: float = DEFAULT_TIME_LIMIT,
                workers: int | None = None, progress=None) -> list[Outcome]:  # fmt: skip
    """``function(item)`` for every item, each in a worker process given ``time_limit`` seconds.

    Args:
        function: a module-level function (workers receive it by reference).
        items: what to apply it to, each picklable.
        time_limit: seconds one item may take before its worker is killed.
        workers: processes to use; default one per CPU, at most one per item.
        progress: called with the number of items done so far.
    """
    if not items:
        return []
    context = _start_method()
    count = max(1, min(workers or os.cpu_count() or 1, len(items)))
    pool = [_Worker(context, function) for _ in range(count)]
    outcomes: list[Outcome | None] = [None] * len(items)
    waiting, done = list(range(len(items)))[::-1], 0
    try:
        while done < len(items):
            for worker in pool:
                if worker.index is None and waiting:
                    index = waiting.pop()
                    worker.give(index, items[index], time_limit)
            busy = [worker for worker in pool if worker.index is not None]
            ready = wait([worker.connection for worker in busy],
                         timeout=max(0.0, min(worker.deadline for worker in busy) - monotonic()))  # fmt: skip
            for position, worker in enumerate(pool):
                if worker.index is None:
                    continue
                timed_out = worker.connection not in ready and monotonic() >= worker.deadline
                if not timed_out and worker.connection not in ready:
                    continue
                outcomes[worker.index] = (Outcome(error=f"took longer than {time_limit:g} s to read")
                                          if timed_out else _receive(worker))  # fmt: skip
                worker.index, done = None, done + 1
                if timed_out or not worker.process.is_alive():
                    worker.stop()
                    pool[position] = _Worker(context, function)
                if progress:
                    progress(done)
    finally:
        for worker in pool:
            worker.stop()
    return outcomes  # type: ignore[return-value]


def _start_method():
    """How to start workers: fork in a single-threaded process, else from a fork server.

    Fork starts a worker in milliseconds with music21 already imported (here, once: a worker
    that imported it itself took 0.26 s to validate one tune, against 0.04 s). But forking while
    another thread is inside numpy's OpenBLAS (a server sampling beside a request that
    validates) stops OpenBLAS's threads under that call, which then waits forever; so a
    process with threads forks its workers from a fork server (one clean process, music21
    preloaded), and spawn is left where neither exists.
    """
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        for name in FORK_SERVER_PRELOAD:  # imported once here, not again in every worker of every call
            importlib.import_module(name)
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(FORK_SERVER_PRELOAD)
        return context
    return multiprocessing.get_context("spawn")


def _receive(worker: _Worker) -> Outcome:
    try:
        return worker.connection.recv()
    except (EOFError, OSError):  # the worker died (out of memory, a crash in C code)
        worker.process.join(timeout=5)
        return Outcome(error=f"the worker reading it died (exit code {worker.process.exitcode})")
