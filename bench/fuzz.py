"""A fuzz campaign: thousands of mutated corpus tunes through everything that hands tunes to music21.

Each tune is a corpus tune with one to four random mutations (characters
replaced, inserted or deleted, lines swapped, M:/L:/K:/Q: garbled; see
tests/mutations.py). Every tune goes through what ``validate`` (and ``corpus``
and ``sample --valid-only``), ``midi`` and ``evaluate --samples`` run on it,
each call in a bounded worker. Prints how many ran, how many hit the time
limit (each such tune is printed), the slowest of the others, and how many
were refused with an exception (a verdict for MIDI rendering; ``validate_tune``
must never raise). First it times the unmutated tunes, for the default limit.

    python bench/fuzz.py [--tunes 5000] [--seed 1] [--time-limit 10] [--commands validate,midi,evaluate]
"""

import argparse
import random
import sys
import time
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from mutations import mutate, random_mutations  # noqa: E402

from abcrnn.text.abc import split_tunes  # noqa: E402
from abcrnn.bounded import map_bounded  # noqa: E402
from abcrnn.sound.midi import tune_to_midi  # noqa: E402
from abcrnn.pages.page import page_data  # noqa: E402
from abcrnn.sampling.quality import parsed_note_statistics  # noqa: E402
from abcrnn.text.validate import validate_tune  # noqa: E402


def timed(function, tune: str) -> tuple[float, str | None]:
    """Seconds ``function(tune)`` took, and the exception it raised, if any (in the worker)."""
    started = time.perf_counter()
    try:
        function(tune)
        raised = None
    except Exception as error:  # counted: validate_tune must never raise; MIDI rendering may refuse
        raised = type(error).__name__
    return time.perf_counter() - started, raised


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", default="corpora/jigs.abc")
    parser.add_argument("--tunes", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--commands", default="validate,midi,evaluate,page",
                        help="which of validate, midi, evaluate, page")  # fmt: skip
    args = parser.parse_args()
    chosen = args.commands.split(",")
    rng = random.Random(args.seed)
    originals = split_tunes(Path(args.corpus).read_text())
    tunes = [mutate(rng.choice(originals), random_mutations(rng)) for _ in range(args.tunes)]
    for name, function in [(name, function) for name, function in (("validate", validate_tune),
                           ("midi", tune_to_midi)) if name in chosen]:  # fmt: skip
        unmutated = map_bounded(partial(timed, function), originals, args.time_limit)
        stopped = [tune.split("\n", 1)[0] for tune, outcome in zip(originals, unmutated) if outcome.error]
        print(f"unmutated, {name}: the slowest of the {len(originals)} tunes of {args.corpus} took "
              f"{max(outcome.value[0] for outcome in unmutated if outcome.value):.2f} s; "
              f"stopped at the limit: {len(stopped)} {' '.join(stopped)}", flush=True)  # fmt: skip
    print(f"{len(tunes)} mutated tunes from {args.corpus} (seed {args.seed}), time limit {args.time_limit:g} s")
    for name, function in (("validate", validate_tune), ("midi", tune_to_midi),
                           ("evaluate --samples", parsed_note_statistics))[: 3 if tunes else 0]:  # fmt: skip
        if name.split()[0] not in chosen:
            continue
        started = time.perf_counter()
        outcomes = map_bounded(partial(timed, function), tunes, args.time_limit)
        timed_out = [outcome for outcome in outcomes if outcome.error]
        finished = [outcome.value for outcome in outcomes if not outcome.error]
        raised = [kind for _, kind in finished if kind]
        slowest = max(seconds for seconds, _ in finished)
        print(f"{name}: {len(outcomes)} tunes in {time.perf_counter() - started:.0f} s; "
              f"stopped at the limit: {len(timed_out)}; slowest of the others {slowest:.2f} s; "
              f"refused with an exception: {len(raised)} ({', '.join(sorted(set(raised))) or 'none'})", flush=True)
        for outcome, tune in zip(outcomes, tunes):
            if outcome.error:
                print(f"  stopped: {tune[:300]!r}")
    if "page" in chosen and tunes:
        started = time.perf_counter()
        entries = page_data(tunes, time_limit=args.time_limit)["tunes"]
        print(f"page: {len(entries)} tunes prepared in {time.perf_counter() - started:.0f} s; "
              f"{sum(entry['midi'] is None for entry in entries)} shown without MIDI, with the reason", flush=True)


if __name__ == "__main__":
    main()
