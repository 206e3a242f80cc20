// Similar patients: the nearest patients by shared concepts (IDF-weighted Jaccard), the shared concepts that explain
// each score, a bar chart of the scores. State in the URL: k, by.
import { graphql } from './api.js';
import { demographics, patientId, patientNav } from './patient.js';
import {
  EVENT_TYPES, PALETTE, busy, colour, el, exportBar, number, onSchemeChange, params, ready, setParams, shell, shown, table, typeIcon,
} from './ui.js';

const d3 = window.d3;
const QUERY = `query($id: ID!, $k: Int, $by: [EventType!]) {
  patient(id: $id) { id name gender birthDate age deceased }
  similarPatients(id: $id, k: $k, by: $by) {
    score patient { id name gender birthDate } shared { weight concept { key system code display } } } }`;
const KINDS = ['CONDITION', 'MEDICATION', 'PROCEDURE', 'OBSERVATION', 'IMMUNIZATION', 'ENCOUNTER', 'ALLERGY', 'CARE_PLAN'];

shell('Similar patients');
patientNav();

const form = document.getElementById('query');
const status = document.getElementById('status');
let rows = [];

function state() {
  const p = params();
  return { k: +(p.get('k') || 10), by: p.get('by') ? p.get('by').split(',') : ['CONDITION', 'MEDICATION', 'PROCEDURE'] };
}

function drawForm() {
  const s = state();
  form.replaceChildren(
    el('label', { class: 'field' }, el('span', {}, 'How many'), el('input', { type: 'number', name: 'k', min: 1, max: 100, value: s.k })),
    el('fieldset', {}, el('legend', {}, 'Compare by the concepts of'), el('div', { class: 'row' }, KINDS.map((t) => el('label', {},
      el('input', { type: 'checkbox', name: 'by', value: t, checked: s.by.includes(t) }), ' ', typeIcon(t), ' ', EVENT_TYPES[t].label)))),
    el('button', { type: 'submit' }, 'Find similar patients'));
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  const data = new FormData(form);
  setParams({ k: data.get('k'), by: data.getAll('by').join(',') }, true);
  run();
});
window.addEventListener('popstate', () => { drawForm(); run(); });

function run() {
  const s = state();
  return busy(status, document.getElementById('chart'), async () => {
    const data = await graphql(QUERY, { id: patientId, k: s.k, by: s.by });
    const p = data.patient;
    document.getElementById('title').textContent = `Patients similar to ${p.name || p.id}`;
    document.title = `Similar to ${p.name || p.id} — CareGraph`;
    rows = data.similarPatients;
    document.getElementById('summary').replaceChildren(el('p', {}, demographics(p), '. ',
      el('span', { id: 'similar-count', 'data-count': rows.length }, `${rows.length} similar patients`),
      ` by ${s.by.map((t) => EVENT_TYPES[t].label.toLowerCase()).join(', ')}.`));
    draw();
  }, 'Finding similar patients…').catch(shown);
}

const CSV = [
  { label: 'rank', text: (r) => rows.indexOf(r) + 1 }, { label: 'patient id', text: (r) => r.patient.id },
  { label: 'name', text: (r) => r.patient.name }, { label: 'score', text: (r) => r.score },
  { label: 'shared concepts', text: (r) => r.shared.map((c) => `${c.concept.key} (${c.weight.toFixed(3)})`).join('; ') },
];

function draw() {
  const link = (r) => el('a', { href: `/ui/patient/${encodeURIComponent(r.patient.id)}` }, r.patient.name || r.patient.id);
  document.getElementById('similar').replaceChildren(table('Nearest patients, most similar first', [
    { label: 'Rank', value: (r) => rows.indexOf(r) + 1, num: true },
    { label: 'Patient', value: link },
    { label: 'Score', value: (r) => number(r.score, 3), num: true },
    { label: 'Shared concepts (rarest first, with their weight)', value: (r) => el('ul', { class: 'chips' },
      r.shared.slice(0, 12).map((c) => el('li', { title: c.concept.key }, `${c.concept.display || c.concept.code} · ${number(c.weight, 2)}`)),
      r.shared.length > 12 ? el('li', {}, `+${r.shared.length - 12} more`) : null) },
    { label: 'Views', value: (r) => el('a', { href: `/ui/patient/${encodeURIComponent(r.patient.id)}/similar`,
      'aria-label': `Patients similar to ${r.patient.name || r.patient.id}` }, 'Similar') },
  ], rows, { id: 'similar-table', 'data-count': rows.length }));
  const box = document.getElementById('chart');
  box.replaceChildren();
  document.getElementById('chart-export').replaceChildren();
  if (!rows.length) {
    box.append(el('p', { class: 'empty' }, 'No other patient shares a concept of weight with this one.'));
    return;
  }
  const fg = colour('--fg');
  const width = Math.max(640, box.clientWidth || 900);
  const bar = 26;
  const margin = { top: 26, right: 120, bottom: 8, left: 300 };
  const height = margin.top + rows.length * bar + margin.bottom;
  const x = d3.scaleLinear().domain([0, 1]).range([margin.left, width - margin.right]);
  const svg = d3.select(box).append('svg').attr('viewBox', `0 0 ${width} ${height}`).attr('id', 'similar-svg')
    .attr('role', 'img').attr('aria-label', `Similarity scores of ${rows.length} patients; the table below lists them`)
    .attr('color', fg).attr('font-family', 'system-ui, sans-serif').attr('font-size', 12);
  svg.append('rect').attr('width', width).attr('height', height).attr('fill', colour('--bg'));
  svg.append('g').attr('transform', `translate(0,${margin.top})`).call(d3.axisTop(x).ticks(5));
  const g = svg.append('g').selectAll('g').data(rows).join('g')
    .attr('transform', (r, i) => `translate(0,${margin.top + i * bar})`);
  g.append('rect').attr('x', x(0)).attr('y', 4).attr('height', bar - 8).attr('width', (r) => x(r.score) - x(0)).attr('fill', PALETTE[0]);
  g.append('text').attr('x', margin.left - 8).attr('y', bar / 2).attr('dy', '0.35em').attr('text-anchor', 'end').attr('fill', fg)
    .text((r, i) => `${i + 1}. ${r.patient.name || r.patient.id}`);
  g.append('text').attr('x', (r) => x(r.score) + 6).attr('y', bar / 2).attr('dy', '0.35em').attr('fill', fg)
    .text((r) => `${number(r.score, 3)} · ${r.shared.length} shared`);
  document.getElementById('chart-export').replaceChildren(exportBar('similarity scores', `similar-${patientId}`, {
    svg: () => svg.node(), data: () => ({ columns: CSV, rows }) }));
}

drawForm();
ready(run());
onSchemeChange(() => rows.length && draw());
