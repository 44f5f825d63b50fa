"""The documented structure of add-on responses (Cards v1 for Google Workspace
add-ons, HTTP runtime), checked strictly so a typo cannot reach Google."""

from __future__ import annotations

WIDGETS = {"textParagraph", "decoratedText", "buttonList", "divider", "image", "textInput",
           "selectionInput", "dateTimePicker", "grid", "columns"}
CARD_KEYS = {"header", "sections", "fixedFooter", "name", "cardActions", "peekCardHeader"}
HEADER_KEYS = {"title", "subtitle", "imageUrl", "imageType", "imageAltText"}
SECTION_KEYS = {"header", "widgets", "collapsible", "uncollapsibleWidgetsCount"}
DECORATED_KEYS = {"topLabel", "text", "bottomLabel", "wrapText", "startIcon", "endIcon", "button",
                  "switchControl", "onClick"}
BUTTON_KEYS = {"text", "onClick", "color", "disabled", "icon", "altText", "type"}


def assert_card(card: dict) -> None:
    assert set(card) <= CARD_KEYS, set(card) - CARD_KEYS
    assert set(card["header"]) <= HEADER_KEYS and card["header"]["title"]
    assert card["sections"], "a card needs at least one section"
    for section in card["sections"]:
        assert set(section) <= SECTION_KEYS, set(section) - SECTION_KEYS
        assert section["widgets"], "a section needs at least one widget"
        for widget in section["widgets"]:
            assert len(widget) == 1 and set(widget) <= WIDGETS, widget
            _assert_widget(*next(iter(widget.items())))


def _assert_widget(kind: str, body: dict) -> None:
    if kind == "textParagraph":
        assert set(body) == {"text"} and isinstance(body["text"], str) and body["text"]
    elif kind == "decoratedText":
        assert set(body) <= DECORATED_KEYS and body["text"]
    elif kind == "buttonList":
        assert body["buttons"]
        for button in body["buttons"]:
            assert set(button) <= BUTTON_KEYS and button["text"]
            action = button["onClick"]["action"]
            assert action["function"].startswith("https://"), "HTTP add-ons name endpoints by URL"
            if "color" in button:
                assert set(button["color"]) <= {"red", "green", "blue", "alpha"}


def assert_push_card(response: dict) -> dict:
    """{"action": {"navigations": [{"pushCard": card}]}} -> card."""
    assert set(response) == {"action"}
    navigations = response["action"]["navigations"]
    assert len(navigations) == 1 and set(navigations[0]) == {"pushCard"}
    card = navigations[0]["pushCard"]
    assert_card(card)
    return card


def draft_markup(response: dict) -> dict:
    """renderActions.hostAppAction.gmailAction.updateDraftActionMarkup, checked."""
    assert set(response) == {"renderActions"}
    assert set(response["renderActions"]) == {"hostAppAction"}
    gmail_action = response["renderActions"]["hostAppAction"]["gmailAction"]
    markup = gmail_action["updateDraftActionMarkup"]
    allowed = {"updateToRecipients": "toRecipients", "updateCcRecipients": "ccRecipients",
               "updateBccRecipients": "bccRecipients", "updateSubject": None, "updateBody": None}
    assert set(markup) <= set(allowed)
    for key, inner in allowed.items():
        if inner and key in markup:
            assert set(markup[key]) == {inner}
            assert all(set(r) == {"email"} for r in markup[key][inner])
    return markup
