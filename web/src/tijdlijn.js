// The Tijdlijn: the milestones of the re-integration clock (the service's Tasks of a patient) on
// one line, by date, with today marked between what lies behind and what lies ahead. Each
// milestone says its date or period, what, who, and its state in words with a shape beside it
// (never colour alone, WCAG 1.4.1). An ordered list with a heading per milestone: a screen reader
// reads it as a list, a keyboard user reaches every milestone by its "Waarom deze datum?".
import { datum } from './dutch.js';
import { el } from './plan.js';
import './tijdlijn.css';

// The state as the service words it (Task.businessStatus.text), with its shape and a class.
export const STANDEN = {
  gedaan: { teken: '✓', klasse: 'gedaan' },
  'nu aan de orde': { teken: '▶', klasse: 'nu' },
  'te laat': { teken: '!', klasse: 'te-laat' },
  gepland: { teken: '○', klasse: 'gepland' },
};

const LAND = { nl: 'Nederland', be: 'België' };

// Today in the browser's own time zone as YYYY-MM-DD (toISOString would give UTC's day).
export function vandaag(now = new Date()) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

// Without a businessStatus (an EPD's copy), FHIR's own status says at least done or not done.
function standOf(task) {
  const text = task.businessStatus?.text;
  if (STANDEN[text]) return text;
  return task.status === 'completed' ? 'gedaan' : 'gepland';
}

// The day a milestone sits on the line: its deadline, or for "from then on" its first day.
const dagOf = (task) => (task.executionPeriod?.end || task.executionPeriod?.start || '').slice(0, 10);

export function wanneer(period = {}) {
  const start = datum(period.start);
  const end = datum(period.end);
  if (start && end) return `van ${start} tot en met ${end}`;
  if (end) return `uiterlijk ${end}`;
  if (start) return `vanaf ${start}`;
  return 'datum onbekend';
}

// "over 3 weken" / "5 dagen geleden": how far a date is from today, in whole days or weeks.
function afstand(dag, today) {
  const days = Math.round((Date.parse(dag) - Date.parse(today)) / 86_400_000);
  if (Number.isNaN(days)) return '';
  if (days === 0) return 'vandaag';
  const n = Math.abs(days);
  const amount = n >= 14 ? `${Math.floor(n / 7)} weken` : n === 1 ? '1 dag' : `${n} dagen`;
  return days > 0 ? `over ${amount}` : `${amount} geleden`;
}

function who(task) {
  const role = task.performerType?.[0]?.text || task.performerType?.[0]?.coding?.[0]?.display || '';
  const owner = task.owner || {};
  const own = (owner.reference || '').startsWith('Patient/');
  const name = own ? '' : owner.display || '';
  const contained = (task.contained || []).find((r) => `#${r.id}` === owner.reference);
  const contact = (contained?.telecom || []).map((t) => t.value).filter(Boolean).join(', ');
  const parts = [role || name || 'niet bekend'];
  if (own) parts.push(' (u zelf)');
  if (name && name !== role) parts.push(`: ${name}`);
  if (contact) parts.push(` (bereikbaar via ${contact})`);
  return parts.join('');
}

function milestone(task, today, n) {
  const stand = standOf(task);
  const { teken, klasse } = STANDEN[stand];
  const wat = task.code?.text || task.description || task.code?.coding?.[0]?.display || 'Mijlpaal';
  const dag = dagOf(task);
  const note = (task.note || []).map((x) => x.text).filter(Boolean).join(' ');
  const id = `mijlpaal-${n}`;
  return el(
    'li',
    { class: `mijlpaal stand-${klasse}`, 'data-dag': dag, 'data-stand': stand },
    el('span', { class: 'punt', 'aria-hidden': 'true' }, teken),
    el('h3', { id }, wat),
    el('p', { class: 'wanneer' }, el('span', { class: 'label' }, 'Wanneer: '), wanneer(task.executionPeriod),
      stand !== 'gedaan' && dag ? el('span', { class: 'afstand' }, ` (${afstand(dag, today)})`) : null),
    el('p', { class: 'wie' }, el('span', { class: 'label' }, 'Wie: '), who(task)),
    el('p', { class: 'stand' }, el('span', { class: 'label' }, 'Stand: '), el('span', { class: 'teken', 'aria-hidden': 'true' }, teken), ` ${stand}`),
    note ? el('details', { class: 'waarom' }, el('summary', {}, 'Waarom deze datum?'), el('p', {}, note)) : null,
  );
}

function legend() {
  return el(
    'ul',
    { class: 'tijdlijn-legenda', 'aria-label': 'Betekenis van de tekens' },
    Object.entries(STANDEN).map(([stand, { teken, klasse }]) =>
      el('li', { class: `stand-${klasse}` }, el('span', { class: 'teken', 'aria-hidden': 'true' }, teken), ` ${stand}`),
    ),
  );
}

// The Tasks (any order) as the Tijdlijn. about: {patient, land, eersteZiektedag, vandaag}.
export function tijdlijnView(tasks, about = {}) {
  const today = about.vandaag || vandaag();
  const sorted = [...tasks].sort((a, b) => dagOf(a).localeCompare(dagOf(b)));
  const codes = sorted.flatMap((t) => (t.code?.coding || []).map((c) => c.code || ''));
  const land = about.land || (codes.some((c) => c.startsWith('be-')) ? 'be' : codes.length ? 'nl' : '');
  const items = sorted.map((task, n) => milestone(task, today, n));
  // Today sits before the first milestone on or after today: behind it all that lies in the past.
  const at = sorted.findIndex((task) => dagOf(task) >= today);
  const marker = el('li', { class: 'vandaag', 'aria-current': 'date' },
    // The diamond is drawn by CSS: no text of its own for a screen reader or a copy.
    el('span', { class: 'punt', 'aria-hidden': 'true' }),
    el('p', {}, el('strong', {}, `Vandaag, ${datum(today)}`)));
  items.splice(at < 0 ? items.length : at, 0, marker);
  const counts = Object.keys(STANDEN).map((stand) => [stand, sorted.filter((t) => standOf(t) === stand).length]).filter(([, n]) => n);
  return el(
    'section',
    { class: 'tijdlijn afdruk', 'aria-labelledby': 'tijdlijn-kop' },
    el('h2', { id: 'tijdlijn-kop', tabindex: '-1' }, 'Tijdlijn: de weg terug naar werk'),
    el('p', { class: 'wie-wanneer' },
      [about.patient ? `Patiëntnummer ${about.patient}` : null, LAND[land] ? `re-integratie in ${LAND[land]}` : null, `stand van ${datum(today)}`]
        .filter(Boolean)
        .flatMap((part, n) => [n ? ' · ' : null, el('span', { class: 'deel' }, part)])),
    about.eersteZiektedag
      ? el('p', {}, `Wat moet er wanneer gebeuren? De data volgen uit de wet en zijn gerekend vanaf uw eerste ziektedag, ${datum(about.eersteZiektedag)}.`)
      : null,
    sorted.length
      ? [
          el('p', { class: 'samenvatting' }, `${sorted.length} mijlpalen: ${counts.map(([stand, n]) => `${n} ${stand}`).join(', ')}.`),
          legend(),
          el('ol', { class: 'lijn', 'aria-label': 'Mijlpalen op volgorde van datum' }, items),
        ]
      : el('p', { class: 'leeg' }, about.leeg || 'Er staan nog geen mijlpalen op uw tijdlijn.'),
  );
}
