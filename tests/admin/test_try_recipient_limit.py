"""'Try a message' applies the policy's recipient limit to uploads and pasted lists."""

from __future__ import annotations

import io

from admin.console_helpers import csrf_token, post_form

from messages import eml_bytes, parents


def test_upload_and_pasted_recipients_over_the_limit_are_refused(console, app, auth):
    client = app.test_client()
    response = client.put("/api/v1/policy", headers=auth["it"], json={"limits": {"max_recipients": 30}})
    assert response.status_code == 200
    it = console["it"]
    over = it.post("/admin/try", data={"csrf_token": csrf_token(it, "/admin/try"),
                                       "file": (io.BytesIO(eml_bytes(to=parents(31))), "many.eml")})
    assert over.status_code == 400
    assert "too many recipients: 31 (the limit is 30)" in over.get_data(as_text=True)
    pasted = post_form(it, "/admin/try", {"sender": "teacher@district.example.org",
                                          "to": ", ".join(parents(20)), "cc": "\n".join(parents(11, 21))},
                       page="/admin/try")
    assert pasted.status_code == 400
    assert "too many recipients: 31 (the limit is 30)" in pasted.get_data(as_text=True)
    within = it.post("/admin/try", data={"csrf_token": csrf_token(it, "/admin/try"),
                                         "file": (io.BytesIO(eml_bytes(to=parents(30))), "ok.eml")})
    assert within.status_code == 200 and "30 recipients" in within.get_data(as_text=True)
