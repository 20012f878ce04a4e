"""Every question sentence of seed 002 appears word for word as item text."""

from __future__ import annotations

from published import themes, walk
from seed_questions import question_sentences, seed_path


def _norm(text: str) -> str:
    return " ".join(text.split())


def test_seed_002_has_76_distinct_question_sentences_in_themes_1_to_8() -> None:
    sentences = question_sentences(seed_path().read_text(encoding="utf-8"))
    assert len({s for s in sentences if s.endswith("?")}) == 76


def test_every_question_sentence_of_themes_1_to_8_is_an_item_text_word_for_word() -> None:
    texts = [
        _norm(i["text"]) for t in themes() for i in walk(t["item"]) if i["type"] != "display" and "text" in i
    ]
    missing = [
        s
        for s in question_sentences(seed_path().read_text(encoding="utf-8"))
        if not any(s in t for t in texts)
    ]
    assert missing == []


def test_theme_2_and_3_questions_appear_in_each_theme() -> None:
    by_theme = {t["id"]: " ".join(_norm(i.get("text", "")) for i in walk(t["item"])) for t in themes()}
    for sentence in ("Hoe zorgt u voor uzelf?", "Zo ja, wat?"):
        assert sentence in by_theme["thema-2"]
        assert sentence in by_theme["thema-3"]
