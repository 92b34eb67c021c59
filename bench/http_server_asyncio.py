"""The Python asyncio server of the bench's "HTTP server" row (bench/run.mjs
starts it and drives it with wrk): HTTP/1.1 with keep-alive and pipelining,
written by hand on asyncio.Protocol (no third-party packages), on 127.0.0.1
and a random port; prints "listening PORT" and serves until it is killed.

  GET /small   HTTP_BODY_BYTES bytes of the pattern, with Content-Length

The same body, type and route as bench/http_server.c (wasyncio) and
bench/http_server.mjs (node's http) serve. Each batch of requests that arrive
together is answered in one write; the Date line is made once a second."""

import asyncio
import email.utils
import time

HTTP_BODY_BYTES = 100   # same in http_server.c and http_server.mjs
PATTERN_PERIOD = 251    # byte i of a body is i % PATTERN_PERIOD
MAX_HEAD = 8192

SMALL = bytes(i % PATTERN_PERIOD for i in range(HTTP_BODY_BYTES))
NOT_FOUND = b"no such route\n"

_date = [0, b""]


def date_line():
    now = int(time.time())
    if now != _date[0]:
        _date[0] = now
        _date[1] = b"Date: " + email.utils.formatdate(now, usegmt=True).encode() + b"\r\n"
    return _date[1]


def response(status, reason, ctype, body, close):
    return b"".join((
        b"HTTP/1.1 %d %s\r\n" % (status, reason), date_line(),
        b"Content-Type: ", ctype, b"\r\nContent-Length: %d\r\n" % len(body),
        b"Connection: close\r\n" if close else b"", b"\r\n", body))


class HttpProtocol(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport = transport
        self.buffer = b""

    def data_received(self, data):
        self.buffer += data
        out = []
        close = False
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buffer) > MAX_HEAD:
                    out.append(response(431, b"Request Header Fields Too Large", b"text/plain", b"", True))
                    close = True
                break
            head = self.buffer[:end].split(b"\r\n")
            parts = head[0].split(b" ")
            if len(parts) != 3 or not parts[2].startswith(b"HTTP/1."):
                out.append(response(400, b"Bad Request", b"text/plain", b"", True))
                close = True
                break
            length = 0
            keep = parts[2] == b"HTTP/1.1"
            for line in head[1:]:
                name, _, value = line.partition(b":")
                name = name.lower()
                if name == b"content-length":
                    length = int(value)
                elif name == b"connection":
                    tokens = [t.strip().lower() for t in value.split(b",")]
                    keep = (keep or b"keep-alive" in tokens) and b"close" not in tokens
            if len(self.buffer) < end + 4 + length:
                break                   # the body is still coming
            self.buffer = self.buffer[end + 4 + length:]
            if parts[0] == b"GET" and parts[1] == b"/small":
                out.append(response(200, b"OK", b"application/octet-stream", SMALL, not keep))
            else:
                out.append(response(404, b"Not Found", b"text/plain", NOT_FOUND, not keep))
            if not keep:
                close = True
                break
        if out:
            self.transport.write(b"".join(out))
        if close:
            self.transport.close()


async def main():
    loop = asyncio.get_running_loop()
    server = await loop.create_server(HttpProtocol, "127.0.0.1", 0)
    print("listening", server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
