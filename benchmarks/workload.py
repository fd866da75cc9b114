"""What a workload is, what it knows about the run, and how product and limit alternate."""

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
    # How long each time-to-order and time-to-webhook case makes payments or events.
    latency_seconds: float = 60.0
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
