"""A stand-in for the shop's own pages (checkout, home) for the shopper browser tests."""

import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class ShopPages(BaseHTTPRequestHandler):
    """Answers any path with a small page and remembers what it was asked for."""

    requests: list[str] = []

    def do_GET(self):  # noqa: N802 - the http.server hook's name
        if self.path != "/favicon.ico":
            type(self).requests.append(self.path)
        body = b"<!doctype html><title>Shop checkout</title><h1 id='shop'>Checkout</h1>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@contextmanager
def shop_running():
    """The stand-in shop on a free local port; yields its base URL."""
    ShopPages.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), ShopPages)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
