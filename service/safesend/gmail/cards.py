"""Card JSON for the Gmail add-on (Google Workspace add-ons, HTTP runtime).

Shapes as Google documents them: a trigger answers with
`{"action": {"navigations": [{"pushCard": card}]}}`; a button's callback that
changes the draft answers with `{"renderActions": {"hostAppAction":
{"gmailAction": {"updateDraftActionMarkup": ...}}}}`. Cards hold `header`
and `sections` of `widgets` (textParagraph, decoratedText, buttonList).
"""

from __future__ import annotations

from html import escape

from .recipients import BccPlan

ACTION_LABELS = {
    "warn": "Check before sending",
    "confirm": "Needs a reason to send",
    "block": "Cannot be sent as it is",
}
SUMMARIES = {
    "allow": "No problems with these recipients.",
    "warn": "Check this before sending. You may still send it.",
    "confirm": "Fix this, or give a reason when you press Send.",
    "block": "Fix this before sending.",
}
ONLY_RECIPIENTS = ("This card checks who the message goes to. The message text and attachments "
                   "are checked when you press Send.")


def navigate_to(card: dict) -> dict:
    return {"action": {"navigations": [{"pushCard": card}]}}


def homepage_card() -> dict:
    return {
        "header": {"title": "SafeSend", "subtitle": "Send-time safety for student information"},
        "sections": [{"widgets": [_paragraph(
            "Open SafeSend while writing a message to see whether its recipients can see each "
            "other's addresses, and move them all to Bcc in one click.")]}],
    }


def verdict_card(verdict: dict, move_to_bcc_url: str) -> dict:
    action = verdict["action"]
    sections = [{"widgets": [_paragraph(f"<b>{escape(SUMMARIES[action])}</b>")]}]
    if verdict["findings"]:
        sections.append({"header": "What SafeSend found",
                         "widgets": [w for f in verdict["findings"] for w in _finding_widgets(f)]})
    if any("move_to_bcc" in f["fixes"] for f in verdict["findings"]):
        sections.append({"widgets": [_button("Move everyone to Bcc", move_to_bcc_url, filled=True)]})
    sections.append({"widgets": [_paragraph(f"<i>{escape(ONLY_RECIPIENTS)}</i>")]})
    return {"header": {"title": "SafeSend", "subtitle": ACTION_LABELS.get(action, "Ready to send")},
            "sections": sections}


def message_card(title: str, text: str) -> dict:
    """A card that explains why SafeSend cannot check this draft."""
    return {"header": {"title": "SafeSend", "subtitle": title},
            "sections": [{"widgets": [_paragraph(escape(text))]}]}


def draft_update(plan: BccPlan) -> dict:
    """Replace To, Cc and Bcc of the open draft with the plan's lists."""
    def recipients(addresses: list[str]) -> list[dict]:
        return [{"email": a} for a in addresses]

    markup = {
        "updateToRecipients": {"toRecipients": recipients(plan.to)},
        "updateCcRecipients": {"ccRecipients": recipients(plan.cc)},
        "updateBccRecipients": {"bccRecipients": recipients(plan.bcc)},
    }
    return {"renderActions": {"hostAppAction": {"gmailAction": {"updateDraftActionMarkup": markup}}}}


def _finding_widgets(finding: dict) -> list[dict]:
    label = ACTION_LABELS.get(finding["action"], finding["action"])
    widgets = [{"decoratedText": {"topLabel": label, "text": f"<b>{escape(finding['title'])}</b>",
                                  "wrapText": True}},
               _paragraph(escape(finding["detail"]))]
    if finding.get("evidence"):
        widgets.append(_paragraph("<font color=\"#5f6368\">For example: "
                                  f"{escape(', '.join(finding['evidence']))}</font>"))
    return widgets


def _paragraph(text: str) -> dict:
    return {"textParagraph": {"text": text}}


def _button(text: str, url: str, filled: bool = False) -> dict:
    button: dict = {"text": text, "onClick": {"action": {"function": url}}}
    if filled:
        button["color"] = {"red": 0.043, "green": 0.341, "blue": 0.816, "alpha": 1}
    return {"buttonList": {"buttons": [button]}}
