"""The polling workload's limit: a WSGI app that answers constant JSON, no Django at all.

Served by gunicorn with the same settings as the product, it shows what the server and
the load client alone can do on this machine.
"""

BODY = (
    b'{"guid": "3f2c8a4e-5b1d-4c3e-9a7f-0d1e2f3a4b5c", "status": "active", '
    b'"stage": "basket", "modified_at": "2026-01-01T00:00:00Z"}'
)
HEADERS = [("Content-Type", "application/json"), ("Content-Length", str(len(BODY)))]


def application(environ, start_response):
    start_response("200 OK", HEADERS)
    return [BODY]
