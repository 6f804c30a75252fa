"""Tunes like your own: fine-tune the shipped model on a small collection of another style, as the README does.

The collection is real and ships with music21: the Luxembourg songs of the Essen folk-song
collection (``essenFolksong/lux.abc``), the first 60 that pass validation once a closing bar
line is added. The README's three commands then run as a user types them (``abcrnn corpus``,
``abcrnn train --warm-start shipped``, ``abcrnn sample``), in a temporary folder, and this
prints what they made: held-out bits per character, the share of samples that pass validation
(the default critic and ``--best-of 1``), copies of the collection, meters and keys beside it.

    python bench/fine_tune.py [--n 100] [--seed 3] [--epochs 15]
"""

import argparse
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from abcrnn.text.abc import header_fields, split_tunes
from abcrnn.text.validate import validate_tunes

COLLECTION_SIZE = 60


def collection() -> str:
    """The first songs of lux.abc that pass validation with a closing bar line added."""
    import music21

    path = Path(music21.__file__).parent / "corpus" / "essenFolksong" / "lux.abc"
    tunes = [tune.rstrip() + ("" if tune.rstrip().endswith(("|", "]")) else "|]")
             for tune in split_tunes(path.read_text(encoding="latin-1"))]  # fmt: skip
    valid = [tune for tune, report in zip(tunes, validate_tunes(tunes)) if report.valid]
    return "\n\n".join(valid[:COLLECTION_SIZE]) + "\n"


def abcrnn(*arguments: str) -> tuple[float, str]:
    """Run an abcrnn command; its seconds and its standard output."""
    start = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "abcrnn", *arguments], capture_output=True, text=True)
    if result.returncode:
        sys.exit(f"abcrnn {arguments[0]} failed: {result.stderr.strip().splitlines()[-1]}")
    return time.monotonic() - start, result.stdout + result.stderr


def shares(tunes: list[str], letter: str) -> str:
    counts = Counter(header_fields(tune).get(letter, "none") for tune in tunes)
    return ", ".join(f"{value} {100 * number / len(tunes):.0f}%" for value, number in counts.most_common(5))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=15)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        (work / "lux.abc").write_text(collection(), encoding="utf-8")
        abcrnn("corpus", "--inputs", str(work / "lux.abc"), "--rhythm", "any", "--valid-only", "--out",
               str(work / "mine.abc"))  # fmt: skip
        seconds, log = abcrnn("train", "--corpus", str(work / "mine.abc"), "--warm-start", "shipped", "--out",
                              str(work / "mine"), "--epochs", str(options.epochs), "--batch-size", "16",
                              "--learning-rate", "0.001")  # fmt: skip
        held_out = [line for line in log.splitlines() if line.startswith("epoch ")][-1]
        print(f"{options.epochs} epochs in {seconds:.0f} s; last: {held_out}")
        corpus = split_tunes((work / "mine.abc").read_text(encoding="utf-8"))
        print(f"collection: {len(corpus)} tunes; meters {shares(corpus, 'M')}; keys {shares(corpus, 'K')}")
        for name, extra in [("default", []), ("--best-of 1", ["--best-of", "1"])]:
            out = work / "samples.abc"
            seconds, _ = abcrnn("sample", "--weights", str(work / "mine"), "--rhythm", "any", "--n", str(options.n),
                                "--seed", str(options.seed), "--out", str(out), *extra)  # fmt: skip
            tunes = split_tunes(out.read_text(encoding="utf-8"))
            valid = sum(report.valid for report in validate_tunes(tunes))
            _, report = abcrnn("evaluate", "--samples", str(out), "--corpus", str(work / "mine.abc"))
            copies = next(line for line in report.splitlines() if line.startswith("copy 4+"))
            print(f"{name}: {100 * valid / len(tunes):.0f}% of {len(tunes)} pass validation ({seconds:.0f} s); "
                  f"{copies}; meters {shares(tunes, 'M')}; keys {shares(tunes, 'K')}")


if __name__ == "__main__":
    main()
