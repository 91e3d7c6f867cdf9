"""Serve the demo project's JSON API over HTTP on 127.0.0.1, from a thread of this process.

Runs use it so the support-ticket extractor reaches the demo API with no extra command:
Django's own threaded WSGI server (the one ``runserver`` uses) on a free port, stopped
when the run's resources are torn down.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler


class _QuietHandler(WSGIRequestHandler):
    """No access log on stderr: the run's log has the client's own progress lines."""

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def serve_demo_api(host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Yield the base URL (``http://127.0.0.1:<port>``) of the running demo API."""
    from django.core.wsgi import get_wsgi_application

    server = ThreadedWSGIServer((host, port), _QuietHandler, allow_reuse_address=False)
    server.daemon_threads = True
    # Django's handler is a WSGI application; without django-stubs pyright cannot tell.
    server.set_app(get_wsgi_application())  # pyright: ignore[reportArgumentType]
    thread = threading.Thread(target=server.serve_forever, name="demo-api", daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
