"""Detectors: one module each, all behind `base.Detector` (see base.py).

`default_registry` holds the built-in ones, in the order the scan runs
them within a stage; `register` adds one (an OCR text detector, a state
student number, a Medicaid ID) without touching the scan.
"""

from __future__ import annotations

from .base import COUNT, IDENTIFY, RELATE, Detector, Registry, RowFindings, RowReader
from .dates_of_birth import DatesOfBirth
from .plan_columns import PlanColumns
from .roster_matches import RosterMatches
from .sensitive_terms import SensitiveMentions, SensitiveNearStudents
from .source_names import SensitiveSourceNames
from .student_ids import StudentIds
from .student_rows import StudentListRows

BUILT_IN: tuple[type[Detector], ...] = (
    RosterMatches,  # identify: roster names and IDs first (their evidence comes first)
    StudentIds,  # identify: IDs matching a pattern
    StudentListRows,  # identify, fallback: rows of a student list nobody else identified
    SensitiveMentions,  # count
    DatesOfBirth,  # relate: a labelled date of birth near a student
    SensitiveNearStudents,  # relate: a sensitive term near a student
    PlanColumns,  # relate: a 504 / plan column of a student's row
    SensitiveSourceNames,  # relate: '504 list.xlsx', a title above the table
)

default_registry = Registry([cls() for cls in BUILT_IN])


def register(detector: Detector) -> Detector:
    """Add a detector to every scan that uses the default registry."""
    return default_registry.register(detector)


def unregister(name: str) -> None:
    default_registry.unregister(name)


__all__ = [
    "BUILT_IN", "COUNT", "IDENTIFY", "RELATE", "DatesOfBirth", "Detector", "PlanColumns",
    "Registry", "RosterMatches", "RowFindings", "RowReader", "SensitiveMentions",
    "SensitiveNearStudents", "SensitiveSourceNames", "StudentIds", "StudentListRows",
    "default_registry", "register", "unregister",
]
