"""Request values as the OpenAPI document reads them, in the form the code and databases take.

- NUL becomes U+FFFD: PostgreSQL text cannot hold a NUL, so one in a sender filter, a
  justification or a policy comment would be a 500 there (and not on SQLite). Nothing real
  contains one; the replacement character keeps the value visibly odd without refusing it.
- 5.0 becomes 5: JSON Schema counts a number with no fraction as an integer, and so does the
  document; the request models are strict, and would not.
"""

from __future__ import annotations

from typing import Any

NUL, REPLACEMENT = "\x00", "\ufffd"


def normalized(value: Any) -> Any:
    """The JSON value with NULs replaced and whole floats made ints, recursively."""
    if isinstance(value, str):
        return value.replace(NUL, REPLACEMENT) if NUL in value else value
    if type(value) is float and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {normalized(k): normalized(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normalized(v) for v in value]
    return value
