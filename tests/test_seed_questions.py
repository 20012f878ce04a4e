"""Every question sentence of seed 002 appears word for word as item text.

The sentences come from the committed fixture, so the tests run the same on any clone."""

from __future__ import annotations

from published import themes, walk
from seed_questions import FIXTURE, fixture_sentences, question_sentences, seed_path


def _norm(text: str) -> str:
    return " ".join(text.split())


def test_seed_002_has_76_distinct_question_sentences_in_themes_1_to_8() -> None:
    sentences = fixture_sentences()
    assert len({s for s in sentences if s.endswith("?")}) == 76
    # The one conditional of the suite: the copy is checked against its source where the source is.
    if seed_path().is_file():
        assert question_sentences(seed_path().read_text(encoding="utf-8")) == sentences


def test_the_fixture_carries_the_leidraads_attribution() -> None:
    header = [line for line in FIXTURE.read_text(encoding="utf-8").splitlines() if line.startswith("#")]
    assert any("© Akwa GGZ 2017" in line for line in header)


def test_every_question_sentence_of_themes_1_to_8_is_an_item_text_word_for_word() -> None:
    texts = [
        _norm(i["text"]) for t in themes() for i in walk(t["item"]) if i["type"] != "display" and "text" in i
    ]
    missing = [s for s in fixture_sentences() if not any(s in t for t in texts)]
    assert missing == []


def test_theme_2_and_3_questions_appear_in_each_theme() -> None:
    by_theme = {t["id"]: " ".join(_norm(i.get("text", "")) for i in walk(t["item"])) for t in themes()}
    for sentence in ("Hoe zorgt u voor uzelf?", "Zo ja, wat?"):
        assert sentence in by_theme["thema-2"]
        assert sentence in by_theme["thema-3"]
