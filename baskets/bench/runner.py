"""The workload registry and the one way product and limit are alternated."""

import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field

from .results import WorkloadResult


@dataclass
class BenchContext:
    """What every workload knows about the run (set by the command, read by workloads)."""

    bench_url: str
    baskets: int
    lines_per_basket: int
    rounds: int
    poll_seconds: float
    seed: dict = field(default_factory=dict)  # what the seed made: ids, guids, e-mails ...
    log: Callable[[str], None] = print


@dataclass
class Workload:
    name: str
    title: str
    run: Callable[[BenchContext, WorkloadResult], None]
    # Returns why the workload cannot run yet (missing product code), or None.
    unavailable: Callable[[], str | None] = lambda: None
    # What it measures and against what: the workload module's docstring.
    description: str = ""


def alternate(
    rounds: int,
    variants: dict[str, Callable[[], float]],
    *,
    before: Callable[[str], None] | None = None,
) -> dict[str, list[float]]:
    """Run each variant once per round, rotating the order so none always goes first.

    ``before`` runs untimed ahead of each variant (resetting the data it changes).
    """
    names = list(variants)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for round_index in range(rounds):
        shift = round_index % len(names)
        for name in names[shift:] + names[:shift]:
            if before is not None:
                before(name)
            samples[name].append(variants[name]())
    return samples


def workload_run(workload: Workload, context: BenchContext) -> WorkloadResult:
    result = WorkloadResult(
        name=workload.name, title=workload.title, description=workload.description
    )
    reason = workload.unavailable()
    if reason:
        result.status = "not available"
        result.note = reason
        context.log(f"[{workload.name}] not available yet: {reason}")
        return result
    context.log(f"[{workload.name}] {workload.title} ...")
    started = time.monotonic()
    try:
        workload.run(context, result)
    except Exception as error:  # noqa: BLE001 - one failed workload must not hide the others
        result.status = "failed"
        result.note = f"{type(error).__name__}: {error}"
        context.log(traceback.format_exc())
    result.seconds = time.monotonic() - started
    context.log(f"[{workload.name}] {result.status} in {result.seconds:.1f} s")
    return result


def workloads_all() -> list[Workload]:
    from . import abandon_report, admin_grid, completion, export, polling, sweep

    return [
        admin_grid.WORKLOAD,
        export.WORKLOAD,
        sweep.WORKLOAD,
        completion.WORKLOAD,
        polling.WORKLOAD,
        abandon_report.WORKLOAD,
    ]
