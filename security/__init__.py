"""Cross-cutting protection of requests and logs (SPEC AC-4, LC-3): card-number detection,
the middleware that refuses requests carrying one, and log redaction. Any app may import it;
it imports no domain app."""
