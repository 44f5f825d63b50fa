"""CPU time of this process plus its extraction workers, for benchmarks on a
shared machine (wall time there measures the neighbours' load)."""

from __future__ import annotations

import time


def worker_cpu() -> float:
    """CPU seconds the extraction workers have used so far: the first field of
    /proc/<pid>/schedstat (nanoseconds on a CPU, not 10 ms ticks)."""
    from safesend.extract.isolation import default_pool

    total = 0
    for worker in list(default_pool()._all):
        try:
            with open(f"/proc/{worker.proc.pid}/schedstat") as stat:
                total += int(stat.read().split()[0])
        except OSError:  # a worker replaced meanwhile: its time is lost (keep_workers avoids it)
            pass
    return total / 1e9


def keep_workers() -> None:
    """No worker is recycled during the run (every MAX_JOBS_PER_WORKER jobs, a
    fresh one is started: ~1 s of imports for 500 files, left out here)."""
    from safesend.extract.isolation import default_pool

    default_pool().max_jobs = 10**9


class Clock:
    """This process's CPU time plus the workers'; the reading itself is not counted."""

    def start(self) -> None:
        self.workers = worker_cpu()
        self.own = time.process_time()

    def stop(self) -> float:
        own = time.process_time() - self.own
        return own + worker_cpu() - self.workers
