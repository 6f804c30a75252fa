"""What ``abcrnn serve`` puts around every request: a size limit, a host check and headers that keep the page to itself.

Both are plain ASGI middleware, so they see a request before FastAPI reads its body.
"""

import json

from starlette.exceptions import HTTPException

# The page loads its scripts and styles from this server only, talks to this server only,
# and may not be framed; abcjs sets style attributes on the SVG it draws, hence the one
# allowance for inline styles. Audio is made in the page (WebAudio) and MIDI downloads are
# blob: links. No other origin appears anywhere.
CONTENT_SECURITY_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                           "img-src 'self' data: blob:; media-src 'self' blob: data:; connect-src 'self'; "
                           "font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")  # fmt: skip
# The exported tune book is the offline page of `abcrnn page`: everything inlined, nothing fetched.
OFFLINE_PAGE_POLICY = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
                       "img-src data: blob:; media-src data: blob:; base-uri 'none'; form-action 'none'")  # fmt: skip
SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-resource-policy": "same-origin",
}


def error_line(text: str, most: int = 300) -> str:
    """An error as one line: its first line, cut to ``most`` characters.

    >>> error_line("bad thing\\nTraceback ...")
    'bad thing'
    """
    line = (text.strip().splitlines() or ["error"])[0]
    return line if len(line) <= most else line[: most - 3] + "..."


class BodyLimit:
    """Refuse a request body over ``most_bytes`` with 413, whether it says its length or streams."""

    def __init__(self, app, most_bytes: int):
        self.app, self.most_bytes = app, most_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = dict(scope["headers"]).get(b"content-length", b"0")
        if not length.isdigit() or int(length) > self.most_bytes:
            return await send_error(send, 413, f"the request body is larger than {self.most_bytes} bytes")
        received = 0

        async def limited_receive():
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.most_bytes:  # FastAPI hands this on to the app's HTTPException handler
                raise HTTPException(413, f"the request body is larger than {self.most_bytes} bytes")
            return message

        await self.app(scope, limited_receive, send)


class SecurityHeaders:
    """Add ``SECURITY_HEADERS`` to every answer; with ``allowed_hosts``, refuse other Host headers (DNS rebinding)."""

    def __init__(self, app, allowed_hosts: list[str] | None = None):
        self.app, self.allowed_hosts = app, allowed_hosts

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if self.allowed_hosts is not None:
            host = dict(scope["headers"]).get(b"host", b"").decode("latin-1")
            name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
            if name not in self.allowed_hosts:
                return await send_error(send, 421, f"this server answers to {', '.join(self.allowed_hosts)}, "
                                                   f"not {host or 'no host'}")  # fmt: skip

        async def with_headers(message):
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(name.encode(), value.encode()) for name, value in SECURITY_HEADERS.items()
                         if name.encode() not in present]  # fmt: skip
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, with_headers)


async def send_error(send, status: int, message: str) -> None:
    """Answer with ``{"error": message}`` and ``status`` before the app has seen the request."""
    body = json.dumps({"error": message}).encode()
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
        *((name.encode(), value.encode()) for name, value in SECURITY_HEADERS.items())]})  # fmt: skip
    await send({"type": "http.response.body", "body": body})
