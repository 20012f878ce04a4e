#!/usr/bin/env node
// Renders Questionnaires with CSIRO's Smart Forms renderer (React) in a real headless Chromium:
// a second, independent renderer next to LHC-Forms, and the one that draws sliders.
//
//   node smartforms-run.mjs < input.json
//
// Needs the page built once by `vite build` (scripts/setup-js does it) into smartforms/dist/.
// Input (stdin): one object or an array of them (one browser launch for all):
//   {questionnaire, response?}
//   - questionnaire: an assembled R4 Questionnaire
//   - response: a QuestionnaireResponse to load into the form (it is read back in responseBack)
// Output (stdout): one object per input, in input order:
//   {errors: [{source, message}], warnings: [...], itemCount, visibleCount,
//    items: [{linkId, rendered, shownText, values, readOnly}], renderedText, responseBack}
//   errors: console errors, page errors, blocked requests and exceptions of the renderer;
//   itemCount: question items of the Questionnaire (no groups, no display items);
//   visibleCount: those drawn visibly in the page;
//   shownText, values, readOnly: over every drawn repetition of the item, its text (question,
//     options), what its text fields show, and whether every one of them is read-only or
//     disabled (false when it has none);
//   responseBack: the QuestionnaireResponse the form holds after loading.
// Exit code 2 only when the tool itself fails (bad input, Chromium does not start).

import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { inFreshPage, runBatch, TIMEOUT_MS } from './browser.mjs';
import { run } from './io.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const DIST = join(HERE, 'smartforms', 'dist');
const MOUNTS = { '/': join(DIST, 'index.html'), '/assets/': join(DIST, 'assets') };
const EMPTY_RESULT = { itemCount: 0, visibleCount: 0, items: [], renderedText: '', responseBack: null };

function checkInput(input, index) {
  if (!input || typeof input !== 'object' || input.questionnaire?.resourceType !== 'Questionnaire') {
    throw new Error(`invoer ${index}: "questionnaire" moet een Questionnaire zijn`);
  }
  if (input.response && input.response.resourceType !== 'QuestionnaireResponse') {
    throw new Error(`invoer ${index}: "response" moet een QuestionnaireResponse zijn`);
  }
}

/** Runs in the page: renders, waits for the DOM to settle, reads what was drawn. */
async function renderInPage({ questionnaire, response, timeoutMs }) {
  const errors = [];
  const message = (e) => (e instanceof Error ? e.message : typeof e === 'string' ? e : JSON.stringify(e));
  const el = document.getElementById('form');
  let timer;
  try {
    await Promise.race([
      window.smartForms.render(questionnaire, response),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`formulier niet klaar na ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (e) {
    errors.push({ source: 'render', message: message(e) });
  } finally {
    clearTimeout(timer);
  }

  // React draws after render() returns: wait until the page stops changing over a few frames
  // (bounded, so a form that keeps redrawing still ends).
  const frame = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 20)));
  let last = -1;
  for (let stable = 0, i = 0; stable < 3 && i < 200; i++) {
    await frame();
    const now = el.innerHTML.length;
    stable = now === last ? stable + 1 : 0;
    last = now;
  }

  const walk = (items) => items.flatMap((item) => [item, ...walk(item.item ?? [])]);
  // The renderer marks each drawn item's elements with data-linkid.
  // The outermost one per drawn repetition: an item's elements nest.
  const drawn = (linkId) => {
    const selector = `[data-linkid="${CSS.escape(linkId)}"]`;
    return [...el.querySelectorAll(selector)].filter(
      (node) => node.checkVisibility() && !node.parentElement?.closest(selector),
    );
  };
  // The text fields of an item (not its radio buttons or check boxes, nor the hidden copy of a
  // multi-line field that MUI measures its height with): what they show.
  const FIELDS = 'input:not([type=radio]):not([type=checkbox]), textarea:not([aria-hidden=true])';
  const items = walk(questionnaire.item ?? [])
    .filter((item) => item.type !== 'group' && item.type !== 'display')
    .map((item) => {
      const nodes = drawn(item.linkId);
      const fields = nodes.flatMap((node) => [...node.querySelectorAll(FIELDS)]);
      return {
        linkId: item.linkId,
        rendered: nodes.length > 0,
        shownText: nodes.map((node) => node.innerText).join('\n'),
        values: fields.map((field) => field.value),
        readOnly: fields.length > 0 && fields.every((field) => field.readOnly || field.disabled),
      };
    });
  let responseBack = null;
  try {
    responseBack = window.smartForms.response();
  } catch (e) {
    errors.push({ source: 'response', message: message(e) });
  }
  return {
    errors,
    itemCount: items.length,
    visibleCount: items.filter((item) => item.rendered).length,
    items,
    renderedText: el.innerText,
    responseBack,
  };
}

/** One input in a fresh page, so errors belong to the form that caused them. */
function runOne(context, origin, input) {
  return inFreshPage(context, origin, EMPTY_RESULT, async (page) => {
    await page.waitForFunction(() => window.smartForms, null, { timeout: TIMEOUT_MS });
    return page.evaluate(renderInPage, {
      questionnaire: input.questionnaire,
      response: input.response ?? null,
      timeoutMs: TIMEOUT_MS,
    });
  });
}

run(() => runBatch({ mounts: MOUNTS, check: checkInput, runOne }));
