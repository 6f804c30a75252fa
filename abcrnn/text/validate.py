"""Check that tunes are well formed: header, music21 parse, bar lengths, closing bar line.

Every check gives errors instead of raising, so arbitrary text gets a verdict.
Bar lengths are measured in ``bars.py``.
"""

import re
from dataclasses import asdict, dataclass, field

from abcrnn.text.abc import REQUIRED_FIELDS, header_fields, parse_field_line, split_header_body, strip_comment
from abcrnn.text.bars import bar_length_errors
from abcrnn.bounded import DEFAULT_TIME_LIMIT, map_bounded
from abcrnn.text.parsing import field_errors
from abcrnn.text.tokens import CLOSING_BAR_LINE, open_quote

_CLOSING_BAR_LINE = re.compile(f"({CLOSING_BAR_LINE})\\s*$")


@dataclass
class Report:
    """The verdict on one tune: valid when it has no errors."""

    x: str
    title: str
    errors: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict:
        return {**asdict(self), "valid": self.valid}


def validate_tune(tune: str) -> Report:
    """Check one tune and return every problem found, never raising."""
    fields = header_fields(tune)
    report = Report(x=fields.get("X", "?"), title=fields.get("T", ""))
    try:
        report.errors += header_errors(tune, fields)
        body = [strip_comment(line) for line in split_header_body(tune)[1]]
        body = [line for line in body if line.strip()]
        if not body or not re.search(r"[A-Ga-g]", "".join(line for line in body if not parse_field_line(line))):
            report.errors.append("the tune has no music")
            return report
        if not ends_with_closing_bar(tune):
            report.errors.append("the music does not end with a closing bar line")
        if any(open_quote(line) is not None for line in body if not parse_field_line(line)):
            report.errors.append('a chord symbol or annotation is not closed: a " with no " after it on its line')
        malformed = field_errors(tune)
        if malformed:  # music21 may never return from such a field: it is not asked
            report.errors += malformed
            return report
        report.errors += music21_errors(tune)
        if "M" in fields and not any(error.startswith("music21") for error in report.errors):
            report.errors += bar_length_errors(tune, fields["M"])
    except Exception as error:  # arbitrary text must give a verdict, not a crash
        report.errors.append(f"could not be checked: {type(error).__name__}: {str(error)[:80]}")
    return report


def ends_with_closing_bar(tune: str) -> bool:
    """Whether the last line of music ends with a bar line.

    >>> ends_with_closing_bar("X:1\\nK:G\\nGAB cBA:|\\n% done"), ends_with_closing_bar("X:1\\nK:G\\nGAB [cB]")
    (True, False)
    """
    body = [strip_comment(line) for line in split_header_body(tune)[1]]
    body = [line for line in body if line.strip()]
    return bool(body) and bool(_CLOSING_BAR_LINE.search(body[-1]))


def header_errors(tune: str, fields: dict[str, str]) -> list[str]:
    """Missing required fields, and anything but fields before K:."""
    errors = [f"missing {letter}: field" for letter in REQUIRED_FIELDS if letter not in fields]
    header, _ = split_header_body(tune)
    for line in header:
        line = strip_comment(line).strip()
        if line and not parse_field_line(line):
            errors.append("music before the K: field (K: must end the header)")
            break
    return errors


def music21_errors(tune: str) -> list[str]:
    """An error if music21 cannot parse the tune or finds no notes in it."""
    from abcrnn.text.parsing import parse_failure

    failure = parse_failure(tune)
    return [f"music21 cannot parse it: {failure}"] if failure else []


def validate_tunes(tunes: list[str], progress=None, time_limit: float = DEFAULT_TIME_LIMIT) -> list[Report]:
    """Validate many tunes on every core, one report each, in order; each tune within ``time_limit`` seconds."""
    reports = []
    for tune, outcome in zip(tunes, map_bounded(validate_tune, tunes, time_limit, progress=progress)):
        if outcome.error:  # validate_tune never raises: the time limit passed, or its worker died
            fields = header_fields(tune)
            outcome.value = Report(x=fields.get("X", "?"), title=fields.get("T", ""), errors=[outcome.error])
        reports.append(outcome.value)
    return reports


def error_kind(error: str) -> str:
    """An error without its bar numbers and notes, for counting reasons.

    >>> error_kind("bar 7 (d2e fe) is 5/8 long; M:6/8 bars are 6/8")
    'a bar of the wrong length'
    """
    if re.match(r"bar \d+", error):
        return "a bar of the wrong length"
    return re.sub(r":.*", "", error)
