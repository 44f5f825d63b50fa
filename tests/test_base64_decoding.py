"""An attachment's base64 is decoded by pybase64 (CPython's decoder held the interpreter lock
~16 ms for a 7 MB attachment while quick checks waited), with CPython's decoder for what
pybase64 refuses: the same bytes as base64.b64decode(validate=True), and the same refusals."""

from __future__ import annotations

import base64
import binascii
import itertools
import os

import pytest

from safesend.schemas import _decode_base64

_PIECE = 256 * 1024  # sizes around and past a piece of the decoder this replaced


def whole(text: str) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


def ours(text: str) -> bytes | None:
    try:
        return _decode_base64(text)
    except (binascii.Error, ValueError):
        return None


# Encoded lengths on both sides of one and two pieces.
SIZES = [_PIECE // 4 * 3 + d for d in (-3, -2, -1, 0, 1, 2, 3)] + [2 * _PIECE // 4 * 3 + 1, 10]


@pytest.mark.parametrize("size", SIZES)
def test_valid_base64_decodes_to_the_same_bytes(size):
    data = os.urandom(size)
    text = base64.b64encode(data).decode()
    assert ours(text) == data


def _spoiled(text: str) -> list[str]:
    middle = _PIECE + 8 if len(text) > _PIECE + 8 else len(text) // 2
    return [
        text[:-1],                                  # a character short
        text + "A",                                 # one too many
        text[:middle] + "==" + text[middle:],       # padding inside
        text[:middle] + "*" + text[middle + 1:],    # not of the alphabet, in the second piece
        text[:middle] + "\n" + text[middle:],       # a line break (b64decode(validate=True) refuses it)
        text[:middle] + "é" + text[middle + 1:],    # not ASCII
        text + "===",
        text + "=" * 5,
        text[:8] + "=" * (_PIECE + 9),
        "=" + text[1:],
    ]


@pytest.mark.parametrize("size", SIZES)
def test_invalid_base64_is_refused_alike(size):
    text = base64.b64encode(os.urandom(size)).decode()
    for bad in _spoiled(text):
        assert ours(bad) == whole(bad), (len(bad), bad[-4:])
    assert whole(text[:-1]) is None or len(text) % 4 == 1


def test_every_short_text_is_decoded_or_refused_as_cpython_does():
    # pybase64 refuses padding after a whole group ("AAAA=") that CPython accepts: those
    # take the second decoder; nothing pybase64 accepts may differ from CPython's answer.
    alphabet = "AQ+/=\n*é-_"
    texts = ["".join(chars) for n in range(7) for chars in itertools.product(alphabet, repeat=n)
             if n < 6 or chars[0] in "AQ"]
    assert "AAAA=" in texts and whole("AAAA=") is not None
    assert [t for t in texts if ours(t) != whole(t)] == []


def test_a_big_attachment_through_the_api_is_decoded_and_a_bad_one_named(client, auth):
    data = os.urandom(_PIECE)  # ~1.3 pieces encoded
    body = {"sender": "teacher@district.example.org", "to": [{"address": "parent@example.com"}],
            "subject": "Notes", "body_text": "See attached.",
            "attachments": [{"name": "notes.bin", "content_type": "application/octet-stream",
                             "content_base64": base64.b64encode(data).decode()}]}
    assert client.post("/api/v1/checks", json=body, headers=auth["client"]).status_code == 200
    encoded = body["attachments"][0]["content_base64"]
    body["attachments"][0]["content_base64"] = encoded[:_PIECE + 4] + "!" + encoded[_PIECE + 5:]
    response = client.post("/api/v1/checks", json=body, headers=auth["client"])
    assert response.status_code == 400
    assert response.get_json()["error"]["field"] == "attachments.0.content_base64"
