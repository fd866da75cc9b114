"""Plumbing for background runs: runs asked for on commit, periodic jobs claimed once per
period by any number of schedulers, leases kept alive. Imports no domain app."""
