// The Smart Forms renderer (CSIRO, React) behind three calls: show(questionnaire, response),
// response(), and only(linkIds) to show the top-level items of one step. One form holds the
// whole leidraad, so enableWhen works across the steps (a theme chosen in step 1 opens its
// questions later). Plain createElement, no JSX: no React plugin in the build.
import { QueryClientProvider } from '@tanstack/react-query';
import {
  BaseRenderer,
  buildForm,
  getResponse,
  removeEmptyAnswersFromResponse,
  RendererThemeProvider,
  useRendererQueryClient,
} from '@aehrc/smart-forms-renderer';
import { createElement as h, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { datum, fhirDatum, RENDERER_TEKST } from './dutch.js';

let root = null;
let element = null;
let shown = null;
// The follow-up's scores of the last conversation, by linkId: shown as "vorige keer: N" beside
// each slider, so the patient compares without looking it up (issue 20, item 8).
let previous = new Map();
// The date fields whose text is no date (31-02-2026): saving and sending wait for them, so no
// date is dropped silently. Keyed by the field's id; the value is the question's text.
const wrongDates = new Map();

// [{id, text}] of every shown date field whose text is not a date; each marked at its field.
export function invalidDates() {
  const found = [];
  for (const [id, text] of wrongDates) {
    const input = document.getElementById(id);
    if (input) {
      input.dispatchEvent(new FocusEvent('focusout', { bubbles: true }));
      found.push({ id, text });
    } else {
      wrongDates.delete(id);
    }
  }
  return found;
}

// A date as DD-MM-JJJJ in a plain text field: the renderer's own date field shows DD/MM/YYYY.
function DatumVraag({ qItem, qrItem, onQrItemChange, parentRepeatGroupIndex }) {
  const stored = Array.isArray(qrItem) ? qrItem[0] : qrItem;
  const [text, setText] = useState(datum(stored?.answer?.[0]?.valueDate));
  const [wrong, setWrong] = useState(false);
  const id = `datum-${qItem.linkId}-${parentRepeatGroupIndex ?? 0}`;
  const change = (event) => {
    const value = event.target.value;
    setText(value);
    const date = fhirDatum(value);
    if (value.trim() !== '' && !date) {
      wrongDates.set(id, qItem.text);
    } else {
      wrongDates.delete(id);
    }
    if (value.trim() === '') {
      setWrong(false);
      onQrItemChange({ linkId: qItem.linkId, text: qItem.text });
    } else if (date) {
      setWrong(false);
      onQrItemChange({ linkId: qItem.linkId, text: qItem.text, answer: [{ valueDate: date }] });
    }
  };
  const blur = () => setWrong(text.trim() !== '' && fhirDatum(text) === null);
  return h(
    'div',
    { className: 'datumvraag', 'data-linkid': qItem.linkId },
    h('label', { htmlFor: id }, qItem.text),
    h('input', {
      id,
      type: 'text',
      inputMode: 'numeric',
      autoComplete: 'off',
      placeholder: 'DD-MM-JJJJ',
      value: text,
      'aria-invalid': wrong ? 'true' : 'false',
      'aria-describedby': `${id}-uitleg`,
      onChange: change,
      onBlur: blur,
      readOnly: Boolean(qItem.readOnly),
    }),
    h(
      'p',
      { id: `${id}-uitleg`, className: wrong ? 'fout' : 'hint' },
      wrong ? 'Dit is geen geldige datum. Schrijf hem als DD-MM-JJJJ, bijvoorbeeld 14-12-2026.' : 'Als DD-MM-JJJJ',
    ),
  );
}

function dateItems(items, found = {}) {
  for (const item of items || []) {
    if (item.type === 'date') {
      found[item.linkId] = DatumVraag;
    }
    dateItems(item.item, found);
  }
  return found;
}

function Form() {
  const queryClient = useRendererQueryClient();
  return h(RendererThemeProvider, null, h(QueryClientProvider, { client: queryClient }, h(BaseRenderer)));
}

// The renderer's few English words become Dutch as they are drawn (exact matches only).
function translate(node) {
  const walker = document.createTreeWalker(node, NodeFilter.SHOW_TEXT);
  for (let text = walker.nextNode(); text; text = walker.nextNode()) {
    const dutch = RENDERER_TEKST[text.nodeValue.trim()];
    if (dutch) {
      text.nodeValue = dutch;
    }
  }
  if (node.querySelectorAll) {
    for (const el of [node, ...node.querySelectorAll('[title], [aria-label], [placeholder]')]) {
      for (const name of ['title', 'aria-label', 'placeholder']) {
        const dutch = RENDERER_TEKST[el.getAttribute(name)];
        if (dutch) {
          el.setAttribute(name, dutch);
        }
      }
    }
  }
}

// Accessibility repairs of what renderer 1.4.0 draws: its check boxes put role="checkbox" and
// aria-checked on the wrapper around the real <input type="checkbox">, so a screen reader meets
// two nested check boxes (axe: nested-interactive). The input alone is the control.
function repair(node) {
  const wrappers = node.matches?.('[role="checkbox"]:not(input)') ? [node] : [];
  wrappers.push(...(node.querySelectorAll?.('[role="checkbox"]:not(input)') || []));
  for (const wrapper of wrappers) {
    if (wrapper.querySelector('input[type="checkbox"]')) {
      wrapper.removeAttribute('role');
      wrapper.removeAttribute('aria-checked');
      wrapper.removeAttribute('aria-readonly');
      wrapper.dataset.hersteld = '';
    }
  }
  // React sets aria-checked again on every toggle; a repaired wrapper drops it again.
  if (node.dataset && 'hersteld' in node.dataset) {
    node.removeAttribute('aria-checked');
    node.removeAttribute('aria-readonly');
  }
  const all = (selector) => [...(node.matches?.(selector) ? [node] : []), ...(node.querySelectorAll?.(selector) || [])];
  // The slider's wrapper <span> carries aria-readonly without a role that allows it.
  for (const el of all('span[aria-readonly]:not([role]), div[aria-readonly]:not([role])')) {
    el.removeAttribute('aria-readonly');
  }
  // The remove button of a repeated group sits in a <span role="button"> (its tooltip's anchor):
  // the real <button> inside gets the name, the span stops pretending to be a button.
  for (const el of all('span[role="button"]')) {
    const inner = el.querySelector('button');
    if (inner) {
      if (!inner.getAttribute('aria-label') && el.getAttribute('aria-label')) {
        inner.setAttribute('aria-label', el.getAttribute('aria-label'));
      }
      el.removeAttribute('role');
      el.removeAttribute('aria-label');
    }
  }
  // An untouched slider has no answer, but its thumb sits on 0 and a screen reader says "0":
  // it looks and sounds answered. The renderer shows "-" as its value then; the page marks such
  // a slider (a hollow thumb, style.css) and gives it the value text "nog geen antwoord".
  const stacks = all('.MuiStack-root');
  const around = node.closest?.('.MuiStack-root');
  if (around) {
    stacks.push(around);
  }
  for (const stack of stacks) {
    const slider = stack.querySelector(':scope > .MuiSlider-root');
    const shown = stack.firstElementChild?.querySelector('p');
    const input = slider?.querySelector('input[type="range"]');
    if (!slider || !shown || !input) {
      continue;
    }
    const before = previous.get(stack.closest('[data-linkid]')?.getAttribute('data-linkid'));
    if (before !== undefined && !stack.parentElement.querySelector(':scope > .vorige-keer')) {
      const note = document.createElement('p');
      note.className = 'vorige-keer';
      note.textContent = `vorige keer: ${before}`;
      stack.after(note);
      input.setAttribute('aria-describedby', (note.id = `vorige-${input.id || crypto.randomUUID()}`));
    }
    const empty = shown.textContent.trim() === '-';
    slider.toggleAttribute('data-leeg', empty);
    if (empty) {
      input.setAttribute('aria-valuetext', 'nog geen antwoord');
    } else if (input.getAttribute('aria-valuetext') === 'nog geen antwoord') {
      input.removeAttribute('aria-valuetext');
    }
  }
  // A link in a question's text ("Meer weten?") opens in a new tab, so the form stays as it is.
  for (const a of all('a[href^="http"]')) {
    if (a.target !== '_blank') {
      a.target = '_blank';
      a.rel = 'noopener noreferrer';
      a.append(document.createTextNode(' (opent in een nieuw tabblad)'));
    }
  }
  // A group without a text becomes a landmark named "Unnamed group"; it is no landmark at all.
  for (const el of all('[role="region"][aria-label="Unnamed group"]')) {
    el.removeAttribute('role');
    el.removeAttribute('aria-label');
  }
}

// The integer answers of a response by linkId (the sliders' scores of an earlier conversation).
export function scores(response) {
  const found = new Map();
  const walk = (items) => {
    for (const item of items || []) {
      const value = item.answer?.[0]?.valueInteger;
      if (Number.isInteger(value)) {
        found.set(item.linkId, value);
      }
      walk(item.item);
      for (const answer of item.answer || []) {
        walk(answer.item);
      }
    }
  };
  walk(response?.item);
  return found;
}

export async function show(target, questionnaire, response, earlier = new Map()) {
  element = target;
  previous = earlier;
  shown = questionnaire;
  await buildForm({
    questionnaire,
    questionnaireResponse: response ?? undefined,
    // No terminology lookups leave the service: the forms carry their answer lists.
    terminologyServerUrl: new URL('fhir', document.baseURI).href,
    rendererConfigOptions: { hideQuestionnaireTitle: true, inputsFlexGrow: true },
    qItemOverrideComponents: dateItems(questionnaire.item),
  });
  if (!root) {
    root = createRoot(target);
    // Only what changed is looked at: a keystroke must not walk the whole form.
    new MutationObserver((records) => {
      for (const record of records) {
        const nodes = record.type === 'childList' ? [...record.addedNodes] : [record.target];
        for (const node of nodes) {
          const el = node.nodeType === Node.TEXT_NODE ? node.parentNode : node;
          if (el?.nodeType === Node.ELEMENT_NODE) {
            translate(el);
            repair(el);
          }
        }
      }
    }).observe(target, {
      childList: true,
      subtree: true,
      characterData: true,
      attributes: true,
      attributeFilter: ['title', 'aria-label', 'placeholder', 'role', 'aria-checked', 'aria-readonly'],
    });
  }
  root.render(h(Form));
}

// The answers as they are sent: without those of items that earlier answers disabled (the
// renderer keeps them, e.g. "met wie delen" after the consent became "Nee", and the service then
// refuses the response for answering a disabled question).
export const response = () => removeEmptyAnswersFromResponse(shown, getResponse());

// Shows only the given top-level items (and everything inside them).
export function only(linkIds, all) {
  let style = document.getElementById('stap-stijl');
  if (!style) {
    style = document.createElement('style');
    style.id = 'stap-stijl';
    document.head.append(style);
  }
  const hidden = all.filter((linkId) => !linkIds.includes(linkId));
  style.textContent = hidden.map((linkId) => `#form [data-linkid="${CSS.escape(linkId)}"]`).join(',\n');
  if (hidden.length) {
    style.textContent += ' { display: none !important; }';
  }
  element?.scrollIntoView?.({ block: 'start' });
}
