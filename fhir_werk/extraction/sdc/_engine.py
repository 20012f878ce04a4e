"""One extraction run: the Questionnaire and the response walked together, each templateExtract
filled on its item, entries made, ids allocated, variables bound.

Scope (SDC 4.0.0, https://build.fhir.org/ig/HL7/sdc/extraction.html): a templateExtract on the
Questionnaire runs once on the response; on an item, once per occurrence of that item in the
response (each repetition of a repeating group is its own context). Variables and
``extractAllocateId`` of the Questionnaire are in scope everywhere, those of an item in that item
and below it, allocated anew for every repetition.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any, Final

from fhir_werk.extraction.sdc._definition import Builder, canonical_of, kind_of, starts
from fhir_werk.extraction.sdc._fastpath import Quick
from fhir_werk.extraction.sdc._fhirpatch import complete_operations, is_fhirpatch
from fhir_werk.extraction.sdc._fhirpath import ExpressionError, as_string, evaluate, typed
from fhir_werk.extraction.sdc._json import json_copy
from fhir_werk.extraction.sdc._observation import observations
from fhir_werk.extraction.sdc._plan import ItemPlan, plan_of
from fhir_werk.extraction.sdc._template import Filler, expression_of
from fhir_werk.extraction.sdc._unsupported import expression_issue, primitive_issue, template_issue
from fhir_werk.extraction.sdc._urls import (
    CSIRO_PATCH_URL,
    OBSERVATION_EXTRACT_ENTRY,
    TEMPLATE_EXTRACT_BUNDLE,
    TEMPLATE_EXTRACT_CONTEXT,
)
from fhir_werk.extraction.sdc._variables import (
    Lazy,
    Pending,
    allocate,
    allocated_names,
    as_reference_url,
    resolved,
    variables,
)
from fhir_werk.shared import Resource

_NAMESPACE: Final = uuid.UUID("9a3e1b52-1f0e-5c55-8d6e-0a7b2c4d6e8f")
_REQUEST_HEADERS: Final = ("ifNoneMatch", "ifModifiedSince", "ifMatch", "ifNoneExist")


def response_seed(response: Resource) -> str:
    """What the run's allocated ids and fullUrls are derived from: the response's identity, else
    its content, so the same response gives the same bundle."""
    if response.get("id"):
        return f"QuestionnaireResponse/{response['id']}"
    canonical = json.dumps(response, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _extensions(element: Resource, url: str) -> list[Resource]:
    return [e for e in element.get("extension", ()) if isinstance(e, dict) and e.get("url") == url]


def _parts_of(element: Resource, url: str) -> list[dict[str, Resource]]:
    """Each ``url`` extension of ``element`` as its sub-extensions by name."""
    return [
        {str(p.get("url")): p for p in e.get("extension", ()) if isinstance(p, dict)}
        for e in _extensions(element, url)
    ]


@dataclass(frozen=True)
class Made:
    """A resource a template gave, the template's id and the response item it was filled on
    (None: on the response, a templateExtract of the Questionnaire)."""

    resource: Resource
    template: str
    item: Resource | None


class Run:
    """The extraction of one response: :meth:`entries` and :attr:`issues` (OperationOutcome issues)."""

    def __init__(
        self, response: Resource, questionnaire: Resource, *, fast: bool = True, templates_only: bool = False
    ) -> None:
        self.response = response
        # templates_only: the resources the templates give (:attr:`made`), no entries, nothing else.
        self._templates_only = templates_only
        self.made: list[Made] = []
        # The compiled subset first (None: fhirpathpy for everything, the reference it is tested on).
        self._quick = Quick(response) if fast else None
        self.questionnaire = questionnaire
        self.issues: list[Resource] = []
        self._seed = response_seed(response)
        self._contained = {
            str(r.get("id")): r for r in questionnaire.get("contained") or () if isinstance(r, dict)
        }

    def evaluate(
        self, expression: str, context: Any, env: dict[str, Any], where: str, *, as_context: bool = False
    ) -> list[Any]:
        if self._quick is not None:
            found = self._quick.evaluate(expression, context, as_context=as_context)
            if found is not None:
                return found
        try:
            if self._quick is not None:
                # fhirpathpy on the fast path's view of the data too: without the ``_name``
                # companions that fhirpathpy 2 would read as second values.
                return self._quick.fhirpathpy(expression, context, resolved(expression, env))
            return evaluate(expression, context, resolved(expression, env))
        except ExpressionError as error:
            self.issues.append(expression_issue(str(error), where))
            return []

    def _scope(
        self,
        names: tuple[str, ...],
        found: tuple[tuple[str, str, str], ...],
        context: Any,
        env: dict[str, Any],
        seed: str,
    ) -> dict[str, Any]:
        if not names and not found:
            return env
        scope = dict(env)
        for name in names:
            scope[name] = allocate(self._seed + seed, name)
        for name, language, expression in found:
            if language not in ("text/fhirpath", ""):
                continue  # x-fhir-query and CQL variables are for population, not extraction
            scope[name] = Pending(expression, context, scope)
        return scope

    def bundle(self) -> Resource:
        """The transaction Bundle: the templateExtractBundle's, else a new one, with every entry."""
        env: dict[str, Any] = {
            "resource": self.response,
            "questionnaire": self.questionnaire,
            "context": self.response,
        }
        plan = plan_of(self.questionnaire)
        env = self._scope(
            tuple(allocated_names(self.questionnaire)),
            tuple(variables(self.questionnaire)),
            self.response,
            env,
            "",
        )
        bundle: Resource = {"resourceType": "Bundle", "type": "transaction"}
        for extension in _extensions(self.questionnaire, TEMPLATE_EXTRACT_BUNDLE):
            reference = str((extension.get("valueReference") or {}).get("reference", "")).removeprefix("#")
            template = self._contained.get(reference)
            if template is None or template.get("resourceType") != "Bundle":
                self.issues.append(template_issue("missing-bundle", "Questionnaire", reference))
                continue
            filler = Filler(
                lambda e, c: self.evaluate(e, c, env, "Questionnaire"),
                lambda expression: self.issues.append(primitive_issue(expression, "Questionnaire")),
                lambda e, c: self.evaluate(e, c, env, "Questionnaire", as_context=True),
            )
            bundle = filler.resource(template, self.response)
        entries = list(bundle.get("entry", []))
        for extension in plan.templates:
            entries += self._entries(extension, self.response, env, "Questionnaire", "root")
        if not self._templates_only:
            entries += list(
                self._definitions(
                    self.questionnaire, self.response, self.response, env, "Questionnaire", "root"
                )
            )
        entries += list(self._walk(plan.items, self.response.get("item", []), env, ""))
        if entries:
            bundle["entry"] = entries
        return bundle

    def _walk(
        self, plans: tuple[ItemPlan, ...], r_items: list[Resource], env: dict[str, Any], path: str
    ) -> Iterator[Resource]:
        by_link: dict[Any, list[Resource]] = {}
        for r_item in r_items:
            if isinstance(r_item, dict):
                by_link.setdefault(r_item.get("linkId"), []).append(r_item)
        for plan in plans:
            if not (plan.templated if self._templates_only else plan.busy):
                continue  # nothing to extract on it or below it
            q_item, link_id = plan.q_item, plan.link_id
            for number, r_item in enumerate(by_link.get(link_id, ()), 1):
                step = str(link_id) if number == 1 else f"{link_id}#{number}"
                where = seed = f"{path}/{step}" if path else step
                # The item itself: evaluate() types it when fhirpathpy needs it (most expressions
                # run on the fast path, which reads the data).
                context = r_item
                # SDC's extraction variables: %context the response item, %qitem its definition.
                here_env = {
                    **env,
                    "context": Lazy(partial(typed, r_item, "QuestionnaireResponse.item")),
                    "qitem": Lazy(partial(typed, q_item, "Questionnaire.item")),
                }
                scope = self._scope(plan.allocated, plan.variables, context, here_env, seed)
                if not self._templates_only:
                    if plan.observed:
                        yield from self._observations(
                            q_item, r_item, plan.category, (context, scope), where, seed
                        )
                    if plan.definitions:
                        yield from self._definitions(q_item, r_item, context, scope, where, seed)
                for extension in plan.templates:
                    yield from self._entries(extension, context, scope, where, seed)
                if plan.children:
                    yield from self._walk(plan.children, r_item.get("item", []), scope, seed)
                    for answer in r_item.get("answer", []):
                        if isinstance(answer, dict) and answer.get("item"):
                            yield from self._walk(plan.children, answer["item"], scope, seed)

    def _definitions(
        self, element: Resource, r_item: Resource, context: Any, env: dict[str, Any], where: str, seed: str
    ) -> Iterator[Resource]:
        """The resources definitionExtract starts on ``element`` (an item, or the Questionnaire
        with the response as ``r_item``)."""
        for number, parts in enumerate(starts(element), 1):
            canonical = canonical_of(parts)
            kind = kind_of(canonical, element)
            if kind is None:
                self.issues.append(template_issue("definition-type", where, canonical))
                continue

            def run(expression: str, node: Any) -> list[Any]:
                return self.evaluate(expression, node, env, where)

            builder = Builder(
                kind,
                canonical,
                run,
                lambda path, at: self.issues.append(template_issue("definition-path", at, path)),
            )
            own = builder.path_of(element.get("definition"))
            if own is not None and element.get("type") != "group":
                for answer in r_item.get("answer", ()):
                    key = (
                        next((k for k in answer if k.startswith("value")), None)
                        if isinstance(answer, dict)
                        else None
                    )
                    if key is not None:
                        builder.set(
                            builder.resource,
                            kind,
                            own,
                            json_copy(answer[key]),
                            where,
                            key.removeprefix("value"),
                        )
            builder.values(element, context, builder.resource, kind, where)
            children = element.get("item", [])
            builder.items(
                children,
                r_item.get("item", []),
                builder.resource,
                kind,
                where if r_item is not self.response else "",
            )
            for answer in r_item.get("answer", ()) if r_item is not self.response else ():
                if isinstance(answer, dict) and answer.get("item"):
                    builder.items(children, answer["item"], builder.resource, kind, where)
            entry = self._entry(builder.resource, parts, context, run, f"{seed}/definition#{number}")
            if entry is not None:
                yield entry

    def _observations(
        self,
        q_item: Resource,
        r_item: Resource,
        categories: list[Any],
        at: tuple[Any, dict[str, Any]],
        where: str,
        seed: str,
    ) -> Iterator[Resource]:
        found, issues = observations(q_item, r_item, self.response, categories, where)
        self.issues += issues
        # observationExtractEntry: fullUrl, resourceId and the request parts, as templateExtract's.
        entry_parts = next(iter(_parts_of(q_item, OBSERVATION_EXTRACT_ENTRY)), {})
        context, env = at

        def run(expression: str, node: Any) -> list[Any]:
            return self.evaluate(expression, node, env, where)

        for number, resource in enumerate(found, 1):
            entry = self._entry(resource, entry_parts, context, run, f"{seed}/observation#{number}")
            if entry is not None:
                yield entry

    def _entries(
        self, extension: Resource, context: Any, env: dict[str, Any], where: str, seed: str
    ) -> list[Resource]:
        parts = {str(e.get("url")): e for e in extension.get("extension", ()) if isinstance(e, dict)}
        reference = str(((parts.get("template") or {}).get("valueReference") or {}).get("reference", ""))
        template = self._contained.get(reference.removeprefix("#"))
        if template is None or "resourceType" not in template:
            self.issues.append(template_issue("missing-template", where, reference))
            return []

        def run(expression: str, node: Any) -> list[Any]:
            return self.evaluate(expression, node, env, where)

        def contexts_of(expression: str, node: Any) -> list[Any]:
            return self.evaluate(expression, node, env, where, as_context=True)

        filler = Filler(
            run, lambda expression: self.issues.append(primitive_issue(expression, where)), contexts_of
        )
        if expression_of(template, TEMPLATE_EXTRACT_CONTEXT) is None:
            made = [(filler.resource(template, context), context)]
        else:
            # A context on the template itself: one resource per node it selects.
            contexts = contexts_of(expression_of(template, TEMPLATE_EXTRACT_CONTEXT) or "", context)
            made = [(filler.resource(_without_context(template), node), node) for node in contexts]
        if self._templates_only:
            item = None if context is self.response else context
            self.made += [Made(resource, reference.removeprefix("#"), item) for resource, _ in made]
            return []
        entries = [
            self._entry(resource, parts, node, run, f"{seed}/{reference}#{n}")
            for n, (resource, node) in enumerate(made, 1)
        ]
        return [e for e in entries if e is not None]

    def _entry(
        self, resource: Resource, parts: dict[str, Resource], context: Any, run: Any, slot: str
    ) -> Resource | None:
        def first(name: str) -> str | None:
            expression = (parts.get(name) or {}).get("valueString")
            if not expression:
                return None
            values = run(str(expression), context)
            return as_string(values[0]) if values else None

        kind = str(resource["resourceType"])
        full_url = first("fullUrl")
        request: Resource = {"method": "POST", "url": kind}
        resource_id = first("resourceId")
        if resource_id is not None:
            # An allocated id (urn:uuid:…) as resourceId: the resource's id is the UUID itself.
            resource_id = resource_id.removeprefix("urn:uuid:")
        if resource_id is None and isinstance(resource.get("id"), str):
            resource_id = resource["id"]  # set by the items (definition-based: Resource.id)
        if resource_id is not None:
            resource = {
                "resourceType": kind,
                "id": resource_id,
                **{k: v for k, v in resource.items() if k not in ("resourceType", "id")},
            }
            request = {"method": "PUT", "url": f"{kind}/{resource_id}"}
        if is_fhirpatch(resource):
            resource = complete_operations(resource)
            if not resource["parameter"]:
                return None  # nothing to change
            # Where to apply it: CSIRO's PatchRequestUrl, else its "type" part with resourceId.
            target = first(CSIRO_PATCH_URL)
            kind_part = (parts.get("type") or {}).get("valueCode")
            if target is None and kind_part and resource_id is not None:
                target = f"{kind_part}/{resource_id}"
            if target is not None:
                resource = {k: v for k, v in resource.items() if k != "id"}
                request = {"method": "PATCH", "url": target}
        for header in _REQUEST_HEADERS:
            value = first(header)
            if value is not None:
                request[header] = value
        return {
            "fullUrl": as_reference_url(full_url)
            if full_url
            else f"urn:uuid:{uuid.uuid5(_NAMESPACE, self._seed + slot)}",
            "resource": resource,
            "request": request,
        }


def _without_context(template: Resource) -> Resource:
    rest = [e for e in template.get("extension", ()) if e.get("url") != TEMPLATE_EXTRACT_CONTEXT]
    trimmed = {k: v for k, v in template.items() if k != "extension"}
    return {**trimmed, "extension": rest} if rest else trimmed
