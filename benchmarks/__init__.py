"""``manage.py bench``: how close each hot path comes to what PostgreSQL itself can do.

The command (``baskets/management/commands/bench.py``) makes its own database, migrates
it and runs the workloads in a child process whose ``DATABASE_URL`` points at it, so the
real views and services run unchanged and the user's data is never touched.

- ``database``: create, migrate and drop the bench database.
- ``seed``: set-based seeding (``INSERT ... SELECT generate_series``) with a progress bar.
- ``results``: samples, comparisons, targets, JSON and the markdown table.
- ``runner``: the workload registry and the alternation of product and limit.
- one module per workload: ``admin_grid``, ``export``, ``sweep``, ``completion``,
  ``polling``, ``abandon_report``; ``probe``, ``load_client`` and ``bare_wsgi`` run in
  processes of their own.
"""
