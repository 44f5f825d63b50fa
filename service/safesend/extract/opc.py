"""The few parts of an Office Open XML package (DOCX, PPTX) that text lives in.

python-docx and python-pptx open a package by loading and parsing every part
reachable from it (styles, themes, every slide layout and master...) into
their object model: ~8 ms for a one-page file, most of reading it. Here the
relationships are followed by hand and only the parts asked for are parsed,
with lxml and the same safe settings (no entities, no network, no huge trees).
"""

from __future__ import annotations

import io
import posixpath
import zipfile

from lxml import etree

SAFE_XML = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                           remove_comments=True, remove_pis=True)
_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_TYPES = "{http://schemas.openxmlformats.org/package/2006/content-types}"
RT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
OFFICE_DOCUMENT = RT + "officeDocument"


class PackageError(ValueError):
    """The package lacks a part or relationship it must have: a damaged file."""


class Package:
    """A ZIP of parts named like 'word/document.xml' (no leading slash)."""

    def __init__(self, data: bytes) -> None:
        self.zip = zipfile.ZipFile(io.BytesIO(data))
        self._names = set(self.zip.namelist())
        self._content_types: tuple[dict[str, str], dict[str, str]] | None = None

    def __enter__(self) -> Package:
        return self

    def __exit__(self, *exc) -> None:
        self.zip.close()

    def has(self, name: str) -> bool:
        return name in self._names

    def xml(self, name: str):
        """The part's root element."""
        if name not in self._names:
            raise PackageError("a part of the package is missing")
        return etree.fromstring(self.zip.read(name), SAFE_XML)

    def rels(self, name: str) -> list[tuple[str, str, str]]:
        """(id, type, target part) of the part's internal relationships ('' = the
        package), targets that the ZIP does not hold left out."""
        directory, base = posixpath.split(name)
        rels_name = posixpath.join(directory, "_rels", base + ".rels")
        if rels_name not in self._names:
            return []
        found = []
        for rel in self.xml(rels_name).iter(_RELS):
            target = rel.get("Target") or ""
            if rel.get("TargetMode") == "External" or not target:
                continue
            if target.startswith("/"):
                part = posixpath.normpath(target).lstrip("/")
            else:
                part = posixpath.normpath(posixpath.join("/" + directory, target)).lstrip("/")
            if part in self._names:
                found.append((rel.get("Id") or "", rel.get("Type") or "", part))
        return found

    def related(self, name: str, rel_type: str) -> str | None:
        return next((part for _, kind, part in self.rels(name) if kind == rel_type), None)

    def main_part(self, content_types: tuple[str, ...]) -> str:
        """The package's main part (its officeDocument relationship), if its
        content type is one of `content_types`."""
        main = self.related("", OFFICE_DOCUMENT)
        if main is None or self.content_type(main) not in content_types:
            raise PackageError("no main document part")
        return main

    def content_type(self, name: str) -> str:
        if self._content_types is None:
            defaults: dict[str, str] = {}
            overrides: dict[str, str] = {}
            if "[Content_Types].xml" in self._names:
                root = self.xml("[Content_Types].xml")
                for item in root.iter(_TYPES + "Default"):
                    defaults[(item.get("Extension") or "").lower()] = item.get("ContentType") or ""
                for item in root.iter(_TYPES + "Override"):
                    overrides[(item.get("PartName") or "").lower()] = item.get("ContentType") or ""
            self._content_types = defaults, overrides
        defaults, overrides = self._content_types
        found = overrides.get("/" + name.lower())
        if found is None:
            found = defaults.get(posixpath.splitext(name)[1][1:].lower(), "")
        return found

    def reachable(self) -> list[str]:
        """Every part reachable from the package relationships, sorted by name."""
        seen: set[str] = set()
        pending = [""]
        while pending:
            for _, _, part in self.rels(pending.pop()):
                if part not in seen:
                    seen.add(part)
                    pending.append(part)
        return sorted(seen)
