"""Progress of long work on stderr: a live line on a terminal, a line per tenth otherwise."""

import sys


def progress_printer(total: int, doing: str):
    """A callback taking how many of ``total`` items are done; None for a single item.

    A count already reported is not printed again (a caller may report where it stands more than once).
    """
    if total <= 1:
        return None
    reported = set()

    def report(done: int) -> None:
        if done in reported:
            return
        reported.add(done)
        if sys.stderr.isatty():
            print(f"\r{doing} {done}/{total}", end="\n" if done == total else "", file=sys.stderr, flush=True)
        elif done == total or done % max(1, total // 10) == 0:
            print(f"{doing} {done}/{total}", file=sys.stderr, flush=True)

    return report
