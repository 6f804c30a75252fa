"""How fast ``abcrnn serve`` answers, beside the sampler doing the same work in the same run.

    python bench/serve_latency.py [--weights weights/folk] [--repeats 3] [--clients 8] [--seed 7]

1. Composing 1 and 10 tunes: the time from sending ``POST /api/compose`` to its
   ``done`` line, beside ``abcrnn.api.compose`` sampling and validating the same
   tunes (same seed and settings: the server's tunes are checked to be the same) in
   this process, and beside ``abcrnn sample`` run as a command (which also starts
   Python and writes ABC, MIDI and a page). Medians of ``--repeats`` runs.
   Target (issue 19): the server within 1.5x of the sampler's own time.
2. ``--clients`` clients composing one tune each, three times over, all at once:
   p50 and p99 of their answers, and how many failed (target: none), beside the
   sampler composing the same tunes one after another.
Start-up is left out of every server figure: the server is started and answering first.
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from serving import Server  # noqa: E402  (starts `abcrnn serve` as a user would)


def compose_over_http(url: str, settings: dict) -> tuple[float, list[str]]:
    """Seconds until the done line, and the tunes' ABC."""
    request = urllib.request.Request(url + "/api/compose", json.dumps(settings).encode(),
                                     {"Content-Type": "application/json"})  # fmt: skip
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=600) as response:
        events = [json.loads(line) for line in response.read().decode().splitlines()]
    seconds = time.perf_counter() - start
    if events[-1]["event"] != "done":
        raise RuntimeError(f"compose failed: {events[-1]}")
    return seconds, [tune["abc"] for event in events if event["event"] == "tunes" for tune in event["tunes"]]


def compose_here(bundle, settings: dict) -> tuple[float, list[str]]:
    from abcrnn.api import compose

    start = time.perf_counter()
    tunes = compose(model=bundle, **settings).tunes
    return time.perf_counter() - start, [tune.text for tune in tunes]


def sample_command(weights: str, settings: dict) -> float:
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "abcrnn", "sample", "--weights", weights, "--n", str(settings["n"]),
                        "--seed", str(settings["seed"]), "--out", f"{folder}/tunes.abc"],
                       check=True, capture_output=True, cwd=ROOT)  # fmt: skip
        return time.perf_counter() - start


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--weights", default="weights/folk")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seed", type=int, default=7)
    options = parser.parse_args()
    from abcrnn.api import load_model

    bundle = load_model(options.weights)
    with tempfile.TemporaryDirectory() as folder:
        server = Server(Path(folder) / "book.sqlite", weights=options.weights)
        try:
            compose_over_http(server.url, {"n": 1, "seed": 0})  # warm both sides up once
            compose_here(bundle, {"n": 1, "seed": 0})
            print(f"{'tunes':>5}  {'server':>8}  {'sampler':>8}  {'ratio':>6}  {'abcrnn sample':>13}  same tunes")
            for n in (1, 10):
                rows = []
                for repeat in range(options.repeats):
                    settings = {"n": n, "seed": options.seed + repeat}
                    served, served_tunes = compose_over_http(server.url, settings)
                    sampled, sampled_tunes = compose_here(bundle, settings)
                    rows.append((served, sampled, served_tunes == sampled_tunes))
                command = sample_command(options.weights, {"n": n, "seed": options.seed})
                served, sampled = (statistics.median(row[i] for row in rows) for i in (0, 1))
                print(f"{n:>5}  {served:>7.2f}s  {sampled:>7.2f}s  {served / sampled:>5.2f}x  {command:>12.2f}s  "
                      f"{all(row[2] for row in rows)}")  # fmt: skip
            concurrent(server.url, bundle, options.clients, options.seed)
        finally:
            server.kill()


def concurrent(url: str, bundle, clients: int, seed: int) -> None:
    jobs = [{"n": 1, "seed": seed + 100 + number} for number in range(3 * clients)]

    def client(number: int) -> list[float | None]:
        times = []
        for settings in jobs[number::clients]:
            try:
                times.append(compose_over_http(url, settings)[0])
            except Exception as error:  # counted as a failure, and said
                print(f"client {number}: {error}", file=sys.stderr)
                times.append(None)
        return times

    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        latencies = [value for values in pool.map(client, range(clients)) for value in values]
    wall = time.perf_counter() - start
    served = [value for value in latencies if value is not None]
    one_by_one = sum(compose_here(bundle, settings)[0] for settings in jobs)
    print(f"\n{clients} clients, {len(jobs)} requests of 1 tune: {len(served)} answered, "
          f"{len(latencies) - len(served)} failed; p50 {percentile(served, 0.5):.2f}s, "
          f"p99 {percentile(served, 0.99):.2f}s; "
          f"all done in {wall:.1f}s (the sampler alone, one after another: {one_by_one:.1f}s)")  # fmt: skip


if __name__ == "__main__":
    main()
