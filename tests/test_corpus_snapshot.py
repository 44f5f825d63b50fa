"""The corpus sweeps' snapshot comparison itself: "every .docx is damaged" must fail."""

from __future__ import annotations

import json

import corpus_snapshot
import pytest
from corpus_snapshot import compare, outcome

DAMAGED_DOCX = outcome(["it is damaged or not a valid Word document"])
TIME_LIMIT = outcome(["the time limit for scanning was reached"])


def _committed(name: str) -> dict[str, str]:
    return json.loads((corpus_snapshot.SNAPSHOTS / f"{name}.json").read_text())


def test_the_committed_snapshot_matches_itself():
    compare("corpora_extract", _committed("corpora_extract"))


def test_every_docx_damaged_fails_the_sweep():
    observed = _committed("corpora_extract")
    docx = [name for name, result in observed.items()
            if name.lower().endswith(".docx") and result == outcome([])]
    assert len(docx) > 20, "the reviewed snapshot reads most .docx files"
    observed.update({name: DAMAGED_DOCX for name in docx})
    with pytest.raises(AssertionError, match=rf"{len(docx)} changed"):
        compare("corpora_extract", observed)


def test_every_check_warning_fails_the_sweep():
    observed = {name: outcome(["it is damaged or not a valid PDF"], "warn")
                for name in _committed("corpora_checks")}
    with pytest.raises(AssertionError, match="changed"):
        compare("corpora_checks", observed)


@pytest.fixture
def snapshot(tmp_path, monkeypatch):
    monkeypatch.setattr(corpus_snapshot, "SNAPSHOTS", tmp_path)
    monkeypatch.delenv(corpus_snapshot.UPDATE_ENV, raising=False)
    expected = {f"f{i}.docx": outcome([]) for i in range(400)}
    (tmp_path / "sweep.json").write_text(json.dumps(expected))
    return expected


def test_a_few_time_limits_are_machine_load_and_tolerated(snapshot, capsys):
    observed = {**snapshot, "f1.docx": TIME_LIMIT, "f2.docx": TIME_LIMIT}
    compare("sweep", observed)
    assert "differ only by the time limit" in capsys.readouterr().out


def test_many_time_limits_fail(snapshot):
    observed = {name: TIME_LIMIT for name in snapshot}
    with pytest.raises(AssertionError, match="400 changed"):
        compare("sweep", observed)


def test_a_file_gone_or_new_fails(snapshot):
    observed = dict(snapshot)
    del observed["f1.docx"]
    with pytest.raises(AssertionError, match="1 missing"):
        compare("sweep", observed)
    with pytest.raises(AssertionError, match="1 new"):
        compare("sweep", {**snapshot, "new.pdf": outcome([])})


def test_update_mode_rewrites_the_snapshot(snapshot, monkeypatch):
    monkeypatch.setenv(corpus_snapshot.UPDATE_ENV, "1")
    compare("sweep", {"only.pdf": "scanned"})
    monkeypatch.delenv(corpus_snapshot.UPDATE_ENV)
    compare("sweep", {"only.pdf": "scanned"})
