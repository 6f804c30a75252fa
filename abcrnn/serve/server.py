"""``abcrnn serve``'s web app: the compose page and the JSON API it calls (FastAPI; described at /openapi.json).

``create_app`` builds the app for one model and one tune book. The page and its scripts
are served from this package (no other origin: see ``SECURITY_HEADERS``); every
request's body is checked (``forms``) and every failure is a 4xx with one line,
``{"error": "..."}``. Sampling runs in worker threads (``composing``); the other routes
are plain functions, which FastAPI runs in its own thread pool.
"""

from functools import partial
from pathlib import Path

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.exceptions import HTTPException

from abcrnn.errors import AbcrnnError
from abcrnn.pages.page import STATIC
from abcrnn.serve.book import MissingTune, TuneBook
from abcrnn.serve.composing import Busy, Composer
from abcrnn.serve.forms import (
    LIMITS,
    AbcText,
    ChordsRequest,
    ComposeRequest,
    Limits,
    MidiRequest,
    OpeningRequest,
    RenameRequest,
    SaveRequest,
    TransposeRequest,
)
from abcrnn.serve.guards import OFFLINE_PAGE_POLICY, BodyLimit, SecurityHeaders, error_line
from abcrnn.text.rhythms import rhythm_meter_pairs

SERVED = ("abcjs-basic-min.js", "player.js", "compose.js", "compose.css", "abcjs-LICENSE.md")
MEDIA_TYPES = {".js": "text/javascript", ".css": "text/css", ".md": "text/plain"}


def create_app(bundle, book: TuneBook, limits: Limits = LIMITS, model_name: str = "folk",
               allowed_hosts: list[str] | None = None) -> FastAPI:  # fmt: skip
    """The web app for ``bundle``, keeping tunes in ``book``; ``allowed_hosts`` guards against DNS rebinding."""
    from abcrnn import __version__

    # No /docs or /redoc: their pages fetch scripts from a CDN. /openapi.json describes the API.
    app = FastAPI(title="abcrnn", version=__version__, docs_url=None, redoc_url=None,
                  description="Compose folk tunes in ABC with an LSTM, hear and edit them, keep a tune book.")
    app.add_middleware(BodyLimit, most_bytes=limits.most_body_bytes)
    app.add_middleware(SecurityHeaders, allowed_hosts=allowed_hosts)
    composer = Composer(bundle, limits)
    _add_error_handlers(app)
    _add_page_routes(app, bundle, limits, model_name)
    _add_music_routes(app, composer)
    _add_book_routes(app, book, model_name)
    return app


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError):
        return JSONResponse({"error": _validation_line(error.errors())}, status_code=422)

    @app.exception_handler(Busy)
    async def busy(request: Request, error: Busy):
        return JSONResponse({"error": str(error)}, status_code=429, headers={"Retry-After": "2"})

    @app.exception_handler(MissingTune)
    async def missing(request: Request, error: MissingTune):
        return JSONResponse({"error": error_line(str(error))}, status_code=404)

    @app.exception_handler(AbcrnnError)
    async def refused(request: Request, error: AbcrnnError):
        return JSONResponse({"error": error_line(str(error))}, status_code=400)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException):
        return JSONResponse({"error": error_line(str(error.detail))}, status_code=error.status_code,
                            headers=getattr(error, "headers", None))  # fmt: skip


def _validation_line(errors) -> str:
    """pydantic's first complaint as one line a person can act on."""
    if not errors:
        return "the request is not what this route takes"
    first = errors[0]
    if first.get("type") == "json_invalid":
        return "the request body is not valid JSON"
    if first.get("type") == "model_attributes_type" or first.get("loc") == ("body",):
        return "the request body must be a JSON object"
    where = ".".join(str(part) for part in first.get("loc", ()) if part != "body")
    return error_line(f"{where}: {first.get('msg', 'is not accepted')}" if where else first.get("msg", ""))


def _add_page_routes(app: FastAPI, bundle, limits: Limits, model_name: str) -> None:
    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def compose_page():
        return HTMLResponse((STATIC / "compose.html").read_text(encoding="utf-8"))

    @app.get("/static/{name}", include_in_schema=False)
    def static_file(name: str):
        if name not in SERVED:  # only the page's own files: no request names another file
            raise HTTPException(404, f"no file {name!r} here")
        return Response((STATIC / name).read_bytes(), media_type=MEDIA_TYPES[Path(name).suffix],
                        headers={"Cache-Control": "no-cache"})  # fmt: skip

    @app.get("/api/model", summary="The model: its menus (from its corpus), defaults and limits")
    def model_info():
        return _model_info(bundle, limits, model_name)


def _model_info(bundle, limits: Limits, model_name: str) -> dict:
    headers = bundle.header_statistics or {}
    rhythms = sorted((name for name in headers.get("rhythms", {}) if name != "none"),
                     key=lambda name: -headers["rhythms"][name])  # fmt: skip
    meters: dict[str, list[str]] = {}
    for (rhythm, meter), count in sorted(rhythm_meter_pairs(headers.get("rhythm_meters", {})).items(),
                                         key=lambda item: -item[1]):  # fmt: skip
        meters.setdefault(rhythm, []).append(meter)
    best = next((row for row in bundle.history if row["epoch"] == bundle.best_epoch), {})
    return {
        "model": model_name,
        "validation_bits_per_char": best.get("validation_bits_per_char"),
        "rhythms": rhythms,
        "meters": meters,
        "keys": sorted(headers.get("keys", {}), key=lambda key: -headers["keys"][key]),
        "characters": bundle.vocabulary.characters,
        "defaults": ComposeRequest().model_dump(),
        "limits": {"tunes": limits.most_tunes, "max_chars": limits.most_chars, "best_of": limits.most_candidates,
                   "sampling_seconds": limits.sampling_seconds},  # fmt: skip
    }


def _add_music_routes(app: FastAPI, composer: Composer) -> None:
    @app.post("/api/compose", summary="Sample tunes; the answer is JSON lines: start, progress, tunes, done or error")
    async def compose(form: ComposeRequest):
        job = composer.start(composer.settings(form.model_dump()))
        return StreamingResponse(job.stream(), media_type="application/x-ndjson")

    @app.post("/api/check", summary="Validate ABC: the verdict on each tune, naming the bar at fault")
    def check(body: AbcText):
        from abcrnn.text.validate import validate_tunes

        reports = validate_tunes(_tunes_of(body.abc))
        return {"tunes": [{"x": report.x, "title": report.title, "valid": report.valid, "errors": report.errors}
                          for report in reports]}  # fmt: skip

    @app.post("/api/transpose", summary="Move ABC by semitones or to a key, with abcrnn's transposer")
    def transpose(body: TransposeRequest):
        from abcrnn.api import transpose

        return {"abc": transpose("\n\n".join(_tunes_of(body.abc)), body.semitones, to=body.to or None).strip("\n")}

    @app.post("/api/midi", summary="One tune as a MIDI file, playing what is written",
              response_class=Response, responses={200: {"content": {"audio/midi": {}}}})  # fmt: skip
    def midi(body: MidiRequest):
        from abcrnn.bounded import map_bounded
        from abcrnn.sound.midi import check_instrument, midi_file_name, tune_to_midi

        check_instrument(body.instrument)
        tune = _tunes_of(body.abc)[0]
        outcome = map_bounded(partial(tune_to_midi, tempo=body.tempo, instrument=body.instrument), [tune])[0]
        if outcome.error:
            raise AbcrnnError(f"this tune cannot be played: {outcome.error}")
        return Response(outcome.value, media_type="audio/midi",
                        headers={"Content-Disposition": f'attachment; filename="{midi_file_name(tune)}"'})  # fmt: skip

    @app.post("/api/musicxml", summary="One tune as a MusicXML file, for MuseScore and other notation programs",
              response_class=Response, responses={200: {"content": {"application/vnd.recordare.musicxml+xml": {}}}})
    def musicxml(body: AbcText):
        from abcrnn.bounded import map_bounded
        from abcrnn.sound.musicxml import musicxml_file_name, tune_to_musicxml

        tune = _tunes_of(body.abc)[0]
        outcome = map_bounded(tune_to_musicxml, [tune])[0]
        if outcome.error:
            raise AbcrnnError(f"this tune cannot be written as MusicXML: {outcome.error}")
        return Response(outcome.value, media_type="application/vnd.recordare.musicxml+xml",
                        headers={"Content-Disposition": f'attachment; filename="{musicxml_file_name(tune)}"'})

    @app.post("/api/backing", summary="The accompaniment a tune's guitar chords call for, as the MIDI plays it")
    def backing(body: AbcText):
        from abcrnn.bounded import map_bounded
        from abcrnn.sound.accompaniment import backing_rows

        outcome = map_bounded(backing_rows, [_tunes_of(body.abc)[0]])[0]
        if outcome.error:
            raise AbcrnnError(f"this tune's chords cannot be played: {outcome.error}")
        return {"backing": outcome.value}

    @app.post("/api/chords", summary="Guitar chords written into a tune that has none (replace: choose new ones)")
    def chords(body: ChordsRequest):
        from abcrnn.text.chords import add_chords

        return {"abc": "\n\n".join(add_chords(tune, body.replace) for tune in _tunes_of(body.abc))}

    @app.post("/api/opening", summary="The start of a tune to sample the rest again from")
    def opening(body: OpeningRequest):
        from abcrnn.text.bars import opening

        return {"start": opening(_tunes_of(body.abc)[0], body.through)}


def _tunes_of(text: str) -> list[str]:
    """The tunes of ABC text; text without an ``X:`` line is taken as one tune."""
    from abcrnn.text.abc import split_tunes

    tunes = split_tunes(text) if "X:" in text else [f"X:1\n{text}"]
    if not tunes:
        raise AbcrnnError("no tune in the text: a tune starts with an X: line")
    return tunes


def _add_book_routes(app: FastAPI, book: TuneBook, model_name: str) -> None:
    from abcrnn.serve.exports import book_abc, book_midi_zip, book_musicxml_zip, book_page

    @app.get("/api/book", summary="The saved tunes, oldest first; rhythm= keeps one rhythm")
    def list_tunes(rhythm: str | None = Query(None, max_length=40)):
        return {"tunes": [tune.to_dict() for tune in book.tunes(rhythm)]}

    @app.post("/api/book", status_code=201, summary="Save a tune with the settings that made it")
    def save(body: SaveRequest):
        return book.save(body.abc, {"model": model_name} | body.settings, body.title).to_dict()

    @app.get("/api/book/export.abc", summary="The book as one ABC file")
    def export_abc(rhythm: str | None = Query(None, max_length=40)):
        return _download(book_abc(book.tunes(rhythm)), "text/vnd.abc; charset=utf-8", "tunebook.abc")

    @app.get("/api/book/export.zip", summary="The book as MIDI files, one per tune, in a zip")
    def export_midi(rhythm: str | None = Query(None, max_length=40)):
        return _download(book_midi_zip(book.tunes(rhythm)), "application/zip", "tunebook-midi.zip")

    @app.get("/api/book/export-musicxml.zip", summary="The book as MusicXML files, one per tune, in a zip")
    def export_musicxml(rhythm: str | None = Query(None, max_length=40)):
        return _download(book_musicxml_zip(book.tunes(rhythm)), "application/zip", "tunebook-musicxml.zip")

    @app.get("/api/book/export.html", summary="The book as the offline page of `abcrnn page`")
    def export_page(rhythm: str | None = Query(None, max_length=40)):
        return _download(book_page(book.tunes(rhythm)), "text/html; charset=utf-8", "tunebook.html",
                         {"Content-Security-Policy": OFFLINE_PAGE_POLICY})

    @app.get("/api/book/{tune_id}", summary="One saved tune")
    def get(tune_id: int):
        return book.get(tune_id).to_dict()

    @app.patch("/api/book/{tune_id}", summary="Rename a saved tune (its T: line too)")
    def rename(tune_id: int, body: RenameRequest):
        return book.rename(tune_id, body.title).to_dict()

    @app.delete("/api/book/{tune_id}", status_code=204, summary="Delete a saved tune")
    def delete(tune_id: int):
        book.delete(tune_id)
        return Response(status_code=204)


def _download(content: str | bytes, media_type: str, name: str, headers: dict | None = None) -> Response:
    return Response(content, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'} | (headers or {}))
