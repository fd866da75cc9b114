"""A webhook receiver process for the tests: ``python -m tests.support.webhook_receiver LOG PORTFILE
[--answers 500,200] [--sleep-first N --sleep SECONDS] [--drip SECONDS]``.

Writes one JSON line per request to LOG as soon as it arrives (before any sleep), then
answers with the next status code of ``--answers`` (the last one repeats). With ``--drip``
the whole answer, status line first, goes out one byte every SECONDS.
"""

import argparse
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("log")
    parser.add_argument("portfile")
    parser.add_argument("--answers", default="200")
    parser.add_argument("--sleep", type=float, default=0.0)
    parser.add_argument("--sleep-first", type=int, default=0)
    parser.add_argument("--location", default="")
    parser.add_argument("--drip", type=float, default=0.0)
    options = parser.parse_args()
    answers = [int(code) for code in options.answers.split(",")]
    lock = threading.Lock()
    seen = [0]

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with lock:
                number = seen[0]
                seen[0] += 1
                with open(options.log, "a", encoding="utf-8") as log:
                    log.write(
                        json.dumps(
                            {
                                "number": number,
                                "at": time.time(),
                                "path": self.path,
                                "headers": dict(self.headers.items()),
                                "body": body.decode(),
                            }
                        )
                        + "\n"
                    )
            if number < options.sleep_first:
                time.sleep(options.sleep)
            code = answers[min(number, len(answers) - 1)]
            if options.drip:
                answer = b"HTTP/1.1 200 OK\r\nContent-Length: 4096\r\n\r\n" + b"x" * 4096
                for byte in answer:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(options.drip)
                return
            self.send_response(code)
            if options.location:
                self.send_header("Location", options.location)
            answer = json.dumps({"received": number}).encode()
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    with open(options.portfile, "w", encoding="utf-8") as portfile:
        portfile.write(str(server.server_address[1]))
    server.serve_forever()


if __name__ == "__main__":
    main()
