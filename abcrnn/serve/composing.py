"""Compose requests of ``abcrnn serve``: sampled off the event loop, sent as they are done, within a time limit.

A request's tunes are sampled in a worker thread (numpy does the work and lets other
threads run), ``Limits.sampling_threads`` requests at a time; the others wait their turn,
and past ``Limits.most_jobs`` a request is told to try again. Each request is one stream
of JSON lines: its seed first, then progress and its tunes, a round of
``Limits.round_tunes`` at a time, then ``done`` (or ``error`` with one line). A request
that samples past ``Limits.sampling_seconds``, or whose client goes away, is stopped
before its next character.
"""

import asyncio
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from abcrnn.api import compose
from abcrnn.errors import AbcrnnError
from abcrnn.serve.forms import Limits
from abcrnn.sampling.sample import SampleSettings, check_job
from abcrnn.text.abc import header_fields, numbered


class Busy(AbcrnnError):
    """Too many compose requests are running or waiting."""


class Composer:
    """Runs compose requests for one model."""

    def __init__(self, bundle, limits: Limits):
        self.bundle, self.limits = bundle, limits
        self.executor = ThreadPoolExecutor(limits.sampling_threads, thread_name_prefix="abcrnn-compose")
        self.jobs, self.lock = 0, threading.Lock()

    def settings(self, form: dict) -> SampleSettings:
        """The form as checked sampling settings (with a seed), or ``AbcrnnError`` saying what is wrong."""
        fields = dict(form)
        fields["primer"] = fields.pop("start", "") or ""
        settings = SampleSettings(**fields).with_seed()
        check_job(self.bundle, settings)
        return settings

    def start(self, settings: SampleSettings) -> "Job":
        """Start a request's sampling in a worker thread, or raise ``Busy``; its events come from ``Job.stream``."""
        with self.lock:
            if self.jobs >= self.limits.most_jobs:
                raise Busy(f"the server is busy with {self.jobs} compose requests; try again in a moment")
            self.jobs += 1
        job = Job(settings)
        job.future = asyncio.get_running_loop().run_in_executor(self.executor, self._run, job)
        return job

    def _run(self, job: "Job") -> None:
        """Sample the request's tunes round by round (in a worker thread), sending each round as it is done."""
        settings, send, cancelled = job.settings, job.send, job.cancelled
        deadline = time.monotonic() + self.limits.sampling_seconds
        limit = self.limits.sampling_seconds

        def stop() -> str | None:
            if cancelled.is_set():
                return "the request was cancelled"
            if time.monotonic() > deadline:
                return f"composing took longer than {limit:g} s: ask for fewer tunes, fewer candidates or shorter ones"
            return None

        try:
            done = 0
            while done < settings.n:
                count = min(self.limits.round_tunes, settings.n - done)
                job = replace(settings, n=count, seed=settings.seed + done)  # tune i has seed + i, as in one job

                def progress(finished: int, before: int = done) -> None:
                    send({"event": "progress", "done": before + finished, "total": settings.n})

                composed = compose(model=self.bundle, progress=progress, stop=stop, **job.to_dict())
                tunes = [_tune_entry(tune, done + number) for number, tune in enumerate(composed.tunes, 1)]
                send({"event": "tunes", "tunes": tunes, "notes": composed.notes})
                done += count
            send({"event": "done", "seed": settings.seed})
        except AbcrnnError as error:
            send({"event": "error", "message": str(error)})
        except Exception as error:  # a bug must still end the stream with a line, not hang the page
            send({"event": "error", "message": f"composing failed: {type(error).__name__}: {error}"})
        finally:
            with self.lock:
                self.jobs -= 1


class Job:
    """One compose request: its settings, the events its worker sends, and whether its client went away."""

    def __init__(self, settings: SampleSettings):
        self.settings = settings
        self.loop = asyncio.get_running_loop()
        self.events: asyncio.Queue = asyncio.Queue()
        self.cancelled = threading.Event()
        self.future = None

    def send(self, event: dict) -> None:
        """Queue an event for the stream (called from the worker thread)."""
        self.loop.call_soon_threadsafe(self.events.put_nowait, event)

    async def stream(self):
        """The request's events, one JSON line each, until ``done`` or ``error``."""
        try:
            yield _line({"event": "start", "seed": self.settings.seed, "n": self.settings.n})
            while True:
                event = await self.events.get()
                yield _line(event)
                if event["event"] in ("done", "error"):
                    break
        finally:
            self.cancelled.set()  # the client went away, or the stream ended: the worker stops at its next character


def _tune_entry(tune, number: int) -> dict:
    """What the page shows of a composed tune (its tempo None when its Q: field gives one)."""
    from abcrnn.sound.midi import tune_tempo

    text = numbered(tune.text, number)
    fields = header_fields(text)
    return {"number": number, "abc": text, "title": fields.get("T", ""), "rhythm": fields.get("R", ""),
            "valid": tune.valid, "errors": tune.errors, "truncated": tune.truncated,
            "tempo": tune_tempo(text)[0], "seed": tune.seed}  # fmt: skip


def _line(event: dict) -> str:
    return json.dumps(event, ensure_ascii=False) + "\n"
