"""What each request of ``abcrnn serve`` may carry, and the limits that keep one request from taking the server.

The request bodies are pydantic models, so FastAPI checks them before a route runs and
describes them at ``/openapi.json``; what they leave to the library (a key that is not a
key, a rhythm the model never saw) is checked by the same ``SampleSettings`` the command uses.
"""

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field


@dataclass(frozen=True)
class Limits:
    """How much one request may ask of the server."""

    most_tunes: int = 50  # tunes per compose request
    most_chars: int = 4000  # max_chars of a tune (the longest corpus tune is about 2,600)
    most_candidates: int = 16  # best_of
    most_abc_chars: int = 200_000  # an ABC text sent to check, transpose, play or save
    most_body_bytes: int = 400_000  # a request body of any kind
    sampling_seconds: float = 120.0  # one compose request's sampling, from when it starts
    most_jobs: int = 16  # compose requests running or waiting; more are told to try again
    sampling_threads: int = 2  # compose requests sampling at once (one per core of a small machine)
    round_tunes: int = 10  # a long request's tunes are sent in rounds of this many, as each round is done


LIMITS = Limits()
_STRICT = ConfigDict(extra="forbid")  # a misspelt field is an error, not a default used silently


def _compose_request():
    """The compose form: the fields of ``SampleSettings`` the server takes, each with its help and bounds."""
    from pydantic import create_model

    from abcrnn.declared import served_fields
    from abcrnn.sampling.sample import SampleSettings

    fields = {}
    for name, (annotation, default, help, bounds) in served_fields(SampleSettings).items():
        limits = {bound: getattr(LIMITS, value) if isinstance(value, str) else value for bound, value in bounds.items()}
        fields[name] = (annotation, Field(default, description=help, **limits))
    return create_model("ComposeRequest", __config__=_STRICT, __doc__="The compose form: what to sample, as "
                        "``abcrnn sample`` takes it.", **fields)  # fmt: skip


ComposeRequest = _compose_request()


class AbcText(BaseModel):
    """ABC text: one tune or several."""

    model_config = _STRICT
    abc: str = Field(..., min_length=1, max_length=LIMITS.most_abc_chars)


class TransposeRequest(AbcText):
    """Move a tune by semitones, or to a key (``to`` wins)."""

    semitones: int = Field(0, ge=-24, le=24)
    to: str | None = Field(None, max_length=20, description="a key such as A, Em or Gdor")


class MidiRequest(AbcText):
    """Render one tune to MIDI as written (repeats, endings, ornaments)."""

    tempo: float | None = Field(None, gt=0, le=400, description="beats a minute (default: the tune's Q:)")
    instrument: str = Field("fiddle", max_length=20)


class ChordsRequest(AbcText):
    """Write guitar chords into tunes."""

    replace: bool = Field(False, description="take out the chords a tune has and choose new ones")


class OpeningRequest(AbcText):
    """Keep the start of a tune to sample the rest again: its first part, or through the bar holding a character."""

    through: int | None = Field(None, ge=0, description="a character offset in abc; default: the first part")


class SaveRequest(AbcText):
    """Save a tune in the tune book, with the settings that made it."""

    settings: dict = Field(default_factory=dict, description="seed, temperature, model... as composed")
    title: str | None = Field(None, max_length=200)


class RenameRequest(BaseModel):
    """A saved tune's new title."""

    model_config = _STRICT
    title: str = Field(..., min_length=1, max_length=200)
