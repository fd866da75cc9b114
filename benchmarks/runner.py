"""The workload registry and the run of one workload."""

import time
import traceback

from . import (
    abandon_report,
    admin_grid,
    completion,
    export,
    latency,
    lifetimes,
    polling,
    shop_import,
    sweep,
)
from .results import WorkloadResult
from .workload import BenchContext, Workload


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
    return [
        admin_grid.WORKLOAD,
        export.WORKLOAD,
        sweep.WORKLOAD,
        completion.WORKLOAD,
        polling.WORKLOAD,
        abandon_report.WORKLOAD,
        shop_import.WORKLOAD,
        lifetimes.WORKLOAD,
        latency.TIME_TO_ORDER,
        latency.TIME_TO_WEBHOOK,
    ]
