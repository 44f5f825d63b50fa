"""The request body of POST /api/v1/scans (validated, and documented in the OpenAPI)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class ScanStartRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: Literal["graph", "ews", "gmail", "mbox", "folder"]
    path: str | None = Field(default=None, max_length=1000,
                             description="mbox/folder: a path inside the exports folder "
                                         "(SAFESEND_SCAN_EXPORTS_DIR, default instance/exports)")
    mailboxes: list[str] = Field(default_factory=list, max_length=5000,
                                 description="graph/ews/gmail: the mailboxes whose sent items to read")
    since: date | None = None
    until: date | None = Field(default=None, description="inclusive")
