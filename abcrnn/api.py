"""The Python API: what the commands do, as functions that return data instead of printing.

>>> import abcrnn
>>> model = abcrnn.load_model()  # the shipped folk model (or load_model("weights/mine"))
>>> tunes = abcrnn.sample(2, model=model, rhythm="reel", key="D", seed=3)
>>> [(tune.valid, "R:reel" in tune.text, "K:D" in tune.text) for tune in tunes]
[(True, True, True), (True, True, True)]
>>> abcrnn.validate("X:1\\nT:Short\\nM:6/8\\nL:1/8\\nK:G\\nGAB c2|\\n")[0].errors
['bar 1 (G A B c2) is 5/8 long; M:6/8 bars are 6/8']
>>> print(abcrnn.transpose("X:1\\nT:Up\\nM:6/8\\nL:1/8\\nK:G\\nGAB cde|\\n", semitones=2))
X:1
T:Up
M:6/8
L:1/8
K:A
ABc def|
<BLANKLINE>
>>> abcrnn.midi(tunes[0].text)[:4]
b'MThd'
>>> print(abcrnn.chords("X:1\\nT:Up\\nM:6/8\\nL:1/8\\nK:G\\nGAB dBG|cBA DEF|GAB dBG|AGF G3|]\\n"))
X:1
T:Up
M:6/8
L:1/8
K:G
"G"GAB dBG|"C"cBA "D"DEF|"G"GAB dBG|"D"AGF "G"G3|]
<BLANKLINE>
>>> b"<work-title>Up</work-title>" in abcrnn.musicxml("X:1\\nT:Up\\nM:6/8\\nL:1/8\\nK:G\\nGAB dBG|\\n")
True

``abcrnn.page(tunes, "reels.html")`` writes the tunes as an offline tune book page.
"""

from dataclasses import dataclass, field

from abcrnn.bounded import DEFAULT_TIME_LIMIT


@dataclass
class Tune:
    """A sampled tune: its ABC text, the validator's verdict and its seed."""

    text: str
    errors: list[str] = field(default_factory=list)  # what `abcrnn validate` finds; none when valid
    truncated: bool = False  # cut at max_chars, back to its last complete bar
    seed: int | None = None  # sample(1, seed=seed) with the same settings makes this tune again

    @property
    def valid(self) -> bool:
        return not self.errors

    @property
    def title(self) -> str:
        from abcrnn.text.abc import header_fields

        return header_fields(self.text).get("T", "")


def load_model(weights=None):
    """A model bundle (``model.bundle.Bundle``): the shipped folk model, or the bundle folder ``weights``."""
    from abcrnn.model.bundle import default_weights, load_bundle

    return load_bundle(weights or default_weights())


@dataclass
class Composed:
    """What one sampling job gave: the tunes, the seed that makes them again, and notes for the user."""

    tunes: list[Tune]
    seed: int
    notes: list[str] = field(default_factory=list)  # cut tunes, rejected candidates, warnings


def sample(n: int = 5, model=None, progress=None, **settings) -> list[Tune]:
    """Sample ``n`` tunes; ``settings`` are those of ``abcrnn sample`` (``sampling.sample.SampleSettings``).

    Each tune comes with its verdict. Without a ``seed`` one is drawn, so the tunes differ each call.
    """
    return compose(n, model, progress, **settings).tunes


def compose(n: int = 5, model=None, progress=None, stop=None, **settings) -> Composed:
    """``sample``, with the seed used and the notes; ``stop`` (asked before each character) can end the job.

    ``stop`` returns a reason (text) to stop, and the job raises ``AbcrnnError`` with it.
    """
    from abcrnn.sampling.sample import SampleSettings, sample_from
    from abcrnn.text.validate import validate_tunes

    settings = SampleSettings(n=n, **settings).with_seed()
    result = sample_from(model or load_model(), settings, progress, stop)
    unread = [text for text, tune in zip(result.texts, result.tunes) if tune.errors is None]
    reports = iter(validate_tunes(unread, time_limit=settings.time_limit))
    tunes = [
        Tune(text, tune.errors if tune.errors is not None else next(reports).errors, tune.truncated, tune.seed)
        for text, tune in zip(result.texts, result.tunes)
    ]
    return Composed(tunes, result.seed, result.notes)


def validate(text: str, time_limit: float = DEFAULT_TIME_LIMIT) -> list:
    """The verdict (``text.validate.Report``: x, title, errors, valid) on each tune of ABC ``text``."""
    from abcrnn.text.abc import split_tunes
    from abcrnn.text.validate import validate_tunes

    return validate_tunes(split_tunes(text), time_limit=time_limit)


def transpose(text: str, semitones: int = 0, to: str | None = None) -> str:
    """Every tune of ABC ``text`` moved ``semitones`` (or to the key ``to``), as ABC text."""
    from abcrnn.text.abc import join_tunes, split_tunes
    from abcrnn.text.transpose import transpose_tune

    return join_tunes([transpose_tune(tune, semitones, to_key=to) for tune in split_tunes(text)])


def midi(tune: str, tempo: float | None = None, instrument: str = "fiddle") -> bytes:
    """The MIDI file of one tune, playing what is written (repeats, endings, ornaments)."""
    from abcrnn.sound.midi import check_instrument, tune_to_midi

    check_instrument(instrument)
    return tune_to_midi(tune, tempo, instrument)


def chords(text: str, replace: bool = False) -> str:
    """Every tune of ABC ``text`` with guitar chords written in (``text.chords``); tunes with chords keep them
    unless ``replace``."""
    from abcrnn.text.abc import join_tunes, split_tunes
    from abcrnn.text.chords import add_chords

    return join_tunes([add_chords(tune, replace) for tune in split_tunes(text)])


def musicxml(tune: str) -> bytes:
    """The MusicXML file of one tune, for MuseScore and other notation programs (repeats and endings kept)."""
    from abcrnn.sound.musicxml import tune_to_musicxml

    return tune_to_musicxml(tune)


def page(tunes: list, out: str, title: str = "abcrnn tunes", instrument: str = "fiddle") -> int:
    """Write tunes (``Tune`` or ABC text) as one offline tune book page; return how many are invalid."""
    from abcrnn.pages.page import write_page

    texts = [tune.text if isinstance(tune, Tune) else str(tune) for tune in tunes]
    return write_page(texts, out, title, instrument=instrument)
