"""``abcrnn serve``: the compose page and tune book as a local web app."""

import sys

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def serve(weights: str | None = None, port: int = 8000, host: str = "127.0.0.1", db: str | None = None) -> None:
    """Compose, hear, edit and keep tunes in the browser: a local web app at http://HOST:PORT/.

    Args:
        weights: model bundle folder (default: the shipped folk model).
        port: the port to listen on.
        host: the address to listen on; 127.0.0.1 lets only this computer in (another address warns).
        db: the tune book's SQLite file (default: abcrnn/tunebook.sqlite in your data folder).
    """
    from abcrnn.errors import AbcrnnError

    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise AbcrnnError(f"--port must be a whole number from 1 to 65535, got {port!r}")
    host = str(host)
    bundle, book, name = _open(weights, db)
    allowed = None if host not in LOOPBACK else ["127.0.0.1", "localhost", "[::1]"]
    if allowed is None:
        print(f"abcrnn: warning: listening on {host}: anyone who can reach this address can compose, read and "
              "change your tune book (there is no login); use --host 127.0.0.1 to keep it to this computer",
              file=sys.stderr)  # fmt: skip
    from abcrnn.serve.server import create_app

    app = create_app(bundle, book, model_name=name, allowed_hosts=allowed)
    listening = _listen(host, port)  # before saying where to open it: a port in use is one line, and nothing runs
    shown = f"[{host}]" if ":" in host else host
    print(f"abcrnn serve: {name} model, tune book {book.path}\nopen http://{shown}:{port}/ (Ctrl-C stops)",
          file=sys.stderr)  # fmt: skip
    import uvicorn

    uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False)).run(sockets=[listening])


def _open(weights: str | None, db: str | None):
    """The model and the tune book, each checked before the server starts."""
    from pathlib import Path

    from abcrnn.api import load_model
    from abcrnn.serve.book import TuneBook, default_book_path

    bundle = load_model(weights)
    bundle.engine()  # corrupt weights fail here, in one line, not on the first request
    book = TuneBook(db or default_book_path())
    return bundle, book, Path(bundle.path).name


def _listen(host: str, port: int):
    """A socket listening on ``host:port``, or a one-line error saying why there is none."""
    import errno
    import socket

    from abcrnn.errors import AbcrnnError

    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        listening = socket.socket(family, socket.SOCK_STREAM)
        listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listening.bind((host, port))
        listening.listen(128)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise AbcrnnError(f"cannot listen on {host}:{port}: the port is in use; choose another with --port"
                              ) from None  # fmt: skip
        raise AbcrnnError(f"cannot listen on {host}:{port}: {error.strerror or error}; check --host and --port"
                          ) from None  # fmt: skip
    return listening
