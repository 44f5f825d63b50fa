"""A serving process moves what start-up built out of the garbage collector's reach:
a full collection walked ~165,000 long-lived objects (~80 ms here) while every request
of the process waited, which set the p99 under load."""

from __future__ import annotations

import os
import subprocess
import sys

PROBE = """
import gc, time
from safesend.wsgi import application
app = application()
started = time.perf_counter()
gc.collect()
print(gc.get_freeze_count(), len(gc.get_objects()), round((time.perf_counter() - started) * 1000, 1))
"""


def test_a_serving_process_freezes_its_start_up_objects(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAFESEND_")}
    env.update(SAFESEND_INSTANCE_PATH=str(tmp_path), SAFESEND_SECRET_KEY="gc-test")
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, cwd=tmp_path, capture_output=True,
                         text=True, timeout=120, check=True).stdout.split()
    frozen, tracked = int(out[0]), int(out[1])
    # Start-up's objects are frozen; what a full collection still walks is a small remainder.
    assert frozen > 50_000, out
    assert tracked < frozen / 10, out


def test_a_test_app_freezes_nothing(tmp_path, database_url):
    """Tests build many apps in one process; freezing for each would keep all of them alive."""
    import gc

    from safesend.serving import serving_app

    before = gc.get_freeze_count()
    app = serving_app({"instance_path": str(tmp_path / "instance"), "database_url": database_url,
                       "secret_key": "test-secret-key", "testing": True})
    try:
        assert gc.get_freeze_count() <= before   # a freeze would add every object tracked
    finally:
        app.extensions["safesend"].close()
