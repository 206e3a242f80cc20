// Home: what is loaded, patient search, links to the views and APIs.
import { fhir } from './api.js';
import { busy, day, el, number, ready, shell, shown, table } from './ui.js';

const COUNTED = [
  ['Patient', 'Patients'], ['Encounter', 'Encounters'], ['Condition', 'Conditions'], ['Observation', 'Observations'],
  ['MedicationRequest', 'Medication requests'], ['Procedure', 'Procedures'], ['Immunization', 'Immunizations'],
  ['DocumentReference', 'Notes'], ['Practitioner', 'Practitioners'], ['Organization', 'Organizations'],
];

shell('Home');

const loadedStatus = document.getElementById('loaded-status');
const loading = busy(loadedStatus, document.getElementById('counts'), async () => {
  const counts = await Promise.all(COUNTED.map(([type]) => fhir(`${type}?_summary=count`).then((b) => b.total)));
  document.getElementById('counts').replaceChildren(...COUNTED.map(([type, label], i) =>
    el('li', { 'data-type': type }, el('span', { class: 'n', 'data-count': counts[i] }, number(counts[i])), label)));
  await lastImport();
}, 'Counting what is loaded…').catch(shown);

/** The last import: the newest entry of the server's history (imports and FHIR writes alike write versions). */
async function lastImport() {
  const history = await fhir('_history?_count=1');
  const last = history.entry?.[0]?.resource?.meta?.lastUpdated;
  document.getElementById('last-import').textContent = last
    ? `Last import or change stored at ${last.replace('T', ' ').slice(0, 19)} UTC.` : 'Nothing is stored yet.';
}

const form = document.getElementById('patient-search');
const searchStatus = document.getElementById('search-status');
const results = document.getElementById('patients');

// The search fields stay out of the URL: names are not to be written into links, history or logs.
function search(fields) {
  const query = new URLSearchParams({ _count: '20' });
  for (const [name, value] of Object.entries(fields)) if (value.trim()) query.set(name, value.trim());
  const filtered = query.size > 1;
  return busy(searchStatus, results, async () => {
    const bundle = await fhir(`Patient?${query}`);
    const patients = (bundle.entry || []).map((e) => e.resource);
    results.replaceChildren(table(filtered ? 'Patients found' : 'Patients (first page)', [
      { label: 'Name', value: (p) => el('a', { href: `/ui/patient/${encodeURIComponent(p.id)}` }, name(p)) },
      { label: 'Gender', value: (p) => p.gender },
      { label: 'Birth date', value: (p) => day(p.birthDate) },
      { label: 'Identifier', value: (p) => identifier(p) },
      { label: 'Views', value: (p) => el('span', { class: 'row' },
        el('a', { href: `/ui/patient/${encodeURIComponent(p.id)}/similar`, 'aria-label': `Similar patients to ${name(p)}` }, 'Similar'),
        el('a', { href: `/ui/patient/${encodeURIComponent(p.id)}/care-team`, 'aria-label': `Care team of ${name(p)}` }, 'Care team')) },
    ], patients, { id: 'patient-results', 'data-count': patients.length }));
  }, 'Searching…').catch(shown);
}

function name(p) {
  const n = p.name?.find((x) => x.use === 'official') || p.name?.[0];
  if (!n) return p.id;
  return n.text || [...(n.given || []), n.family].filter(Boolean).join(' ') || p.id;
}

function identifier(p) {
  const mrn = p.identifier?.find((i) => i.type?.coding?.some((c) => c.code === 'MR')) || p.identifier?.[0];
  return mrn ? mrn.value : '';
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  search(Object.fromEntries(new FormData(form)));
});
ready(Promise.all([loading, search({})]));
