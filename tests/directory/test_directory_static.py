"""The static backend: list sizes from a YAML or CSV file."""

from __future__ import annotations

import os

import pytest

from safesend.directory import GroupInfo
from safesend.directory.static import StaticBackend, StaticFileError, read_list_file

DISTRICT = frozenset({"district.org"})


def test_yaml_lists_with_counts_and_with_member_addresses(tmp_path):
    path = tmp_path / "lists.yaml"
    path.write_text(
        "lists:\n"
        "  - address: All-Parents@District.org\n"
        "    members: 2000\n"
        "    external: 1850\n"
        "  - address: grade5-team@district.org\n"
        "    members: [ann@district.org, bo@schools.district.org, pta.chair@gmail.com, Ann@district.org]\n"
        "  - address: board@district.org\n"
        "    members: 7\n"
    )
    backend = StaticBackend(path)

    assert backend.lookup("all-parents@district.org", DISTRICT) == GroupInfo(
        "all-parents@district.org", True, 2000, 1850, "static")
    assert backend.lookup("grade5-team@district.org", DISTRICT) == GroupInfo(
        "grade5-team@district.org", True, 3, 1, "static")
    assert backend.lookup("board@district.org", DISTRICT).external_count is None
    assert backend.lookup("someone@district.org", DISTRICT) is None
    assert backend.covers("ALL-PARENTS@district.org", DISTRICT)
    assert not backend.covers("someone@district.org", DISTRICT)


def test_a_plain_mapping_of_address_to_size(tmp_path):
    path = tmp_path / "lists.yml"
    path.write_text("all-staff@district.org: 350\n"
                    "all-parents@district.org: {members: 2000, external: 1900}\n")

    lists = read_list_file(path)

    assert lists["all-staff@district.org"].members == 350
    assert lists["all-parents@district.org"].external == 1900


def test_csv_with_header_row(tmp_path):
    path = tmp_path / "lists.csv"
    path.write_text("Address,Members,External\n"
                    "all-parents@district.org,\"2,000\",1850\n"
                    "\n"
                    "staff@district.org,312,\n")
    backend = StaticBackend(path)

    assert backend.lookup("all-parents@district.org", DISTRICT).member_count == 2000
    staff = backend.lookup("staff@district.org", DISTRICT)
    assert staff.member_count == 312 and staff.external_count is None


@pytest.mark.parametrize("content, message", [
    ("lists:\n  - address: nobody\n    members: 3\n", "not an email address"),
    ("lists:\n  - address: a@district.org\n    members: lots\n", "members must be a whole number"),
    ("lists:\n  - address: a@district.org\n    members: -1\n", "must not be negative"),
    ("lists:\n  - address: a@district.org\n    members: 3\n    external: 4\n", "more than members"),
    ("lists:\n  - address: a@district.org\n    members: 3\n  - address: A@district.org\n    members: 3\n",
     "listed twice"),
    ("lists:\n  - address: a@district.org\n    size: 3\n", "unknown field 'size'"),
    ("lists: [\n", "not valid YAML"),
    ("just text\n", "expected a list"),
])
def test_a_broken_file_is_refused_with_where_and_why(tmp_path, content, message):
    path = tmp_path / "lists.yaml"
    path.write_text(content)

    with pytest.raises(StaticFileError, match=message) as caught:
        StaticBackend(path)
    assert "lists.yaml" in str(caught.value)


def test_a_csv_without_the_header_row_is_refused(tmp_path):
    path = tmp_path / "lists.csv"
    path.write_text("all-parents@district.org,2000,1850\n")

    with pytest.raises(StaticFileError, match="first row must name the columns"):
        StaticBackend(path)


def test_the_file_is_read_again_when_it_changes_and_a_broken_edit_keeps_the_old_lists(tmp_path, caplog):
    path = tmp_path / "lists.yaml"
    path.write_text("staff@district.org: 40\n")
    backend = StaticBackend(path, recheck_seconds=0)
    assert backend.lookup("staff@district.org", DISTRICT).member_count == 40

    path.write_text("staff@district.org: 41\n")
    os.utime(path, (path.stat().st_atime, path.stat().st_mtime + 5))
    assert backend.lookup("staff@district.org", DISTRICT).member_count == 41

    path.write_text("staff@district.org: many\n")
    os.utime(path, (path.stat().st_atime, path.stat().st_mtime + 10))
    assert backend.lookup("staff@district.org", DISTRICT).member_count == 41
    assert "keeping the lists read before" in caplog.text


def test_a_missing_file_says_so(tmp_path):
    with pytest.raises(StaticFileError, match="cannot read"):
        StaticBackend(tmp_path / "nope.yaml")
