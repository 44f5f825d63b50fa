"""The task queue for scan jobs: Huey.

Huey keeps its queue in SQLite in the instance folder by default (nothing
else to run: `make demo` starts one embedded worker), and in Redis when
SAFESEND_REDIS_URL is set, so `safesend worker` can run on any number of
machines. Huey hands each job to one worker; what makes a job survive a
killed worker is ours: the job's lease and checkpoint in the database
(see jobs.py), and the watcher below that enqueues again any job whose
worker went silent.
"""

from __future__ import annotations

import logging
import os
import threading
from functools import lru_cache
from typing import Any

from ..config import load_settings
from ..store.db import transaction
from . import jobs

log = logging.getLogger("safesend.incident")

HEARTBEAT_SECONDS = 5.0


@lru_cache(maxsize=4)
def _queue(redis_url: str, name: str, sqlite_path: str):
    from huey import RedisHuey, SqliteHuey, crontab

    if redis_url:
        huey = RedisHuey(name, url=redis_url, results=False)
    else:
        huey = SqliteHuey(name, filename=sqlite_path, results=False)

    @huey.task(name="safesend.scan_job")
    def scan_job(job_id: int) -> None:
        result = jobs.run_job(worker_services(), job_id, current_worker(),
                              on_new_jobs=lambda ids: [scan_job(i) for i in ids])
        if result.status == "retry":
            scan_job.schedule((job_id,), delay=result.retry_in)

    @huey.periodic_task(crontab(minute="*"), name="safesend.requeue_stalled")
    def requeue_stalled() -> None:
        enqueue_stalled(huey)

    huey.safesend_scan_job = scan_job
    return huey


def get_queue(settings=None):
    settings = settings or load_settings()
    name = os.environ.get("SAFESEND_QUEUE_NAME") or "safesend-scans"
    return _queue(settings.redis_url, name, str(settings.instance_path / "queue.sqlite3"))


def enqueue(job_ids: list[int], settings=None) -> None:
    huey = get_queue(settings)
    for job_id in job_ids:
        huey.safesend_scan_job(job_id)


def enqueue_stalled(huey=None, scan_id: str | None = None) -> list[int]:
    """Enqueue again the jobs whose worker died or whose retry is due (jobs
    still waiting in the queue are left alone)."""
    services = worker_services()
    queue = huey or get_queue(services.settings)
    waiting = _pending_job_ids(queue)
    with transaction(services.sessions) as session:
        found = [j for j in jobs.jobs_to_enqueue(session, scan_id, exclude=waiting)]
    if found:
        log.info("enqueuing again %d scan job(s) whose worker stopped: %s", len(found), found)
        for job_id in found:
            queue.safesend_scan_job(job_id)
    return found


def _pending_job_ids(huey) -> set[int]:
    try:
        tasks = [*huey.pending(), *huey.scheduled()]
        # Huey names a task after its module too: "...queue.safesend.scan_job".
        return {task.args[0] for task in tasks
                if str(task.name).endswith("safesend.scan_job") and task.args}
    except Exception:  # reading the queue is an optimisation; duplicates are harmless
        return set()


# ---------------------------------------------------------------------- the worker process

_state: dict[str, Any] = {}
_state_lock = threading.Lock()


def worker_services():
    """One Services per process (database engine, roster and policy caches)."""
    with _state_lock:
        if "services" not in _state:
            from ..services import build_services

            _state["services"] = build_services(load_settings())
        return _state["services"]


def use_services(services) -> None:
    """Share an already built Services (the demo server's, or a test's)."""
    with _state_lock:
        _state["services"] = services


def current_worker() -> str:
    with _state_lock:
        if "worker" not in _state:
            _state["worker"] = jobs.worker_name()
        return _state["worker"]


class _Heartbeat(threading.Thread):
    """Tells `safesend incident scan` and the console that a worker is up."""

    def __init__(self):
        super().__init__(name="safesend-worker-heartbeat", daemon=True)
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                jobs.heartbeat(worker_services(), current_worker())
            except Exception:  # the database may be briefly away; try again next beat
                log.exception("worker heartbeat failed")
            self.stopped.wait(HEARTBEAT_SECONDS)

    def stop(self) -> None:
        self.stopped.set()
        try:
            jobs.forget_worker(worker_services(), current_worker())
        except Exception:
            pass


def run_worker(threads: int = 1) -> None:
    """`safesend worker`: run Huey's consumer until interrupted."""
    huey = get_queue()
    beat = _Heartbeat()
    jobs.heartbeat(worker_services(), current_worker())
    beat.start()
    consumer = huey.create_consumer(workers=threads, worker_type="thread", periodic=True, max_delay=2.0)
    try:
        consumer.run()
    finally:
        beat.stop()


class EmbeddedWorker:
    """One worker thread inside the web process (`make demo`)."""

    def __init__(self, services=None):
        if services is not None:
            use_services(services)
        self.beat = _Heartbeat()
        self.consumer = get_queue(worker_services().settings).create_consumer(
            workers=1, worker_type="thread", periodic=True, max_delay=2.0)

    def start(self) -> EmbeddedWorker:
        jobs.heartbeat(worker_services(), current_worker())
        self.beat.start()
        # Not Consumer.start(): it would take over the web server's Ctrl+C handling.
        self.consumer.scheduler.start()
        for _, process in self.consumer.worker_threads:
            process.start()
        return self

    def stop(self) -> None:
        self.consumer.stop(graceful=False)
        self.beat.stop()
