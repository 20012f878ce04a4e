"""The question sentences of themes 1–8 of the leidraad (seed 002), as the tests know them.

The suite reads them from the committed copy ``fixtures/leidraad/vraagzinnen.txt`` (© Akwa GGZ
2017), never from outside the repository. Where seed 002 itself lies beside the checkout
(``../shared/seeds``, or ``$FHIR_WERK_SEEDS``), the independent reader below finds them again from
the text's own layout, not from our YAML sources, and the test compares the two."""

from __future__ import annotations

import os
import re
from pathlib import Path

SEED_NAME = "002_9544bc067bd50bff.txt"


FIXTURE = Path(__file__).resolve().parent / "fixtures" / "leidraad" / "vraagzinnen.txt"


def fixture_sentences() -> list[str]:
    """The committed question sentences, in order, duplicates kept (``#`` lines are the header)."""
    lines = FIXTURE.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line and not line.startswith("#")]


def seed_path() -> Path:
    """Seed 002 in ``../shared/seeds`` beside the checkout (or ``$FHIR_WERK_SEEDS``); it may be absent."""
    base = Path(os.environ.get("FHIR_WERK_SEEDS", Path(__file__).resolve().parents[2] / "shared" / "seeds"))
    return base / SEED_NAME


_HEADING = re.compile(r"^[A-D]\. ")
# Theme titles survive in the text only as page footers (see the seeds README); not questions.
_FOOTERS = {"Mijn verhaal", "Wat doe ik?", "Wie helpt mij?"}
_SENTENCE = re.compile(r"[^?.]*?[?]|[^?.]*?\bGeef aan in hoeverre[^.]*\.")


def _norm(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").split())


def question_blocks(text: str) -> list[str]:
    """The question blocks of themes 1–8: arrow items and the scale questions."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "A. Algemene vragen")
    end = next(
        i for i, line in enumerate(lines) if line.strip().startswith("Psychische problemen komen veel voor")
    )
    blocks: list[str] = []
    skipping = False
    current: list[str] | None = None
    for raw in lines[start:end]:
        line = raw.strip()
        if line in ("Toelichting", "Meer weten?", "Meer informatie"):
            skipping = True
        if "Algemene vragen" in line:
            skipping = False
        if skipping or line in _FOOTERS:
            continue
        if line.startswith("→"):
            if current:
                blocks.append(_norm(" ".join(current)))
            current = [line[1:]]
        elif current is not None and line and not _HEADING.match(line) and not line.startswith("("):
            current.append(line)
        else:
            if current:
                blocks.append(_norm(" ".join(current)))
            current = None
            if line.endswith("?") and not _HEADING.match(line):
                blocks.append(_norm(line))
    if current:
        blocks.append(_norm(" ".join(current)))
    return blocks


def question_sentences(text: str) -> list[str]:
    """Every question sentence (and the scale instruction of theme 8), in order, duplicates kept."""
    sentences: list[str] = []
    for block in question_blocks(text):
        sentences += [_norm(s) for s in _SENTENCE.findall(block) if _norm(s)]
    return sentences
