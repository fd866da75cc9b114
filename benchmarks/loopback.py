"""The one address every server the bench starts listens on, and a free port there
(stdlib only: the load client and the fault run import it outside Django)."""

import socket

HOST = "127.0.0.1"  # never anything else: the bench loads and receives only on its own machine


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]
