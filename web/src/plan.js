// The Werk section of the treatment plan, drawn from the transaction Bundle that $extract
// returns for a response: goals, agreed steps, the follow-up, the consent, and the delivery state.
import { chart, swatch } from './chart.js';
import { AFLEVER_STAND, AFSPRAAK_STAND, datum, DOEL_STAND, DOEL_STATUS } from './dutch.js';

export function el(name, attributes = {}, ...children) {
  const node = document.createElement(name);
  for (const [key, value] of Object.entries(attributes)) {
    if (value !== undefined && value !== null && value !== false) {
      node.setAttribute(key, value === true ? '' : String(value));
    }
  }
  node.append(...children.flat(Infinity).filter((child) => child !== null && child !== undefined));
  return node;
}

// A date that never breaks over two lines (02-11-/2026).
export const dag = (date) => el('span', { class: 'datum' }, date);

const resources = (bundle, type) => (bundle.entry || []).map((e) => e.resource).filter((r) => r.resourceType === type);
const text = (concept) => concept?.text || concept?.coding?.[0]?.display || '';

function goalItem(goal) {
  const status = DOEL_STATUS[goal.lifecycleStatus] || goal.lifecycleStatus;
  const stand = goal.achievementStatus ? DOEL_STAND[goal.achievementStatus.coding?.[0]?.code] || text(goal.achievementStatus) : null;
  const target = (goal.target || []).find((t) => Number.isInteger(t.detailInteger));
  return el(
    'li',
    { class: 'doel' },
    el('p', { class: 'doel-tekst' }, goal.description?.text || '(zonder omschrijving)'),
    el(
      'p',
      { class: 'klein' },
      `Status: ${status}`,
      stand ? ` · stand: ${stand}` : null,
      target ? ` · doel: ${target.detailInteger} op de schaal ‘${text(target.measure)}’` : null,
    ),
  );
}

// One agreed step. A referral is an activity that points at a ServiceRequest in the bundle.
function stepRow(activity, bundle) {
  const cell = (kop, value) => el('td', { 'data-kop': kop }, value || '—');
  if (activity.reference) {
    const request = (bundle.entry || []).find((e) => e.fullUrl === activity.reference.reference)?.resource;
    const to = (request?.code?.coding || []).find((c) => c.system?.endsWith('/CodeSystem/verwijzing'))?.display;
    const why = request?.reasonCode?.[0]?.text;
    return el('tr', {}, cell('Wat', `Verwijzing${to ? ` naar ${to.toLowerCase()}` : ''}${why ? `: ${why}` : ''}`), cell('Wie', 'Uw hulpverlener'), cell('Wanneer', ''), cell('Stand', request?.status === 'draft' ? 'voorgesteld' : request?.status));
  }
  const detail = activity.detail || {};
  const who = (detail.performer || []).map((p) => p.display).filter(Boolean).join(', ');
  return el(
    'tr',
    {},
    cell('Wat', detail.description),
    cell('Wie', who),
    cell('Wanneer', datum(detail.scheduledPeriod?.end)),
    cell('Stand', AFSPRAAK_STAND[detail.status] || detail.status),
  );
}

function consentText(consent) {
  if (!consent) {
    return 'Er is niets vastgelegd over het delen van gegevens.';
  }
  const permits = (consent.provision?.provision || []).filter((p) => p.type === 'permit');
  const actors = permits.flatMap((p) => p.actor || []).map((a) => a.reference?.display || text(a.role)).filter(Boolean);
  if (consent.status !== 'active' || actors.length === 0) {
    return 'U geeft geen toestemming om uw doelen en afspraken over werk te delen.';
  }
  const until = permits.map((p) => p.period?.end).find(Boolean);
  return `U geeft toestemming om uw doelen en afspraken over werk te delen met: ${actors.join(', ')}${
    until ? `, tot ${datum(until)}` : ', tot u die intrekt'
  }.`;
}

export function deliveryText(parameters) {
  const deliveries = (parameters?.parameter || []).filter((p) => p.name === 'delivery');
  if (!deliveries.length) {
    return ['Dit gesprek wordt niet afgeleverd aan een dossier.'];
  }
  return deliveries.map((delivery) => {
    const part = Object.fromEntries((delivery.part || []).map((p) => [p.name, p.valueString ?? p.valueCode ?? p.valueInteger ?? p.valueInstant]));
    const state = AFLEVER_STAND[part.state] || part.state;
    const tries = part.attempts ? ` (pogingen: ${part.attempts})` : '';
    const target = String(part.target || '');
    const name = DOEL_NAAM[target.split(':')[0]] ? `${DOEL_NAAM[target.split(':')[0]]}${target.includes(':') ? ` ${target.split(':')[1]}` : ''}` : target;
    return `Aan het dossier (${name}): ${state}${tries}.`;
  });
}

const DOEL_NAAM = { file: 'bestand', fhir: 'EPD', epd: 'EPD' };

export function planView(bundle, delivery, trend, about = {}) {
  const plan = resources(bundle, 'CarePlan')[0];
  const activities = plan?.activity || [];
  // Agreed steps and referrals; a reference to anything else (the re-integratie milestones the
  // service shows in the plan as Tasks) is no agreement of this table: those are on the Tijdlijn.
  const referral = (a) => (bundle.entry || []).some((e) => e.fullUrl === a.reference.reference && e.resource.resourceType === 'ServiceRequest');
  const steps = activities.filter((a) => (a.reference ? referral(a) : a.detail?.kind !== 'Appointment'));
  const milestones = activities.filter((a) => /^Task\//.test(a.reference?.reference || ''));
  const followUp = activities.find((a) => a.detail?.kind === 'Appointment');
  const goals = resources(bundle, 'Goal');
  const legend = trend.scales.map((scale, n) =>
    el(
      'li',
      { 'data-schaal': scale.code },
      swatch(n),
      ` ${scale.label}: ${scale.points.map((p) => p.value).join(' → ')}`,
      trend.targets[scale.code] !== undefined ? ` (doel: ${trend.targets[scale.code]})` : null,
    ),
  );
  // The same figures as a table: one row per scale, one column per conversation.
  const dates = [...new Set(trend.scales.flatMap((scale) => scale.points.map((p) => p.when)))].sort();
  const table = el(
    'details',
    { class: 'cijfers niet-afdrukken' },
    el('summary', {}, 'De scores als tabel'),
    el(
      'div',
      { class: 'tabel-rol', tabindex: '0', role: 'region', 'aria-label': 'Scores als tabel' },
      el(
        'table',
        { class: 'scores' },
        el('caption', {}, 'Scores van 0 tot 10 per gesprek'),
        el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Schaal'), dates.map((d) => el('th', { scope: 'col' }, datum(d))), el('th', { scope: 'col' }, 'Doel'))),
        el('tbody', {}, trend.scales.map((scale) => el('tr', {},
          el('th', { scope: 'row' }, scale.label),
          dates.map((d) => el('td', {}, String(scale.points.find((p) => p.when === d)?.value ?? '—'))),
          el('td', {}, String(trend.targets[scale.code] ?? '—')),
        ))),
      ),
    ),
  );
  return el(
    'div',
    { class: 'plan' },
    el('h2', { tabindex: '-1', id: 'plan-kop' }, plan?.title || 'Werk'),
    // One living plan: the newest conversation brought it up to date, the earlier ones are its history.
    about.date
      ? el('p', { class: 'plan-stand niet-afdrukken' }, 'Dit is uw plan zoals het nu is, bijgewerkt in het gesprek van ', dag(about.date), '.',
          about.history?.length ? [' Eerdere gesprekken: ', about.history.flatMap((d, n) => [n ? ', ' : '', dag(d)]), '.'] : null)
      : null,
    el('section', { class: 'afdruk', 'aria-labelledby': 'afspraken-kop' },
      el('h3', { id: 'afspraken-kop' }, 'Mijn afspraken over werk'),
      about.patient ? el('p', { class: 'wie-wanneer' }, `Patiëntnummer ${about.patient}${about.date ? ` · gesprek van ${about.date}` : ''}`) : null,
      el('h4', {}, 'Doelen'),
      goals.length ? el('ul', { class: 'doelen' }, goals.map(goalItem)) : el('p', {}, 'Er zijn geen doelen vastgelegd.'),
      el('h4', {}, 'Afspraken: wie doet wat, en wanneer'),
      steps.length
        ? el(
            'div',
            // Focusable and named: on a narrow screen the table may scroll sideways, and a
            // keyboard user must be able to scroll it too.
            { class: 'tabel-rol', tabindex: '0', role: 'region', 'aria-label': 'Afspraken' },
            el(
              'table',
              { class: 'afspraken' },
              el('caption', { class: 'verborgen' }, 'Afspraken'),
              el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Wat'), el('th', { scope: 'col' }, 'Wie'), el('th', { scope: 'col' }, 'Wanneer'), el('th', { scope: 'col' }, 'Stand'))),
              el('tbody', {}, steps.map((step) => stepRow(step, bundle))),
            ),
          )
        : el('p', {}, 'Er zijn geen afspraken vastgelegd.'),
      milestones.length ? el('p', { class: 'termijnen' }, `De ${milestones.length} wettelijke termijnen van uw re-integratie staan op de Tijdlijn (op de startpagina: ‘Tijdlijn bekijken’).`) : null,
      el('h4', {}, 'Vervolggesprek'),
      el('p', { class: 'vervolg' }, followUp ? `Het vervolggesprek is op ${datum(followUp.detail.scheduledPeriod?.start)}.` : 'Er is nog geen datum voor het vervolggesprek.'),
      el('h4', {}, 'Gegevens delen'),
      el('p', { class: 'toestemming' }, consentText(resources(bundle, 'Consent')[0])),
    ),
    el('section', { class: 'niet-afdrukken', 'aria-labelledby': 'aflevering-kop' },
      el('h3', { id: 'aflevering-kop' }, 'Aflevering aan het dossier (EPD)'),
      el('ul', { class: 'aflevering' }, deliveryText(delivery).map((line) => el('li', {}, line))),
    ),
    // The chart and its legend are printed too; the table (folded away) is not.
    el('section', { class: 'grafiek-deel', 'aria-labelledby': 'grafiek-kop' },
      el('h3', { id: 'grafiek-kop' }, 'Scores door de gesprekken heen'),
      trend.scales.length
        ? [el('figure', {}, chart(trend.scales, trend.targets), el('figcaption', {}, 'Van 0 (heel negatief) tot 10 (heel positief). Elke schaal heeft een eigen kleur, lijn en punt (zie de legenda); een dunne lijn van puntjes met ‘doel’ erbij is het doel.')), el('ul', { class: 'legenda' }, legend), table]
        : el('p', {}, 'Er zijn nog geen scores.'),
    ),
  );
}
