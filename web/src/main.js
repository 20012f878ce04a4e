// The page's flow: Start → (Terugblik) → Stap 1 → the chosen themes → Stap 3 en 4 → the plan.
// One Smart Forms form holds the whole conversation; each step shows only its own top-level
// items. Drafts are in-progress QuestionnaireResponses on the service, so a patient can stop and
// come back. No answer or patient identifier is ever written to the console.
import './style.css';
import { api, ApiError, pageSettings, session, tokenFromFragment } from './api.js';
import { carriedOver } from './carry.js';
import { trendOf } from './chart.js';
import { datum } from './dutch.js';
import * as form from './form.js';
import { el, planView } from './plan.js';
import { questionnaireForRenderer, responseForRenderer, responseForService } from './workarounds.js';

const LEIDRAAD = 'leidraad-assembled';
const VERVOLG = 'vervolggesprek-assembled';
const PATIENT_ID = /^[A-Za-z0-9\-.]{1,64}$/;

const $ = (id) => document.getElementById(id);
// view: a counter of screens; an answer that arrives after the person moved on is not drawn.
const state = { settings: {}, patient: '', questionnaire: null, stored: null, steps: [], step: 0, view: 0 };

// --- messages -------------------------------------------------------------------------------

function clearMessage() {
  $('melding').replaceChildren();
}

function message(text, details = [], kind = 'fout') {
  $('melding').replaceChildren(
    el('div', { class: `bericht ${kind}` }, el('p', {}, text), details.length ? el('ul', {}, details.map((d) => el('li', {}, d))) : null),
  );
  $('melding').scrollIntoView?.({ block: 'nearest' });
}

function explain(error) {
  if (error instanceof ApiError && error.status === 401) {
    session.clear();
  }
  if (error instanceof ApiError) {
    message(error.message, error.details);
  } else {
    // A bug of the page itself: say so plainly, and keep the details out of the console.
    message('Er ging iets mis in deze pagina. Laad de pagina opnieuw en probeer het nog eens.');
  }
}

async function guarded(action) {
  clearMessage();
  try {
    await action();
  } catch (error) {
    explain(error);
  }
}

// --- steps ----------------------------------------------------------------------------------

// Each top-level item belongs to the step whose group it follows in the Questionnaire.
function stepsOf(questionnaire) {
  const sections = { terugblik: [], stap1: [], themas: [], stap34: [] };
  let current = null;
  for (const item of questionnaire.item || []) {
    const id = item.linkId;
    if (id === 'terugblik') current = 'terugblik';
    else if (id === 'stap-1') current = 'stap1';
    else if (id === 'stap-2') current = 'themas';
    else if (id === 'stap-3') current = 'stap34';
    if (current) sections[current].push(id);
  }
  const steps = [{ key: 'start', title: 'Start' }];
  if (sections.terugblik.length) {
    steps.push({ key: 'terugblik', title: 'Terugblik', items: sections.terugblik });
  }
  steps.push(
    { key: 'stap1', title: 'Stap 1: Voorbereiding', items: sections.stap1 },
    { key: 'themas', title: 'Stap 2: De thema’s', items: sections.themas },
    { key: 'stap34', title: 'Stap 3 en 4: Afspraken', items: sections.stap34 },
    { key: 'plan', title: 'Het plan Werk' },
  );
  return steps;
}

// The steps of the conversation; once a form is open, its steps are buttons, so one can go back
// to any step (the answers stay in the one form).
function drawSteps() {
  const steps = state.steps.length ? state.steps : stepsOf({ item: [{ linkId: 'stap-1' }, { linkId: 'stap-2' }, { linkId: 'stap-3' }] });
  const open = state.questionnaire && state.steps.length && state.steps[state.step]?.items;
  $('stappen').replaceChildren(
    ...steps.map((step, i) => {
      const current = i === state.step ? 'step' : null;
      if (open && step.items && i !== state.step) {
        const button = el('button', { type: 'button', class: 'stap-knop' }, step.title);
        button.onclick = () => goTo(i);
        return el('li', {}, button);
      }
      return el('li', { 'aria-current': current }, step.title);
    }),
  );
}

function showForm(visible) {
  $('formulier').hidden = !visible;
  $('scherm').hidden = visible;
}

function goTo(index) {
  state.step = index;
  const step = state.steps[index];
  drawSteps();
  if (step.items) {
    showForm(true);
    const all = state.questionnaire.item.map((item) => item.linkId);
    form.only(step.items, all);
    $('formulier-kop').textContent = step.title;
    formButtons(index);
    $('formulier-kop').focus();
  }
}

function formButtons(index) {
  const last = state.steps[index + 1]?.key === 'plan';
  const first = state.steps[index - 1]?.key === 'start';
  $('formulier-knoppen').replaceChildren(
    el('button', { type: 'button', id: 'knop-vorige', class: 'tweede' }, first ? 'Terug naar start' : 'Vorige stap'),
    el('button', { type: 'button', id: 'knop-opslaan', class: 'tweede' }, 'Concept opslaan'),
    last
      ? el('button', { type: 'button', id: 'knop-versturen' }, 'Afronden en versturen')
      : el('button', { type: 'button', id: 'knop-volgende' }, 'Volgende stap'),
  );
  $('knop-vorige').onclick = () => (first ? start() : goTo(index - 1));
  $('knop-opslaan').onclick = () =>
    guarded(async () => {
      await save('in-progress');
      message(`Uw concept is opgeslagen (${datum(new Date().toISOString().slice(0, 10))}). U kunt later verder gaan.`, [], 'gelukt');
    });
  if (last) {
    $('knop-versturen').onclick = () => guarded(submit);
  } else {
    $('knop-volgende').onclick = () => goTo(index + 1);
  }
}

// --- saving ---------------------------------------------------------------------------------

async function save(status) {
  const response = responseForService(structuredClone(form.response()));
  const q = state.questionnaire;
  response.resourceType = 'QuestionnaireResponse';
  response.questionnaire = `${q.url}|${q.version}`;
  response.status = status;
  response.subject = { reference: `Patient/${state.patient}` };
  response.authored = new Date().toISOString();
  // Nothing answered yet: the renderer gives "item": [], which FHIR JSON does not allow.
  if (Array.isArray(response.item) && response.item.length === 0) {
    delete response.item;
  }
  let result;
  if (state.stored) {
    response.id = state.stored.id;
    result = await api.update(response, state.stored.etag);
  } else {
    delete response.id;
    result = await api.create(response);
  }
  state.stored = { id: result.data.id, etag: result.etag, resource: result.data };
  return result.data;
}

async function submit() {
  const stored = await save('completed');
  await showPlan(stored);
}

// --- the plan -------------------------------------------------------------------------------

async function trendFor(patient) {
  const responses = (await api.responses(patient))
    .filter((r) => r.status === 'completed' || r.status === 'amended')
    .sort((a, b) => (a.authored || '').localeCompare(b.authored || ''));
  const bundles = [];
  for (const response of responses) {
    bundles.push(await api.extract(response));
  }
  return trendOf(bundles);
}

async function showPlan(response) {
  state.view += 1;
  state.steps = state.steps.length ? state.steps : stepsOf({ item: [{ linkId: 'stap-1' }, { linkId: 'stap-2' }, { linkId: 'stap-3' }] });
  state.step = state.steps.length - 1;
  drawSteps();
  showForm(false);
  const bundle = await api.extract(response);
  const delivery = await api.delivery(response.id).catch(() => null);
  const trend = await trendFor(state.patient);
  const view = planView(bundle, delivery, trend);
  const buttons = el(
    'div',
    { class: 'knoppen niet-afdrukken' },
    el('button', { type: 'button', id: 'knop-afdrukken' }, 'Afspraken afdrukken'),
    el('button', { type: 'button', id: 'knop-verversen', class: 'tweede' }, 'Aflevering opnieuw bekijken'),
    el('button', { type: 'button', id: 'knop-start', class: 'tweede' }, 'Terug naar start'),
  );
  $('scherm').replaceChildren(view, buttons);
  $('knop-afdrukken').onclick = () => window.print();
  $('knop-verversen').onclick = () => guarded(() => showPlan(response));
  $('knop-start').onclick = () => start();
  $('plan-kop').focus();
}

// --- start ----------------------------------------------------------------------------------

async function begin(questionnaireId, response, stored) {
  state.view += 1;
  state.questionnaire = await api.questionnaire(questionnaireId);
  state.stored = stored;
  state.steps = stepsOf(state.questionnaire);
  const shown = questionnaireForRenderer(state.questionnaire);
  await form.show($('form'), shown, responseForRenderer(shown, response));
  goTo(1);
}

async function followUp() {
  let parameters;
  try {
    parameters = await api.populate(state.patient);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      message(
        'Het vervolggesprek kan nog niet vooraf worden ingevuld: deze dienst kent de bewerking $populate (nog) niet. Vraag de beheerder de dienst bij te werken, of begin een nieuw gesprek.',
      );
      return;
    }
    throw error;
  }
  const response = (parameters.parameter || []).find((p) => p.name === 'response')?.resource || parameters;
  if (response.resourceType !== 'QuestionnaireResponse') {
    message('De dienst gaf geen vooraf ingevuld gesprek terug.');
    return;
  }
  const last = (await api.responses(state.patient))
    .filter((r) => r.status === 'completed' || r.status === 'amended')
    .sort((a, b) => (b.authored || '').localeCompare(a.authored || ''))[0];
  await begin(VERVOLG, carriedOver(response, last), null);
}

function conversationRow(response) {
  const followup = (response.questionnaire || '').includes('/vervolggesprek');
  const done = response.status === 'completed' || response.status === 'amended';
  const button = el('button', { type: 'button', class: 'tweede' }, done ? 'Plan bekijken' : 'Verder invullen');
  button.onclick = () =>
    guarded(async () => {
      if (done) {
        state.steps = [];
        await showPlan(response);
      } else {
        const { data, etag } = await api.read(response.id);
        await begin(followup ? VERVOLG : LEIDRAAD, data, { id: data.id, etag, resource: data });
      }
    });
  return el(
    'li',
    {},
    el('span', {}, `${followup ? 'Vervolggesprek' : 'Eerste gesprek'} van ${datum(response.authored) || 'onbekende datum'} — ${done ? 'afgerond' : 'concept'} `),
    button,
  );
}

async function showConversations(view = state.view) {
  const responses = (await api.responses(state.patient)).sort((a, b) => (b.authored || '').localeCompare(a.authored || ''));
  if (view !== state.view || !$('gesprekken')) {
    return;
  }
  const list = responses.length
    ? el('ul', { class: 'gesprekken' }, responses.map(conversationRow))
    : el('p', {}, 'Er zijn nog geen gesprekken opgeslagen.');
  const nieuw = el('button', { type: 'button', id: 'knop-nieuw' }, 'Nieuw gesprek beginnen');
  const vervolg = el('button', { type: 'button', id: 'knop-vervolg', class: 'tweede' }, 'Vervolggesprek beginnen');
  nieuw.onclick = () => guarded(() => begin(LEIDRAAD, null, null));
  vervolg.onclick = () => guarded(followUp);
  $('gesprekken').replaceChildren(el('h3', {}, 'Uw gesprekken'), list, el('div', { class: 'knoppen' }, nieuw, vervolg));
}

function stepSummary(questionnaire) {
  const groups = (questionnaire.item || []).filter((item) => /^stap-\d$/.test(item.linkId));
  return el(
    'ol',
    { class: 'vier-stappen' },
    groups.map((group) => {
      const explanation = (group.item || []).find((item) => item.type === 'display')?.text || '';
      const first = explanation.split(/(?<=[.!?])\s/)[0];
      return el('li', {}, el('strong', {}, group.text), first ? el('span', {}, ` ${first}`) : null);
    }),
  );
}

// Without the local mode the service wants a token; the start page asks for one first.
function signIn() {
  state.view += 1;
  const field = el('input', { id: 'toegang', name: 'toegang', type: 'password', autocomplete: 'off', required: true, 'aria-describedby': 'toegang-uitleg' });
  const form = el('form', { id: 'aanmelden', class: 'patient' },
    el('label', { for: 'toegang' }, 'Toegangssleutel'),
    field,
    el('p', { id: 'toegang-uitleg', class: 'hint' }, 'Open deze pagina via de link van uw zorginstelling, dan bent u vanzelf aangemeld. Of plak hier de toegangssleutel die u kreeg.'),
    el('button', { type: 'submit' }, 'Aanmelden'),
  );
  form.onsubmit = (event) => {
    event.preventDefault();
    if (!field.value.trim()) {
      message('Vul uw toegangssleutel in.');
      field.focus();
      return;
    }
    session.set(field.value);
    guarded(start);
  };
  $('scherm').replaceChildren(el('h2', { id: 'start-kop', tabindex: '-1' }, 'Aanmelden'), el('p', {}, 'Deze dienst toont alleen uw eigen gesprekken, en daarvoor moet u zich aanmelden.'), form);
}

async function start() {
  const view = ++state.view;
  state.step = 0;
  state.steps = [];
  drawSteps();
  showForm(false);
  if (!state.settings.lokaal && !session.token()) {
    signIn();
    return;
  }
  const own = state.settings.lokaal ? null : session.patient();
  if (own) {
    state.patient = own;
  }
  const questionnaire = await api.questionnaire(LEIDRAAD);
  if (view !== state.view) {
    return;
  }
  const intro = (questionnaire.item || []).find((item) => item.linkId === 'leidraad-inleiding')?.text;
  const patient = el('input', {
    id: 'patient',
    name: 'patient',
    type: 'text',
    autocomplete: 'off',
    required: true,
    value: state.patient,
    readonly: own ? true : null,
    'aria-describedby': 'patient-uitleg',
  });
  const chosen = el('form', { id: 'patient-form', class: 'patient' },
    el('label', { for: 'patient' }, 'Patiëntnummer'),
    patient,
    el('p', { id: 'patient-uitleg', class: 'hint' }, state.settings.lokaal
      ? 'In deze demonstratie kiest u zelf een nummer, bijvoorbeeld demo-1 (letters, cijfers, - en .).'
      : own
        ? 'Uit uw aanmelding.'
        : 'Het nummer waaronder de patiënt bij uw zorginstelling bekend is.'),
    el('button', { type: 'submit' }, 'Mijn gesprekken tonen'),
  );
  chosen.onsubmit = (event) => {
    event.preventDefault();
    const value = patient.value.trim();
    if (!PATIENT_ID.test(value)) {
      message('Vul een geldig patiëntnummer in: 1 tot 64 letters, cijfers, streepjes of punten.');
      patient.setAttribute('aria-invalid', 'true');
      patient.focus();
      return;
    }
    patient.removeAttribute('aria-invalid');
    state.patient = value;
    guarded(showConversations);
  };
  $('scherm').replaceChildren(
    el('h2', { id: 'start-kop', tabindex: '-1' }, questionnaire.title || 'Gespreksleidraad Arbeid als medicijn'),
    el('p', {}, questionnaire.description || ''),
    intro ? el('p', {}, intro) : null,
    el('h3', {}, 'Het gesprek in vier stappen'),
    stepSummary(questionnaire),
    chosen,
    el('div', { id: 'gesprekken' }),
    state.settings.lokaal ? null : signOut(),
  );
  if (state.patient) {
    await showConversations(view);
  }
}

function signOut() {
  const button = el('button', { type: 'button', id: 'knop-afmelden', class: 'tweede' }, 'Afmelden');
  button.onclick = () => {
    session.clear();
    state.patient = '';
    guarded(start);
  };
  return el('div', { class: 'knoppen' }, button);
}

async function main() {
  tokenFromFragment();
  state.settings = await pageSettings();
  $('banner').hidden = !state.settings.lokaal;
  await guarded(start);
}

main();
