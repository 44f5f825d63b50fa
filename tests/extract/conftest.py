"""Fixtures for the extract tests: one worker pool (with the test-only
misbehaving formats switched on) shared by the whole session, and helpers
to extract one file under given limits."""

from __future__ import annotations

import pytest

from safesend.extract import Extraction, ExtractLimits, extract_attachments, isolation


@pytest.fixture(scope="session", autouse=True)
def worker_pool():
    """Test hooks (spin/regex/memory/crash) only exist in these workers."""
    pool = isolation.WorkerPool(size=2, test_hooks=True)
    assert pool.wait_ready(60), "extract workers did not start"
    previous = isolation.set_default_pool(pool)
    yield pool
    isolation.set_default_pool(previous)
    pool.close()


@pytest.fixture
def extract():
    def run(name: str, data: bytes, content_type: str | None = None, **limits) -> Extraction:
        return extract_attachments([(name, content_type, data)], ExtractLimits(**limits))

    return run
