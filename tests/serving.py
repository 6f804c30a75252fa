"""``abcrnn serve`` started in its own process, for the browser tests and bench/serve_latency.py."""

import json
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).parent.parent


class Server:
    """``abcrnn serve`` in its own process, as a user starts it."""

    def __init__(self, db, weights: str | None = None, host: str | None = None):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen([sys.executable, "-m", "abcrnn", "serve", "--port", str(self.port),
                                         "--db", str(db), *(["--weights", str(weights)] if weights else []),
                                         *(["--host", host] if host else [])],
                                        cwd=ROOT, stderr=subprocess.PIPE, text=True)  # fmt: skip
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.url + "/api/model", timeout=2)
                return
            except OSError:
                if self.process.poll() is not None:
                    raise AssertionError(f"abcrnn serve stopped: {self.process.stderr.read()}") from None
                time.sleep(0.3)
        raise AssertionError("abcrnn serve did not answer within 90 s")

    def kill(self) -> str:
        """Stop it as a crash would, with no chance to tidy up; return what it wrote to stderr."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        return self.process.stderr.read()

    def post(self, path: str, body: dict) -> dict:
        request = urllib.request.Request(self.url + path, json.dumps(body).encode(),
                                         {"Content-Type": "application/json"})  # fmt: skip
        return json.loads(urllib.request.urlopen(request, timeout=30).read())
