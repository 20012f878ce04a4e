"""The FHIR JSON rules inside ``validate_response`` (issue 9): each on its exact outcome issue.

Null, empty values, unknown elements, wrong JSON types, control characters and lone surrogates,
the id rule, modifierExtension, primitive extension siblings (``_x``), Extension rules, authored,
the Patient subject and the limits; real renderer output validates; arbitrary input never raises.
"""

from __future__ import annotations

import copy
import json
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fhir_werk.publishing import published
from fhir_werk.shared import has_errors
from fhir_werk.validation import InputLimits, resolve_questionnaire, validate_response
from fhir_werk.validation._index import ROOT

FIXTURES = Path(__file__).parent / "fixtures"
ROOT_DIR = Path(__file__).parent.parent
QUESTIONNAIRE: dict[str, Any] = json.loads(
    (FIXTURES / "validate/questionnaire-basis.json").read_text("utf-8")
)
VALID: dict[str, Any] = json.loads((FIXTURES / "validate/response-basis-valid.json").read_text("utf-8"))
QR = ROOT
DAR = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
EMPTY_TAIL = "; in FHIR JSON wordt een element zonder waarde weggelaten."
ALL_CLEAR = [("information", "informational", None, "Geen problemen gevonden.")]
AUTHORED_TEXT = (
    "De datum van invullen (authored) is geen volledige datum en tijd met tijdzone "
    "(bijvoorbeeld 2026-11-05T14:00:00+01:00)."
)
SUBJECT_TEXT = (
    "De patiënt van het antwoord (subject) moet naar een Patient verwijzen "
    "(Patient/id of een volledige URL die eindigt op /Patient/id)."
)
MODIFIER_TEXT = (
    "fhir-werk begrijpt deze modifierExtension ('http://x/m') niet; een resource met een "
    "onbegrepen modifierExtension moet worden geweigerd."
)


def at(link_id: str) -> str:
    return f"{QR}.item.where(linkId='{link_id}')"


def item(qr: dict[str, Any], link_id: str) -> dict[str, Any]:
    return next(i for i in qr["item"] if i["linkId"] == link_id)


def coding(qr: dict[str, Any]) -> dict[str, Any]:
    value: dict[str, Any] = item(qr, "situatie")["answer"][0]["valueCoding"]
    return value


def summary(result: dict[str, Any]) -> list[tuple[str, str, str | None, str]]:
    return [
        (i["severity"], i["code"], (i.get("expression") or [None])[0], i["details"]["text"])
        for i in result["issue"]
    ]


def validate(qr: dict[str, Any], limits: InputLimits | None = None) -> dict[str, Any]:
    return validate_response(qr, QUESTIONNAIRE, limits=limits)


def errors_of(mutation: Callable[[dict[str, Any]], Any], limits: InputLimits | None = None) -> list[Any]:
    qr = copy.deepcopy(VALID)
    mutation(qr)
    return [s for s in summary(validate(qr, limits)) if s[0] == "error"]


def _answer_only_extension(qr: dict[str, Any]) -> None:
    item(qr, "naam")["answer"] = [
        {"_valueString": {"extension": [{"url": DAR, "valueCode": "asked-declined"}]}}
    ]


def _translated_display(qr: dict[str, Any]) -> None:
    coding(qr)["display"] = "Betaald werk"
    coding(qr)["_display"] = {
        "extension": [
            {
                "url": "http://hl7.org/fhir/StructureDefinition/translation",
                "extension": [{"url": "lang", "valueCode": "en"}, {"url": "content", "valueString": "Paid"}],
            }
        ]
    }


def _ext(**value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda qr: qr.update(extension=[value])


CASES: list[tuple[str, Callable[[dict[str, Any]], Any], tuple[str, str, str]]] = [
    # null, "", [], {}
    (
        "null",
        lambda qr: item(qr, "naam").update(text=None),
        ("structure", f"{at('naam')}.text", f"'text' is null{EMPTY_TAIL}"),
    ),
    (
        "empty-string",
        lambda qr: qr["subject"].update(display=""),
        ("structure", f"{QR}.subject.display", f"'display' is een lege tekst{EMPTY_TAIL}"),
    ),
    (
        "empty-array",
        lambda qr: qr.update(basedOn=[]),
        ("structure", f"{QR}.basedOn", f"'basedOn' is een lege lijst{EMPTY_TAIL}"),
    ),
    (
        "empty-object",
        lambda qr: qr.update(meta={}),
        ("structure", f"{QR}.meta", f"'meta' is een leeg object{EMPTY_TAIL}"),
    ),
    (
        "null-in-primitive-array",
        lambda qr: qr.update(meta={"profile": ["http://a", None]}),
        ("structure", f"{QR}.meta.profile[1]", f"'profile' is null{EMPTY_TAIL}"),
    ),
    (
        "null-in-contained",
        lambda qr: qr.update(contained=[{"resourceType": "Patient", "id": "p", "name": [{"given": [None]}]}]),
        ("structure", f"{QR}.contained[0].name[0].given[0]", f"'given' is null{EMPTY_TAIL}"),
    ),
    # unknown elements
    (
        "unknown-in-resource",
        lambda qr: qr.update(foo=1),
        ("structure", f"{QR}.foo", "'foo' is geen element van QuestionnaireResponse (FHIR R4)."),
    ),
    (
        "unknown-in-item",
        lambda qr: item(qr, "naam").update(tekst="x"),
        (
            "structure",
            f"{at('naam')}.tekst",
            "'tekst' is geen element van QuestionnaireResponse.item (FHIR R4).",
        ),
    ),
    (
        "unknown-in-coding",
        lambda qr: coding(qr).update(label="x"),
        (
            "structure",
            f"{at('situatie')}.answer[0].value.label",
            "'label' is geen element van Coding (FHIR R4).",
        ),
    ),
    (
        "unknown-in-reference",
        lambda qr: qr["subject"].update(ref="Patient/1"),
        ("structure", f"{QR}.subject.ref", "'ref' is geen element van Reference (FHIR R4)."),
    ),
    (
        "primitive-extension-of-complex",
        lambda qr: qr.update(_subject={"id": "a"}),
        ("structure", f"{QR}._subject", "'_subject' is geen element van QuestionnaireResponse (FHIR R4)."),
    ),
    # wrong JSON types
    (
        "number-for-string",
        lambda qr: item(qr, "naam").update(linkId="naam", definition=5),
        (
            "structure",
            f"{at('naam')}.definition",
            "'definition' heeft de verkeerde JSON-soort: verwacht een tekst, gekregen een geheel getal.",
        ),
    ),
    (
        "object-for-array",
        lambda qr: qr.update(basedOn={"reference": "CarePlan/1"}),
        (
            "structure",
            f"{QR}.basedOn",
            "'basedOn' heeft de verkeerde JSON-soort: verwacht een lijst, gekregen een object.",
        ),
    ),
    (
        "array-for-object",
        lambda qr: qr.update(author=[{"reference": "Practitioner/1"}]),
        (
            "structure",
            f"{QR}.author",
            "'author' heeft de verkeerde JSON-soort: verwacht een object, gekregen een lijst.",
        ),
    ),
    (
        "string-for-boolean",
        lambda qr: coding(qr).update(userSelected="true"),
        (
            "structure",
            f"{at('situatie')}.answer[0].value.userSelected",
            "'userSelected' heeft de verkeerde JSON-soort: verwacht true of false, gekregen een tekst.",
        ),
    ),
    (
        "boolean-for-integer",
        _ext(url="http://x", valueInteger=True),
        (
            "structure",
            f"{QR}.extension[0].value",
            "'valueInteger' heeft de verkeerde JSON-soort: "
            "verwacht een geheel getal, gekregen true of false.",
        ),
    ),
    (
        "object-for-code",
        lambda qr: qr.update(status={"code": "completed"}),
        (
            "structure",
            f"{QR}.status",
            "'status' heeft de verkeerde JSON-soort: verwacht een tekst, gekregen een object.",
        ),
    ),
    # strings
    (
        "control-character",
        lambda qr: item(qr, "naam")["answer"][0].update(valueString="Jan\x07sen"),
        (
            "value",
            f"{at('naam')}.answer[0].value",
            "'valueString' bevat een stuurteken (teken 4); alleen tab en regeleinde zijn toegestaan.",
        ),
    ),
    (
        "lone-surrogate",
        lambda qr: (
            item(qr, "werkgever").update(answer=[{"valueString": "De \ud800 BV"}])
            if any(i["linkId"] == "werkgever" for i in qr["item"])
            else qr["item"].insert(16, {"linkId": "werkgever", "answer": [{"valueString": "De \ud800 BV"}]})
        ),
        (
            "value",
            f"{at('werkgever')}.answer[0].value",
            "'valueString' bevat een losse surrogaat (teken 4); dat is geen geldige Unicode-tekst.",
        ),
    ),
    # ids
    (
        "resource-id",
        lambda qr: qr.update(id="mijn id!"),
        ("value", f"{QR}.id", "'id' is geen geldige id: 1 tot 64 letters, cijfers, '-' of '.'."),
    ),
    (
        # Element.id is an R4 string: its JSON kind is checked, not the id pattern.
        "element-id-not-a-string",
        lambda qr: item(qr, "naam").update(id=65),
        (
            "structure",
            f"{at('naam')}.id",
            "'id' heeft de verkeerde JSON-soort: verwacht een tekst, gekregen een geheel getal.",
        ),
    ),
    # modifierExtension
    (
        "modifier-extension-on-resource",
        lambda qr: qr.update(modifierExtension=[{"url": "http://x/m", "valueBoolean": True}]),
        ("structure", f"{QR}.modifierExtension", MODIFIER_TEXT),
    ),
    (
        "modifier-extension-on-answer",
        lambda qr: item(qr, "naam")["answer"][0].update(
            modifierExtension=[{"url": "http://x/m", "valueBoolean": True}]
        ),
        ("structure", f"{at('naam')}.answer[0].modifierExtension", MODIFIER_TEXT),
    ),
    (
        "modifier-extension-in-contained",
        lambda qr: qr.update(
            contained=[
                {
                    "resourceType": "Patient",
                    "modifierExtension": [{"url": "http://x/m", "valueBoolean": True}],
                }
            ]
        ),
        ("structure", f"{QR}.contained[0].modifierExtension", MODIFIER_TEXT),
    ),
    # primitive extension siblings
    (
        "sibling-not-an-object",
        lambda qr: item(qr, "naam").update(_text="Naam"),
        (
            "structure",
            f"{at('naam')}.text",
            "'_text' heeft de verkeerde JSON-soort: verwacht een object, gekregen een tekst.",
        ),
    ),
    (
        "sibling-with-a-value",
        lambda qr: item(qr, "naam").update(_text={"value": "Naam"}),
        (
            "structure",
            f"{at('naam')}.text.value",
            "'value' hoort niet bij de extensies van een waarde (_x: alleen id en extension).",
        ),
    ),
    (
        "sibling-array-of-other-length",
        lambda qr: qr.update(meta={"profile": ["http://a"], "_profile": [None, {"id": "a"}]}),
        (
            "structure",
            f"{QR}.meta.profile",
            "'_profile' heeft 2 plaatsen, 'profile' 1; dat moet gelijk zijn.",
        ),
    ),
    (
        "sibling-only-of-wrong-type",
        lambda qr: item(qr, "leeftijd").update(
            answer=[{"_valueString": {"extension": [{"url": DAR, "valueCode": "unknown"}]}}]
        ),
        (
            "value",
            f"{at('leeftijd')}.answer[0].value",
            "Antwoord op vraag 'leeftijd' heeft de verkeerde soort waarde: "
            "verwacht geheel getal (valueInteger), gekregen tekst (valueString).",
        ),
    ),
    # Extension
    (
        "extension-without-url",
        _ext(valueString="x"),
        ("required", f"{QR}.extension[0]", "Een extensie heeft geen 'url'."),
    ),
    (
        "extension-value-and-extensions",
        _ext(url="http://x", valueString="x", extension=[{"url": "a", "valueString": "b"}]),
        (
            "invariant",
            f"{QR}.extension[0]",
            "Extensie 'http://x' moet óf een waarde (value[x]) óf geneste extensies hebben (ext-1).",
        ),
    ),
    (
        "extension-without-value",
        _ext(url="http://x"),
        (
            "invariant",
            f"{QR}.extension[0]",
            "Extensie 'http://x' moet óf een waarde (value[x]) óf geneste extensies hebben (ext-1).",
        ),
    ),
    (
        "extension-two-values",
        _ext(url="http://x", valueString="x", valueInteger=1),
        ("structure", f"{QR}.extension[0]", "Extensie 'http://x' heeft meer dan één waarde (value[x])."),
    ),
    # authored
    (
        "authored-missing",
        lambda qr: qr.pop("authored"),
        (
            "required",
            f"{QR}.authored",
            "Het antwoord is afgerond maar vermeldt niet wanneer (authored ontbreekt).",
        ),
    ),
    (
        "authored-date-only",
        lambda qr: qr.update(authored="2026-11-05"),
        ("value", f"{QR}.authored", AUTHORED_TEXT),
    ),
    (
        "authored-without-timezone",
        lambda qr: qr.update(authored="2026-11-05T14:00:00"),
        ("value", f"{QR}.authored", AUTHORED_TEXT),
    ),
    (
        "authored-a-word",
        lambda qr: qr.update(authored="gisteren"),
        ("value", f"{QR}.authored", AUTHORED_TEXT),
    ),
    (
        "authored-not-in-the-calendar",
        lambda qr: qr.update(authored="2026-02-30T14:00:00+01:00"),
        ("value", f"{QR}.authored", AUTHORED_TEXT),
    ),
    # subject
    (
        "subject-a-group",
        lambda qr: qr.update(subject={"reference": "Group/1"}),
        ("value", f"{QR}.subject", SUBJECT_TEXT),
    ),
    (
        "subject-a-contained-reference",
        lambda qr: qr.update(subject={"reference": "#p"}),
        ("value", f"{QR}.subject", SUBJECT_TEXT),
    ),
    (
        "subject-identifier-of-a-group",
        lambda qr: qr.update(subject={"type": "Group", "identifier": {"value": "1"}}),
        ("value", f"{QR}.subject", SUBJECT_TEXT),
    ),
]


@pytest.mark.parametrize(("mutation", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_fhir_json_rule_gives_its_issue(
    mutation: Callable[[dict[str, Any]], Any], expected: tuple[str, str, str]
) -> None:
    assert errors_of(mutation) == [("error", *expected)]


def test_a_linkid_of_another_type_is_a_wrong_type_and_no_linkid() -> None:
    qr = copy.deepcopy(VALID)
    qr["item"].append({"linkId": 7})
    assert [s for s in summary(validate(qr)) if s[0] == "error"] == [
        (
            "error",
            "structure",
            f"{QR}.item[21].linkId",
            "'linkId' heeft de verkeerde JSON-soort: verwacht een tekst, gekregen een geheel getal.",
        ),
        ("error", "structure", f"{QR}.item[21]", "Een onderdeel van het antwoord heeft geen linkId."),
    ]


@pytest.mark.parametrize(
    ("mutation", "expected"),
    [
        (
            lambda qr: item(qr, "naam")["answer"][0].update(valueString="x" * 101),
            (
                "too-costly",
                f"{at('naam')}.answer[0].value",
                "'valueString' is 101 tekens lang; de grens is 100.",
            ),
        ),
        (
            lambda qr: item(qr, "doelen").update(answer=[{"valueString": f"d{n}"} for n in range(4)]),
            ("too-costly", f"{at('doelen')}.answer", "'answer' komt 4 keer voor; de grens is 3."),
        ),
        (
            lambda qr: qr["item"].extend(copy.deepcopy(item(qr, "stap")) for _ in range(2)),
            ("too-costly", at("stap"), "'stap' komt 4 keer voor; de grens is 3."),
        ),
    ],
    ids=["string-length", "answers-of-one-item", "repetitions-of-one-item"],
)
def test_past_a_limit_only_the_limit_is_reported(
    mutation: Callable[[dict[str, Any]], Any], expected: tuple[str, str, str]
) -> None:
    limits = InputLimits(max_string_chars=100, max_repetitions=3)
    assert errors_of(mutation, limits) == [("error", *expected)]


def test_nesting_deeper_than_the_limit_is_refused_without_recursion() -> None:
    qr = copy.deepcopy(VALID)
    deepest = item(qr, "thema")
    for _ in range(5000):
        deepest["item"] = [{"linkId": "thema", "item": []}]
        deepest = deepest["item"][0]
    del deepest["item"]
    too_deep = [s for s in summary(validate(qr)) if s[1] == "too-costly"]
    assert [s[3] for s in too_deep] == ["Het antwoord is te diep genest; de grens is 100 niveaus."]


@pytest.mark.parametrize(
    "mutation",
    [
        _answer_only_extension,
        _translated_display,
        lambda qr: item(qr, "naam").update(_text={"extension": [{"url": "http://x", "valueString": "y"}]}),
        lambda qr: qr.update(meta={"profile": ["http://a", None], "_profile": [None, {"id": "p2"}]}),
        lambda qr: qr.update(status="in-progress", authored="2026-11"),
        lambda qr: qr.update(subject={"reference": "https://epd.example/fhir/Patient/1"}),
        lambda qr: qr.update(subject={"reference": "Patient/1/_history/2", "display": "M. de Vries"}),
        lambda qr: qr.update(
            subject={
                "type": "Patient",
                "identifier": {"system": "http://fhir.nl/fhir/NamingSystem/bsn", "value": "1"},
            }
        ),
        lambda qr: qr.update(contained=[{"resourceType": "Patient", "id": "p", "name": [{"given": ["A"]}]}]),
        lambda qr: item(qr, "naam").update(text="Naam\twerkgever\r\n"),
        # Element ids are R4 strings (a 68-character answer id, as CSIRO's renderer writes them).
        lambda qr: item(qr, "naam").update(id="item-" + "a" * 63 + " /x"),
    ],
    ids=[
        "answer-only-as-extension",
        "coding-display-translated",
        "item-text-extension",
        "null-placeholders-in-primitive-arrays",
        "draft-with-partial-authored",
        "absolute-patient-url",
        "patient-version",
        "logical-patient-reference",
        "contained-resource",
        "tab-and-line-breaks",
        "element-id-is-a-string",
    ],
)
def test_valid_fhir_json_stays_valid(mutation: Callable[[dict[str, Any]], Any]) -> None:
    assert [s for s in errors_of(mutation) if s[0] == "error"] == []


def test_an_answer_given_only_as_extension_counts_as_the_required_answer() -> None:
    qr = copy.deepcopy(VALID)
    _answer_only_extension(qr)
    assert not has_errors(validate(qr))
    qr["item"].remove(item(qr, "naam"))
    missing = ("error", "required", at("naam"), "Vraag 'naam' is verplicht maar niet beantwoord.")
    assert missing in summary(validate(qr))


def test_messages_never_show_python_values_or_answer_text() -> None:
    qr = copy.deepcopy(VALID)
    secret = "Mijn diagnose is geheim en lang " * 5
    item(qr, "leeftijd")["answer"] = [{"valueInteger": secret}]
    item(qr, "uren")["answer"] = [{"valueDecimal": None}]
    item(qr, "werkt")["answer"] = [{"valueBoolean": {"a": 1}}]
    item(qr, "moment")["answer"] = [{"valueDateTime": float("nan")}]
    text = json.dumps(validate(qr), ensure_ascii=False)
    assert re.search(r"\b(None|nan|inf|True|False)\b|\{'", text) is None
    assert secret not in text
    assert "Mijn diagnose is geheim" in text


RENDERED = sorted((FIXTURES / "renderers").glob("*.json"))


@pytest.mark.parametrize("path", RENDERED, ids=[p.stem for p in RENDERED])
def test_real_renderer_output_validates(path: Path) -> None:
    artifacts = published()
    qr = json.loads(path.read_text("utf-8"))
    result = validate_response(qr, resolve_questionnaire(qr, artifacts), artifacts=artifacts)
    errors = [s for s in summary(result) if s[0] == "error"]
    if path.name.startswith("lforms"):
        # LHC-Forms does not carry the subject over from the initial response.
        assert errors == [
            (
                "error",
                "required",
                f"{QR}.subject",
                "Het antwoord is aan geen patiënt gekoppeld (subject ontbreekt).",
            )
        ]
    else:
        assert errors == []


def test_the_smart_forms_fixture_carries_a_translated_display() -> None:
    text = (FIXTURES / "renderers/smartforms-1.4.0-mohamed-ziek-met-contract-clicked.json").read_text("utf-8")
    assert '"_display"' in text


def test_a_large_response_validates_in_well_under_a_second() -> None:
    artifacts = published()
    qr = json.loads(
        (
            ROOT_DIR / "questionnaires/voorbeelden/QuestionnaireResponse-mohamed-ziek-met-contract.json"
        ).read_text("utf-8")
    )
    questionnaire = resolve_questionnaire(qr, artifacts)
    big = copy.deepcopy(qr)
    _grow(big, "behandeldoel", 900)
    _grow(big, "afspraak", 900)
    _pad_strings(big, " aanvulling" * 150)
    assert len(json.dumps(big)) > 2_500_000
    started = time.perf_counter()
    result = validate_response(big, questionnaire, artifacts=artifacts)
    assert time.perf_counter() - started < 1.5
    assert not has_errors(result)


def _grow(qr: dict[str, Any], link_id: str, count: int) -> None:
    stack: list[Any] = [qr]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            stack.extend(current.values())
        elif isinstance(current, list):
            found = [i for i in current if isinstance(i, dict) and i.get("linkId") == link_id]
            if found:
                current.extend(copy.deepcopy(found[0]) for _ in range(count - len(found)))
                return
            stack.extend(current)


def _pad_strings(value: Any, padding: str) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "valueString":
                value[key] = inner + padding
            else:
                _pad_strings(inner, padding)
    elif isinstance(value, list):
        for inner in value:
            _pad_strings(inner, padding)


# --- never raises ------------------------------------------------------------------------

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=30,
)
_KEYS = st.sampled_from(
    [
        "linkId",
        "answer",
        "item",
        "valueString",
        "_valueString",
        "valueCoding",
        "_display",
        "display",
        "text",
        "_text",
        "extension",
        "url",
        "modifierExtension",
        "id",
        "subject",
        "authored",
        "status",
        "reference",
        "valueInteger",
        "_valueInteger",
        "system",
        "code",
        "contained",
        "resourceType",
        "meta",
        "profile",
    ]
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, inner in value.items():
            found += _paths(inner, (*prefix, key))
    elif isinstance(value, list):
        for position, inner in enumerate(value):
            found += _paths(inner, (*prefix, position))
    return found


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_valid_responses_give_an_outcome_never_an_exception(data: st.DataObject) -> None:
    qr = copy.deepcopy(VALID)
    for _ in range(data.draw(st.integers(1, 4))):
        path = data.draw(st.sampled_from([p for p in _paths(qr) if p]))
        *parents, last = path
        target: Any = qr
        for step in parents:
            target = target[step]
        action = data.draw(st.sampled_from(["replace", "add", "delete"]))
        if action == "delete":
            del target[last]
        elif action == "add" and isinstance(target, dict):
            target[data.draw(_KEYS)] = data.draw(_JSON)
        else:
            target[last] = data.draw(_JSON)
    result = validate_response(qr, QUESTIONNAIRE)
    assert result["resourceType"] == "OperationOutcome"
    assert result["issue"]


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(_KEYS, _JSON, max_size=6))
def test_arbitrary_json_gives_an_outcome_never_an_exception(response: dict[str, Any]) -> None:
    response["resourceType"] = "QuestionnaireResponse"
    result = validate_response(response, QUESTIONNAIRE)
    assert result["resourceType"] == "OperationOutcome"
    assert result["issue"]
