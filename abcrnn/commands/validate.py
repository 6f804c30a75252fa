"""``abcrnn validate``: check the tunes of an ABC file and print a verdict for each."""

import sys

from abcrnn.bounded import DEFAULT_TIME_LIMIT, check_time_limit
from abcrnn.text.validate import validate_tunes


def validate(file: str, json: bool = False, time_limit: float = DEFAULT_TIME_LIMIT) -> None:
    """Check every tune in an ABC file: header fields, music21 parse, bar lengths, closing bar line.

    Exits 0 when every tune is valid, 1 otherwise.

    Args:
        file: the ABC file to check.
        json: print a JSON list, one object per tune, instead of text.
        time_limit: seconds one tune may take to read; a slower one is reported and the rest go on.
    """
    import json as json_module

    from abcrnn.files import read_tunes
    from abcrnn.progress import progress_printer

    time_limit = check_time_limit(time_limit)
    tunes = read_tunes(file)
    reports = validate_tunes(tunes, progress_printer(len(tunes), "validated tunes:"), time_limit)
    if json:
        print(json_module.dumps([report.to_dict() for report in reports], indent=1))
    else:
        for report in reports:
            verdict = "valid" if report.valid else "invalid: " + "; ".join(report.errors)
            print(f"X:{report.x} {report.title}: {verdict}")
    valid = sum(report.valid for report in reports)
    print(f"{len(reports)} tunes: {valid} valid ({100 * valid / len(reports):.1f}%), {len(reports) - valid} invalid",
          file=sys.stderr)  # fmt: skip
    if valid < len(reports):
        raise SystemExit(1)
