"""``manage.py bench``: how close each hot path comes to what PostgreSQL itself can do.

The command (``benchmarks/management/commands/bench.py``) makes its own database, migrates
it and runs the workloads in a child process whose ``DATABASE_URL`` points at it, so the
real views and services run unchanged and the user's data is never touched.

- ``database``: create, migrate and drop the bench database.
- ``seed``: set-based seeding (``INSERT ... SELECT generate_series``) with a progress bar.
- ``results``: samples, comparisons, targets (``ratio_target``), JSON and the markdown table.
- ``workload`` and ``runner``: what a workload is, the alternation of product and limit, the
  workload registry.
- ``common``: the safety check, the staff login, SQL helpers, probes in processes of their
  own; ``workers``: real Celery worker processes (the tests start theirs with it too);
  ``loopback``: the one address the bench's servers listen on.
- one module per workload: ``admin_grid``, ``export``, ``sweep``, ``completion``,
  ``polling``, ``abandon_report``, ``shop_import``, ``lifetimes``, ``latency`` (time to
  order, time to webhook); ``probe``, ``load_client`` and ``bare_wsgi`` run in processes of
  their own, ``receiver`` in a thread.
- ``growth`` and ``chart``: how cost grows with size (``--sizes``).
- ``fault_run``: the whole product under load while its parts die (``python -m``).
"""
