// Dutch words for dates and FHIR codes shown on the page. Dates are DD-MM-JJJJ, always: the
// browser's locale does not decide.

export function datum(value) {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(value || '');
  return match ? `${match[3]}-${match[2]}-${match[1]}` : '';
}

// DD-MM-JJJJ (also with / or .) to a FHIR date, or null when it is no real date.
export function fhirDatum(text) {
  const match = /^\s*(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})\s*$/.exec(text || '');
  if (!match) {
    return null;
  }
  const [day, month, year] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const probe = new Date(Date.UTC(year, month - 1, day));
  if (probe.getUTCFullYear() !== year || probe.getUTCMonth() !== month - 1 || probe.getUTCDate() !== day) {
    return null;
  }
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

export const DOEL_STATUS = {
  proposed: 'voorgesteld',
  planned: 'gepland',
  accepted: 'afgesproken',
  active: 'actief',
  'on-hold': 'gepauzeerd',
  completed: 'afgerond',
  cancelled: 'vervallen',
  rejected: 'afgewezen',
  'entered-in-error': 'ten onrechte ingevoerd',
};

export const DOEL_STAND = {
  'in-progress': 'op weg',
  improving: 'gaat vooruit',
  worsening: 'gaat achteruit',
  'no-change': 'geen verandering',
  achieved: 'bereikt',
  sustaining: 'blijft bereikt',
  'not-achieved': 'niet bereikt',
  'no-progress': 'geen vooruitgang',
  'not-attainable': 'niet haalbaar',
};

export const AFSPRAAK_STAND = {
  'not-started': 'nog niet begonnen',
  scheduled: 'gepland',
  'in-progress': 'loopt nog',
  'on-hold': 'gepauzeerd',
  completed: 'gedaan',
  stopped: 'niet gelukt',
  cancelled: 'vervalt',
  unknown: 'onbekend',
};

export const AFLEVER_STAND = {
  queued: 'staat klaar om af te leveren',
  delivered: 'afgeleverd',
  retrying: 'mislukt, wordt opnieuw geprobeerd',
  dead: 'niet afgeleverd (opgegeven)',
};

// English texts the Smart Forms renderer draws itself, and what the page shows instead.
export const RENDERER_TEKST = {
  'Add Item': 'Nog een toevoegen',
  'Add Row': 'Nog een rij',
  'Remove item': 'Verwijderen',
  Clear: 'Wissen',
  Yes: 'Ja',
  No: 'Nee',
  'No options available.': 'Geen keuzes beschikbaar.',
  'Mandatory field': 'Verplicht',
  'Loading questionnaire...': 'De vragenlijst wordt geladen…',
  'Unable to load form': 'Het formulier kan niet worden geladen',
  'Something went wrong here': 'Hier ging iets mis',
  'Previous tab': 'Vorige',
  'Next tab': 'Volgende',
  Open: 'Openen',
  Close: 'Sluiten',
};
