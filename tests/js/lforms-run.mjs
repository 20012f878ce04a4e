#!/usr/bin/env node
// Renders Questionnaires with LHC-Forms (lforms 40) in a real headless Chromium, and optionally
// loads a QuestionnaireResponse into the form and extracts it (observationExtract and template
// extraction) with LForms' own code: an implementation independent of fhir-werk's.
//
//   node lforms-run.mjs < input.json
//
// Input (stdin): one object or an array of them (one browser launch for all):
//   {questionnaire, response?, subject?, extract?, fhirContext?}
//   - questionnaire: an assembled R4 Questionnaire (LHC-Forms does not assemble modular forms)
//   - response: a QuestionnaireResponse merged into the form before reading it back
//   - subject: a resource ({resourceType, id}) or a Reference ({reference: "Patient/1"});
//     default: the response's subject
//   - extract: call getFormFHIRData(..., {extract: true}); default true when response is given
//   - fhirContext: {patient, searches} for a form with SDC launchContext and x-fhir-query
//     variables (LForms.Util.setFHIRContext): the launch Patient, and the searchset Bundle that
//     answers each query ({{...}} filled in); no server is asked. Without it LForms cannot fill
//     {{%patient.id}} and addFormToPage fails
// Output (stdout): one object per input, in input order:
//   {errors: [{source, message}], warnings: [...], itemCount, visibleCount,
//    items: [{linkId, text, dataType, enabled, rendered, shownText, values, readOnly}],
//    renderedText, validationErrors,
//    responseBack, extractBundle}
//   errors: console errors, page errors, blocked requests and exceptions of LForms calls;
//   itemCount: question items LForms built (no groups, no display items);
//   visibleCount: those enabled and rendered visibly in the DOM;
//   shownText, values, readOnly: the item's drawn text (question, options), what its text fields
//     show, and whether every one of them is read-only or disabled (false when it has none);
//   validationErrors: LForms' checks of the answers (required, min/max ...), as sentences.
// Exit code 2 only when the tool itself fails (bad input, Chromium does not start).

import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { inFreshPage, runBatch, TIMEOUT_MS } from './browser.mjs';
import { run } from './io.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const MOUNTS = {
  '/': join(HERE, 'lforms-page.html'),
  '/lforms/': join(HERE, 'node_modules', 'lforms', 'dist', 'lforms'),
};
const EMPTY_RESULT = {
  itemCount: 0,
  visibleCount: 0,
  items: [],
  renderedText: '',
  validationErrors: [],
  responseBack: null,
  extractBundle: null,
};

/**
 * LForms wants the subject as a resource ({resourceType, id}); a Reference "Type/id" is turned
 * into one. Anything else (e.g. a Reference by identifier only) gives null.
 */
function subjectResource(subject) {
  if (subject?.resourceType && subject?.id) {
    return subject;
  }
  const match = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/.exec(String(subject?.reference ?? ''));
  return match ? { resourceType: match[1], id: match[2] } : null;
}

function checkInput(input, index) {
  if (!input || typeof input !== 'object' || input.questionnaire?.resourceType !== 'Questionnaire') {
    throw new Error(`invoer ${index}: "questionnaire" moet een Questionnaire zijn`);
  }
  if (input.response && input.response.resourceType !== 'QuestionnaireResponse') {
    throw new Error(`invoer ${index}: "response" moet een QuestionnaireResponse zijn`);
  }
  if (input.fhirContext && (input.fhirContext.patient?.resourceType !== 'Patient' || !input.fhirContext.searches)) {
    throw new Error(`invoer ${index}: "fhirContext" moet {patient: Patient, searches: {zoekvraag: Bundle}} zijn`);
  }
  if (input.subject && !subjectResource(input.subject)) {
    throw new Error(`invoer ${index}: "subject" moet een resource met id of een Reference "Type/id" zijn`);
  }
}

/**
 * Runs in the page: renders, waits for the DOM to settle, reads the item list and, if asked,
 * the response and extraction back. Returns plain JSON.
 */
async function renderInPage({ questionnaire, response, subject, extract, fhirContext, timeoutMs }) {
  const errors = [];
  if (fhirContext) {
    // A FHIR context without a server: the launch Patient, and each x-fhir-query (LForms adds
    // _format=json) answered from the given searchset Bundles; an unknown query is an error.
    const answer = async (url) => {
      const query = String(url).replace(/[?&]_format=json$/, '');
      if (!Object.hasOwn(fhirContext.searches, query)) {
        errors.push({ source: 'fhirContext', message: `zoekvraag zonder antwoord: ${query}` });
        return { resourceType: 'Bundle', type: 'searchset', entry: [] };
      }
      return structuredClone(fhirContext.searches[query]);
    };
    const patient = fhirContext.patient;
    const client = {
      request: answer,
      getFhirVersion: async () => '4.0.1',
      patient: { id: patient.id, read: async () => patient, request: answer },
    };
    LForms.Util.setFHIRContext(client, { patient });
  }
  // LForms rejects with an Error, a string, or an array of either.
  const message = (e) =>
    Array.isArray(e)
      ? e.map(message).join('; ')
      : e instanceof Error
        ? e.message
        : typeof e === 'string'
          ? e
          : JSON.stringify(e);
  const el = document.getElementById('form');
  let timer;
  try {
    let definition = questionnaire;
    if (response) {
      // addFormToPage(q, el, {questionnaireResponse}) merges through LFormsData.getFormData(),
      // which drops the form's id, meta, status, subjectType and contained: without contained
      // templates, template extraction silently yields nothing (lforms 40.1.3). So merge here
      // and put back what the merge lost.
      const sdc = LForms.FHIR.R4.SDC;
      const converted = sdc.convertQuestionnaireToLForms(questionnaire);
      definition = sdc.mergeQuestionnaireResponseToLForms(LForms.Util.deepCopy(converted), response);
      for (const [key, value] of Object.entries(converted)) {
        if (definition[key] === undefined) {
          definition[key] = value;
        }
      }
    }
    await Promise.race([
      LForms.Util.addFormToPage(definition, el, { fhirVersion: 'R4' }),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`formulier niet klaar na ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (e) {
    errors.push({ source: 'addFormToPage', message: message(e) });
  } finally {
    clearTimeout(timer);
  }

  // onFormReady can come before Angular has drawn every item: wait until the number of drawn
  // items stops changing over a few frames (bounded, so a form that keeps redrawing still ends).
  const frame = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 20)));
  let last = -1;
  for (let stable = 0, i = 0; stable < 3 && i < 200; i++) {
    await frame();
    const now = el.querySelectorAll('lhc-item').length;
    stable = now === last ? stable + 1 : 0;
    last = now;
  }

  // The text fields of an item (not its radio buttons or check boxes): what they show.
  const FIELDS = 'input:not([type=radio]):not([type=checkbox]), textarea';
  const form = LForms.Util._getFormObjectInScope(el);
  const items = (form?.itemList ?? [])
    .filter((item) => item.dataType !== 'SECTION' && item.dataType !== 'TITLE')
    .map((item) => {
      const node = document.getElementById(`item-${item._elementId}`);
      const fields = node ? [...node.querySelectorAll(FIELDS)] : [];
      return {
        linkId: item.linkId,
        text: item.question ?? null,
        dataType: item.dataType,
        enabled: item._skipLogicStatus !== 'target-disabled' && !item._isHiddenFromView,
        rendered: node !== null && node.checkVisibility(),
        shownText: node?.innerText ?? '',
        values: fields.map((field) => field.value),
        readOnly: fields.length > 0 && fields.every((field) => field.readOnly || field.disabled),
      };
    });

  // LForms' own checks of the answers (required, min/max, maxLength ...), as sentences.
  const validationErrors = form ? (LForms.Util.checkValidity(el) ?? []) : [];

  let responseBack = null;
  let extractBundle = null;
  if (extract && form) {
    try {
      const [qr, bundle] = LForms.Util.getFormFHIRData('QuestionnaireResponse', 'R4', el, {
        extract: true,
        subject,
      });
      responseBack = qr ?? null;
      extractBundle = bundle ?? null;
      if (!qr) {
        // LForms returns no response when it has marked its form data invalid (_invalidData).
        errors.push({ source: 'getFormFHIRData', message: 'geen QuestionnaireResponse: ongeldige gegevens' });
      }
    } catch (e) {
      errors.push({ source: 'getFormFHIRData', message: message(e) });
    }
  }
  return {
    errors,
    itemCount: items.length,
    visibleCount: items.filter((item) => item.enabled && item.rendered).length,
    items,
    renderedText: el.innerText,
    validationErrors,
    responseBack,
    extractBundle,
  };
}

/** One input in a fresh page, so errors belong to the form that caused them. */
function runOne(context, origin, input) {
  return inFreshPage(context, origin, EMPTY_RESULT, async (page) => {
    await page.waitForFunction(() => window.LForms?.Util && window.LForms?.FHIR?.R4, null, {
      timeout: TIMEOUT_MS,
    });
    return page.evaluate(renderInPage, {
      questionnaire: input.questionnaire,
      response: input.response ?? null,
      subject: subjectResource(input.subject) ?? subjectResource(input.response?.subject),
      extract: input.extract ?? Boolean(input.response),
      fhirContext: input.fhirContext ?? null,
      timeoutMs: TIMEOUT_MS,
    });
  });
}

run(() => runBatch({ mounts: MOUNTS, check: checkInput, runOne }));
