"""Every text of the workspace exists in Dutch and in English: no key without a text, no template
with words of its own, no text whose placeholders differ between the languages. A string added in
one language only, or typed straight into a template, fails here."""

from __future__ import annotations

import re
import string
from pathlib import Path

from service.ui.i18n import REASON_LABELS, STATUS_TEXTS, TEXTS

UI = Path(__file__).resolve().parents[2] / "service" / "ui"
# Words a template may hold as they are: each language's own name (on the language switch) and a key cap.
OWN_WORDS = {"English", "Nederlands", "Enter", "bytes"}
# Keys built at run time from a prefix (t('syntax_' ~ invoice.syntax)).
DYNAMIC_PREFIXES = ("syntax_", "action_", "change_", "method_", "trail_approval_", "role_", "right_")
# The same in both languages, and rightly so.
SAME_IN_BOTH = {"nav_dashboard", "filters", "filter_status", "col_order", "status", "syntax_ubl", "syntax_cii",
                "week", "find_status", "col_status", "r_title", "iban_label", "change_status", "hs_open"}


def _templates() -> list[Path]:
    return sorted((UI / "templates").rglob("*.html"))


def _literal_words(source: str) -> list[str]:
    text = re.sub(r"{#.*?#}", " ", source, flags=re.S)
    text = re.sub(r"{%\s*block page_id\s*%}.*?{%\s*endblock\s*%}", " ", text, flags=re.S)
    text = re.sub(r"{%.*?%}|{{.*?}}", " ", text, flags=re.S)
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", text, flags=re.S)
    attributes = re.findall(r'\b(?:aria-label|title|alt|placeholder)="([^"{]*)"', text)
    text = re.sub(r"<[^>]*>", " ", text, flags=re.S)
    return [w for w in re.findall(r"[^\W\d_]{2,}", " ".join([text, *attributes])) if w not in OWN_WORDS]


def test_templates_hold_no_words_of_their_own():
    leftovers = {p.relative_to(UI).as_posix(): _literal_words(p.read_text(encoding="utf-8")) for p in _templates()}
    assert {k: v for k, v in leftovers.items() if v} == {}


def test_every_key_used_has_both_texts():
    used: set[str] = set()
    for path in _templates():
        used |= set(re.findall(r"\bt\(\s*'([a-z0-9_]+)'", path.read_text(encoding="utf-8")))
    for path in UI.rglob("*.py"):
        used |= set(re.findall(r'\bt\(\s*"([a-z0-9_]+)"', path.read_text(encoding="utf-8")))
    from service.ui import routes

    used |= set(routes.FLASH.values()) | set(routes.ERRORS.values())
    missing = sorted(k for k in used if k not in TEXTS and not k.startswith(DYNAMIC_PREFIXES))
    assert missing == []


def test_each_text_is_complete_in_both_languages():
    formatter = string.Formatter()

    def names(text: str) -> set[str]:
        return {field for _, field, _, _ in formatter.parse(text) if field}

    for table in (TEXTS, STATUS_TEXTS, REASON_LABELS):
        for key, (nl, en) in table.items():
            assert nl.strip() and en.strip(), key
            assert names(nl) == names(en), f"{key}: placeholders differ"
    untranslated = sorted(k for k, (nl, en) in TEXTS.items() if nl == en and k not in SAME_IN_BOTH)
    assert untranslated == [], "Dutch text equal to the English one (translate, or list it in SAME_IN_BOTH)"


def test_the_check_catches_a_leftover():
    assert _literal_words("<p>{{ t('x') }} Save changes</p>") == ["Save", "changes"]
    assert _literal_words('<button aria-label="Close">{{ t(\'close\') }}</button>') == ["Close"]
    assert _literal_words("<p>{{ t('x') }}</p>{% block page_id %}queue{% endblock %}") == []


def test_units_are_named_in_the_number_their_quantity_asks_for():
    from decimal import Decimal

    from service.ui.i18n import Translator
    from service.ui.texts_resolve import UNIT_NAMES, UNIT_PLURALS

    nl, en = Translator("nl"), Translator("en")
    assert [nl.unit("XPK", q) for q in ("1", Decimal("1.00"), "3", "0.5")] == ["pak", "pak", "pakken", "pakken"]
    assert [en.unit("HUR", q) for q in ("1", "2")] == ["hour", "hours"]
    assert nl.unit("HUR", "2") == "uur" and nl.unit("KGM", "3") == "kilogram"  # Dutch keeps measures singular
    assert en.unit("C62", "5") == "units" and nl.unit("C62", "5") == "stuks"
    assert nl.unit("DAY") == "dag" and nl.unit("ZZZ", "4") == "ZZZ"  # no quantity; an unknown code as it is
    assert set(UNIT_PLURALS) <= set(UNIT_NAMES) and all(nl_ and en_ for nl_, en_ in UNIT_PLURALS.values())
