"""File input and output at the edge: checked reads and atomic writes.

Reads fail with one clear ``AbcrnnError`` (missing, empty, binary, not text);
writes go to a temporary file beside the target and are renamed over it, so a
crash or Ctrl-C never leaves a half-written file behind.
"""

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

from abcrnn.text.abc import split_tunes
from abcrnn.errors import AbcrnnError


def read_text_file(path: str | os.PathLike) -> str:
    """Read a UTF-8 (or Latin-1) text file, refusing missing, empty and binary files."""
    path = Path(path)
    if not path.exists():
        raise AbcrnnError(f"{path}: no such file")
    if path.is_dir():
        raise AbcrnnError(f"{path}: is a folder, expected a file")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise AbcrnnError(f"{path}: cannot read ({error.strerror})") from None
    if not data.strip():
        raise AbcrnnError(f"{path}: file is empty")
    if b"\x00" in data:
        raise AbcrnnError(f"{path}: binary file, expected ABC text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # Older ABC collections are often Latin-1; every byte decodes there.
        return data.decode("latin-1")


def read_tunes(path: str | os.PathLike) -> list[str]:
    """The tunes of an ABC file, refusing a file that holds none (as well as missing, empty, binary ones)."""
    tunes = split_tunes(read_text_file(path))
    if not tunes:
        raise AbcrnnError(f"{path}: holds no ABC tunes (no line starts with X:)")
    return tunes


def find_abc_files(paths: list[str]) -> list[Path]:
    """Expand files and folders (searched recursively for ``*.abc``) into a sorted file list."""
    files: list[Path] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            found = sorted(path.rglob("*.abc"))
            if not found:
                raise AbcrnnError(f"{path}: folder holds no .abc files")
            files.extend(found)
        elif path.exists():
            files.append(path)
        else:
            raise AbcrnnError(f"{path}: no such file or folder")
    return files


def as_list(value) -> list[str]:
    """Accept ``a,b`` or a list/tuple (fire turns ``a,b`` into a tuple) as a list of strings."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(item) for item in value]
    return [part for part in str(value).split(",") if part]


def shipped_file(relative: str) -> Path:
    """A file that ships with abcrnn (``weights/...``, ``corpora/...``): here, in the source tree, or where pip
    installed it (``share/abcrnn``); the first that exists, else the path here."""
    import sys

    candidates = [Path(relative), Path(__file__).resolve().parents[1] / relative,
                  Path(sys.prefix) / "share" / "abcrnn" / relative]  # fmt: skip
    return next((path for path in candidates if path.is_file()), candidates[0])


def user_mode(executable: bool = False) -> int:
    """The mode a new file (or, ``executable``, a folder) gets under the user's umask, as ``open`` gives it."""
    umask = os.umask(0)
    os.umask(umask)
    return (0o777 if executable else 0o666) & ~umask


def write_atomic(path: str | os.PathLike, data: str | bytes) -> None:
    """Write text or bytes to ``path`` through a temporary file and a rename; it gets the user's umask."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as error:
        raise AbcrnnError(f"{path}: cannot write ({error.strerror})") from None
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.chmod(temporary, user_mode())  # mkstemp makes it private, and a rename keeps the mode
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


@contextlib.contextmanager
def atomic_directory(path: str | os.PathLike):
    """Yield a temporary folder to fill; on success it replaces ``path`` whole.

    On any error the temporary folder is removed and ``path`` is untouched.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"))
        os.chmod(temporary, user_mode(executable=True))  # mkdtemp makes it private; a bundle is not
    except OSError as error:
        raise AbcrnnError(f"{path}: cannot write ({error.strerror})") from None
    try:
        yield temporary
        old = None
        if path.exists():
            old = path.with_name(f".{path.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.rename(path, old)
        os.rename(temporary, path)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise
