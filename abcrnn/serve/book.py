"""The tune book of ``abcrnn serve``: saved tunes and the settings that made them, in SQLite.

Each save, rename and delete is one transaction, and the database runs in WAL mode:
a crash (or a killed server) during a write loses that write only, never a tune saved
before it. A connection is opened per operation, so the server's threads share nothing
but the file. The default file lives in the user's data folder (``default_book_path``).
"""

import json
import os
import sqlite3
import sys
import time
from contextlib import closing, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from abcrnn.errors import AbcrnnError
from abcrnn.text.abc import header_fields
from abcrnn.text.rhythms import rhythm_name

class MissingTune(AbcrnnError):
    """No tune with that number in the book (the server answers 404)."""


SCHEMA = """
CREATE TABLE IF NOT EXISTS tunes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    rhythm TEXT NOT NULL,
    abc TEXT NOT NULL,
    settings TEXT NOT NULL,  -- JSON: seed, temperature, model and the rest of the compose form
    saved REAL NOT NULL  -- seconds since the epoch
);
CREATE INDEX IF NOT EXISTS tunes_by_rhythm ON tunes (rhythm);
"""


@dataclass
class SavedTune:
    """One tune of the book, as the server lists it."""

    id: int
    title: str
    rhythm: str  # the R: field's name ("jig", "slip jig"), or "" when the tune has none
    abc: str
    settings: dict = field(default_factory=dict)
    saved: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)


def default_book_path() -> Path:
    """Where the tune book lives unless ``--db`` says: the user's data folder, as each system has it."""
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "abcrnn" / "tunebook.sqlite"


class TuneBook:
    """The tunes saved in one SQLite file."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._transaction() as connection:
                connection.executescript(SCHEMA)
                mode = connection.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        except sqlite3.DatabaseError as error:
            raise AbcrnnError(f"{self.path}: not a tune book ({error}); choose another file with --db") from None
        except OSError as error:
            raise AbcrnnError(f"{self.path}: cannot open the tune book ({error.strerror})") from None
        if mode.lower() != "wal":
            raise AbcrnnError(f"{self.path}: SQLite cannot keep this file in WAL mode; choose another with --db")

    @contextmanager
    def _transaction(self):
        """A connection whose work is committed whole at the end, or rolled back on any error."""
        with closing(sqlite3.connect(self.path, timeout=10)) as connection:
            connection.execute("PRAGMA synchronous=NORMAL")  # with WAL: a crash keeps every committed save
            with connection:
                yield connection

    def save(self, abc: str, settings: dict | None = None, title: str | None = None) -> SavedTune:
        """Add a tune; its title and rhythm come from its fields unless ``title`` is given."""
        fields = header_fields(abc)
        title = (title if title is not None else fields.get("T", "")).strip() or "(untitled)"
        rhythm = rhythm_name(fields.get("R", "")) or ""
        saved = time.time()
        settings_text = json.dumps(settings or {}, sort_keys=True)
        with self._transaction() as connection:
            cursor = connection.execute(
                "INSERT INTO tunes (title, rhythm, abc, settings, saved) VALUES (?, ?, ?, ?, ?)",
                (title, rhythm, abc, settings_text, saved),
            )
        return SavedTune(cursor.lastrowid, title, rhythm, abc, settings or {}, saved)

    def tunes(self, rhythm: str | None = None) -> list[SavedTune]:
        """Every saved tune, oldest first, or only those of one rhythm."""
        query, arguments = "SELECT id, title, rhythm, abc, settings, saved FROM tunes", ()
        if rhythm:
            query, arguments = query + " WHERE rhythm = ?", (rhythm_name(rhythm) or rhythm,)
        with self._transaction() as connection:
            rows = connection.execute(query + " ORDER BY id", arguments).fetchall()
        return [SavedTune(row[0], row[1], row[2], row[3], json.loads(row[4]), row[5]) for row in rows]

    def get(self, tune_id: int) -> SavedTune:
        """One saved tune; ``MissingTune`` when there is none with that number."""
        with self._transaction() as connection:
            row = connection.execute("SELECT id, title, rhythm, abc, settings, saved FROM tunes WHERE id = ?",
                                     (tune_id,)).fetchone()  # fmt: skip
        if row is None:
            raise MissingTune(f"no tune {tune_id} in the tune book")
        return SavedTune(row[0], row[1], row[2], row[3], json.loads(row[4]), row[5])

    def rename(self, tune_id: int, title: str) -> SavedTune:
        """Give a saved tune another title, in the book and in its ``T:`` line."""
        from abcrnn.text.abc import with_title

        title = title.strip()
        if not title:
            raise AbcrnnError("a tune's new title cannot be empty")
        with self._transaction() as connection:
            row = connection.execute("SELECT abc FROM tunes WHERE id = ?", (tune_id,)).fetchone()
            if row is None:
                raise MissingTune(f"no tune {tune_id} in the tune book")
            connection.execute("UPDATE tunes SET title = ?, abc = ? WHERE id = ?",
                               (title, with_title(row[0], title), tune_id))  # fmt: skip
        return self.get(tune_id)

    def delete(self, tune_id: int) -> None:
        """Remove a saved tune; ``MissingTune`` when there is none with that number."""
        with self._transaction() as connection:
            if connection.execute("DELETE FROM tunes WHERE id = ?", (tune_id,)).rowcount == 0:
                raise MissingTune(f"no tune {tune_id} in the tune book")
