"""Rhythm names: the one name a corpus, a model and a user write for each dance, and which tunes are of it.

Collections write the same dance several ways (``Double Jig``, ``SlipJig``, ``jig`` in 9/8);
``rhythm_name`` gives each its family's one lower-case name, which the corpus writes, the
model learns and the sampler forces.
"""

import re

from abcrnn.text.abc import header_fields

# R: values that mean the same dance; a rhythm not listed here matches itself.
# A corpus writes every member of a family as the family's name.
RHYTHM_FAMILIES = {
    "jig": {"jig", "double jig", "single jig"},
    "slip jig": {"slip jig", "slipjig", "hop jig"},
    "fling": {"fling", "highland fling"},
}

# Tunes with no R: field still count when their meter can only mean this rhythm.
RHYTHM_METERS = {"jig": "6/8", "slip jig": "9/8", "slide": "12/8"}


def normalize_rhythm(rhythm: str) -> str:
    """Lower-case a rhythm name and fold spaces, hyphens and underscores.

    >>> normalize_rhythm(" Slip-Jig "), normalize_rhythm("slipjig")
    ('slip jig', 'slip jig')
    """
    name = re.sub(r"[\s_-]+", " ", rhythm.lower()).strip()
    for family in RHYTHM_FAMILIES:
        if name.replace(" ", "") == family.replace(" ", ""):
            return family
    return name


def rhythm_name(rhythm: str) -> str:
    """The one lower-case name a corpus writes for a rhythm: its family's.

    >>> rhythm_name("Double Jig"), rhythm_name("SlipJig"), rhythm_name("Reel")
    ('jig', 'slip jig', 'reel')
    """
    name = normalize_rhythm(rhythm)
    return next((family for family, members in RHYTHM_FAMILIES.items() if name in members), name)


def with_rhythm_name(tune: str) -> str:
    """A cleaned tune with its R: field written as the rhythm's one name.

    A "jig" in 9/8 is a slip jig and in 12/8 a slide (Ryan's calls some so);
    the meter names them unambiguously. No R: is added where the collection
    gives none: in O'Neill's, untagged tunes in 6/8 and 9/8 are airs as often
    as jigs and slip jigs, so no meter alone names a rhythm.

    >>> with_rhythm_name("X:1\\nT:A\\nR:Double Jig\\nM:6/8\\nK:G")
    'X:1\\nT:A\\nR:jig\\nM:6/8\\nK:G'
    >>> with_rhythm_name("X:1\\nR:Jig\\nM:9/8\\nK:G"), with_rhythm_name("X:1\\nR:\\nK:G")
    ('X:1\\nR:slip jig\\nM:9/8\\nK:G', 'X:1\\nK:G')
    """
    meter = header_fields(tune).get("M", "").replace(" ", "")

    def rename(match: re.Match) -> str:
        name = rhythm_name(match.group(1))
        if name == "jig":
            name = {"9/8": "slip jig", "12/8": "slide"}.get(meter, name)
        return f"R:{name}\n" if name else ""  # an empty R: names nothing

    return re.sub(r"^R:(.*)\n", rename, tune, count=1, flags=re.MULTILINE)


def matches_rhythm(fields: dict[str, str], rhythm: str) -> bool:
    """True if a tune's R: (or, without one, its meter) says it is of ``rhythm``.

    >>> matches_rhythm({"R": "Double Jig", "M": "6/8"}, "jig")
    True
    >>> matches_rhythm({"M": "6/8"}, "jig"), matches_rhythm({"R": "air", "M": "6/8"}, "jig")
    (True, False)
    """
    rhythm = normalize_rhythm(rhythm)
    if rhythm == "any":
        return True
    tune_rhythm = normalize_rhythm(fields.get("R", ""))
    if tune_rhythm:
        return tune_rhythm in RHYTHM_FAMILIES.get(rhythm, {rhythm}) or tune_rhythm == rhythm
    return fields.get("M", "").replace(" ", "") == RHYTHM_METERS.get(rhythm)


# A bundle stores how many corpus tunes have each rhythm in each meter under keys such as
# "jig M:6/8" ("none" for tunes without R:), as JSON keys must be text; these two read and write them.
_PAIR_SEPARATOR = " M:"


def rhythm_meter_key(rhythm: str, meter: str) -> str:
    """The stored key of a rhythm in a meter: ``rhythm_meter_key("reel", "C|")`` is ``'reel M:C|'``."""
    return f"{rhythm}{_PAIR_SEPARATOR}{meter}"


def rhythm_meter_pairs(counts: dict[str, int]) -> dict[tuple[str, str], int]:
    """Stored rhythm-meter counts by ``(rhythm, meter)``.

    >>> rhythm_meter_pairs({"slip jig M:9/8": 10, "none M:C|": 2})
    {('slip jig', '9/8'): 10, ('none', 'C|'): 2}
    """
    return {tuple(key.rsplit(_PAIR_SEPARATOR, 1)): count for key, count in counts.items()}
