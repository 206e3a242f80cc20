// Clinical pathways: a Sankey whose columns are the steps after an index event, and a sunburst of the top sequences
// (as OHDSI ATLAS's treatment pathways). State in the URL: start, steps, window, support, top, types, cohort.
import { graphql } from './api.js';
import { conceptPicker } from './picker.js';
import {
  EVENT_TYPES, PALETTE, busy, colour, el, exportBar, number, onSchemeChange, params, ready, setParams, shell, table,
  typeIcon,
} from './ui.js';

const d3 = window.d3;
const QUERY = `query($start: [ConceptInput!]!, $types: [EventType!], $steps: Int, $window: Int, $support: Int, $top: Int,
                     $cohort: CohortCriteria) {
  pathways(start: $start, eventTypes: $types, steps: $steps, windowDays: $window, minSupport: $support, top: $top, cohort: $cohort) {
    cohortSize suppressed
    nodes { id step eventType patients percent suppressed concept { key system code display } }
    links { source target patients percent medianDays suppressed }
    sequences { patients percent suppressed concepts { key system code display } } } }`;
const FOLLOWING = ['CONDITION', 'MEDICATION', 'PROCEDURE', 'OBSERVATION', 'IMMUNIZATION', 'ENCOUNTER', 'ALLERGY', 'CARE_PLAN',
  'DIAGNOSTIC_REPORT', 'DEVICE', 'IMAGING', 'NOTE'];

shell('Clinical pathways');

/** The form's state, read from the URL. */
function state() {
  const p = params();
  const start = (p.get('start') || '').split(',').filter(Boolean).map((k) => {
    const at = k.lastIndexOf('|');
    return at < 0 ? { system: null, code: k } : { system: k.slice(0, at), code: k.slice(at + 1) };
  });
  let cohort = null;
  try {
    cohort = p.get('cohort') ? JSON.parse(p.get('cohort')) : null;
  } catch {
    cohort = null;
  }
  return {
    start,
    steps: +(p.get('steps') || 3),
    window: +(p.get('window') || 365),
    support: +(p.get('support') || 2),
    top: +(p.get('top') || 10),
    types: p.get('types') ? p.get('types').split(',') : ['CONDITION', 'MEDICATION', 'PROCEDURE'],
    cohort,
  };
}

const form = document.getElementById('query');
const status = document.getElementById('status');
let current = state();
let answer;

function drawForm() {
  const s = current;
  const number_ = (name, label, value, min, max) => el('label', { class: 'field' }, el('span', {}, label),
    el('input', { type: 'number', name, value, min, max, required: true }));
  form.replaceChildren(
    conceptPicker({ label: 'Index concepts', value: s.start, onChange: (list) => { s.start = list; } }),
    el('div', { class: 'row' },
      number_('steps', 'Steps', s.steps, 1, 10), number_('window', 'Window (days)', s.window, 1, null),
      number_('support', 'Minimum patients', s.support, 1, null), number_('top', 'Top sequences', s.top, 1, 100)),
    el('fieldset', {}, el('legend', {}, 'Following event types'), el('div', { class: 'row' }, FOLLOWING.map((t) => el('label', {},
      el('input', { type: 'checkbox', name: 'types', value: t, checked: s.types.includes(t) }), ' ', typeIcon(t), ' ', EVENT_TYPES[t].label)))),
    s.cohort ? el('p', { class: 'panel', id: 'cohort-note' }, 'Confined to the patients of a cohort (',
      el('a', { href: `/ui/cohort?c=${encodeURIComponent(JSON.stringify(s.cohort))}` }, 'see its criteria'), '). ',
      el('button', { type: 'button', class: 'secondary', onclick: () => { s.cohort = null; setParams({ cohort: null }); drawForm(); } }, 'All patients')) : '',
    el('button', { type: 'submit', id: 'run' }, 'Show pathways'));
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  const data = new FormData(form);
  Object.assign(current, {
    steps: +data.get('steps'), window: +data.get('window'), support: +data.get('support'), top: +data.get('top'),
    types: data.getAll('types'),
  });
  if (!current.start.length) {
    status.replaceChildren(el('div', { class: 'error', role: 'alert' }, 'Choose at least one index concept.'));
    return;
  }
  setParams({
    start: current.start.map((c) => (c.system ? `${c.system}|${c.code}` : c.code)).join(','), steps: current.steps,
    window: current.window, support: current.support, top: current.top, types: current.types.join(','),
    cohort: current.cohort ? JSON.stringify(current.cohort) : null,
  }, true);
  run();
});
window.addEventListener('popstate', () => {
  current = state();
  drawForm();
  if (current.start.length) run();
});

function run() {
  const s = current;
  return busy(status, document.getElementById('sankey'), async () => {
    const data = await graphql(QUERY, {
      start: s.start, types: s.types, steps: s.steps, window: s.window, support: s.support, top: s.top, cohort: s.cohort,
    });
    answer = data.pathways;
    draw();
  }, 'Computing pathways…').catch(() => {
    for (const id of ['summary', 'sankey', 'sankey-export', 'sankey-tables', 'sunburst', 'sunburst-export', 'sequences']) {
      document.getElementById(id).replaceChildren();
    }
  });
}

function draw() {
  const full = answer;
  // small cells withheld from this caller (below the server's minimum cell count) are listed in the tables as such and
  // left out of the charts, whose sizes would tell them
  const withheld = [...full.nodes, ...full.links, ...full.sequences].filter((c) => c.suppressed).length;
  const a = full;
  const size = full.suppressed ? 'Fewer than the minimum cell count of patients (withheld)' : `${number(a.cohortSize)} patients`;
  document.getElementById('summary').replaceChildren(el('p', { id: 'cohort-size', 'data-count': full.suppressed ? '' : a.cohortSize },
    `${size} have the index event; ${a.nodes.length} nodes, ${a.links.length} links, `
    + `${full.sequences.length} top sequences shown (nodes, links and sequences of fewer than ${current.support} patients are left out).`),
  withheld ? el('p', { id: 'withheld', class: 'panel', 'data-count': withheld }, `${withheld} small cells are withheld `
    + 'from you (fewer patients than the minimum cell count): the tables mark them "withheld", the charts leave them out.') : '');
  sankey(full);
  sunburst(full);
}

/** A count, or "withheld" for a small cell. */
const cell = (value, row) => (row.suppressed ? 'withheld' : value);

const byId = () => new Map(answer.nodes.map((n) => [n.id, n]));
const name = (c) => c.display || c.code;
const LINK_CSV = [
  { label: 'source step', text: (l) => byId().get(l.source).step }, { label: 'source', text: (l) => name(byId().get(l.source).concept) },
  { label: 'source key', text: (l) => byId().get(l.source).concept.key }, { label: 'target', text: (l) => name(byId().get(l.target).concept) },
  { label: 'target key', text: (l) => byId().get(l.target).concept.key }, { label: 'patients', text: (l) => cell(l.patients, l) },
  { label: 'percent', text: (l) => cell(l.percent, l) }, { label: 'median days', text: (l) => cell(l.medianDays, l) },
];

function sankey(a) {
  const box = document.getElementById('sankey');
  box.replaceChildren();
  const tables = document.getElementById('sankey-tables');
  if (!a.nodes.length) {
    box.append(el('p', { class: 'empty' }, a.cohortSize ? 'No step reaches the minimum number of patients.' : 'No patient has the index event.'));
    document.getElementById('sankey-export').replaceChildren();
    tables.replaceChildren();
    return;
  }
  const steps = d3.max(a.nodes, (n) => n.step) + 1;
  const width = Math.max(760, box.clientWidth || 960);
  const height = Math.max(360, d3.max(d3.rollup(a.nodes, (v) => v.length, (n) => n.step).values()) * 64);
  const margin = { top: 34, right: 10, bottom: 10, left: 10 };
  const fg = colour('--fg');
  const shown = a.nodes.filter((n) => !n.suppressed);
  const shownIds = new Set(shown.map((n) => n.id));
  if (!shown.length) {
    box.append(el('p', { class: 'empty', id: 'sankey-withheld' }, 'Every step is a small cell withheld from you: see the tables.'));
    document.getElementById('sankey-export').replaceChildren();
    sankeyTables(a, tables);
    return;
  }
  const graph = d3.sankey().nodeId((n) => n.id).nodeAlign((n) => n.step).nodeWidth(16).nodePadding(18)
    .nodeSort(null).linkSort(null)
    .extent([[margin.left, margin.top], [width - margin.right - 230, height - margin.bottom]])({
      nodes: shown.map((n) => ({ ...n, fixedValue: n.patients })),
      links: a.links.filter((l) => !l.suppressed && shownIds.has(l.source) && shownIds.has(l.target))
        .map((l) => ({ ...l, value: l.patients })),
    });
  const svg = d3.select(box).append('svg').attr('viewBox', `0 0 ${width} ${height}`).attr('id', 'sankey-svg')
    .attr('role', 'img').attr('aria-label', `Sankey of ${a.nodes.length} nodes in ${steps} columns; the tables below list them`)
    .attr('color', fg).attr('font-family', 'system-ui, sans-serif').attr('font-size', 12);
  svg.append('rect').attr('width', width).attr('height', height).attr('fill', colour('--bg'));
  const columns = d3.rollup(graph.nodes, (v) => v[0].x0, (n) => n.step);
  svg.append('g').selectAll('text').data([...columns]).join('text').attr('x', ([, x]) => x).attr('y', 16)
    .attr('font-weight', 600).attr('fill', fg).text(([step]) => (step === 0 ? 'Index event' : `Step ${step}`));
  const link = svg.append('g').attr('fill', 'none').selectAll('g').data(graph.links).join('g').attr('class', 'link');
  link.append('path').attr('d', d3.sankeyLinkHorizontal()).attr('stroke', (l) => EVENT_TYPES[l.target.eventType].colour)
    .attr('stroke-opacity', 0.45).attr('stroke-width', (l) => Math.max(1, l.width));
  link.append('title').text((l) => `${name(l.source.concept)} → ${name(l.target.concept)}: ${l.patients} patients `
    + `(${l.percent}%), median ${l.medianDays} days`);
  // a link's label sits at its target, where the band is its own (the middle of the gap holds the node labels)
  link.filter((l) => l.width >= 14).append('text').attr('x', (l) => l.target.x0 - 4).attr('y', (l) => l.y1)
    .attr('dy', '0.35em').attr('text-anchor', 'end').attr('fill', fg).attr('font-size', 10)
    .text((l) => `${l.patients} · ${l.percent}% · ${l.medianDays} d`);
  const node = svg.append('g').selectAll('g').data(graph.nodes).join('g').attr('class', 'node').attr('data-id', (n) => n.id);
  node.append('rect').attr('x', (n) => n.x0).attr('y', (n) => n.y0).attr('width', (n) => n.x1 - n.x0)
    .attr('height', (n) => Math.max(2, n.y1 - n.y0)).attr('fill', (n) => EVENT_TYPES[n.eventType].colour).attr('stroke', fg);
  node.append('path').attr('transform', (n) => `translate(${n.x1 + 9},${(n.y0 + n.y1) / 2})`)
    .attr('d', (n) => d3.symbol(d3[EVENT_TYPES[n.eventType].symbol], 50)()).attr('fill', (n) => EVENT_TYPES[n.eventType].colour)
    .attr('stroke', fg).attr('stroke-width', 0.6);
  // node labels fit the gap before the next column (the last column has the right margin)
  const gap = steps > 1 ? d3.min(graph.nodes.filter((n) => n.step === 1), (n) => n.x0) - d3.max(graph.nodes.filter((n) => n.step === 0), (n) => n.x1) : 230;
  const chars = Math.max(12, Math.floor((Math.min(gap, 260) - 105) / 6.5));
  node.append('text').attr('x', (n) => n.x1 + 18).attr('y', (n) => (n.y0 + n.y1) / 2).attr('fill', fg)
    .call((t) => t.append('tspan').attr('dy', '-0.2em').text((n) => truncate(name(n.concept), chars)))
    .call((t) => t.append('tspan').attr('x', (n) => n.x1 + 18).attr('dy', '1.1em').attr('font-size', 11)
      .text((n) => `${n.patients} patients · ${n.percent}%`));
  node.append('title').text((n) => `Step ${n.step}: ${name(n.concept)} (${EVENT_TYPES[n.eventType].label}): ${n.patients} patients (${n.percent}%)`);

  document.getElementById('sankey-export').replaceChildren(exportBar('Sankey', 'pathways-sankey', {
    svg: () => svg.node(), data: () => ({ columns: LINK_CSV, rows: a.links }) }));
  sankeyTables(a, tables);
}

/** The Sankey's nodes and links as tables, small cells marked withheld. */
function sankeyTables(a, tables) {
  const nodes = byId();
  tables.replaceChildren(
    table('Nodes: a concept at a step', [
      { label: 'Step', value: (n) => n.step, num: true },
      { label: 'Concept', value: (n) => name(n.concept) },
      { label: 'Type', value: (n) => el('span', {}, typeIcon(n.eventType), ' ', EVENT_TYPES[n.eventType].label) },
      { label: 'Patients', value: (n) => cell(n.patients, n), num: true },
      { label: '% of cohort', value: (n) => cell(n.percent, n), num: true },
    ], a.nodes, { id: 'nodes-table', 'data-count': a.nodes.length }),
    table('Links: patients moving from one step to the next', [
      { label: 'From', value: (l) => `${nodes.get(l.source).step}: ${name(nodes.get(l.source).concept)}` },
      { label: 'To', value: (l) => `${nodes.get(l.target).step}: ${name(nodes.get(l.target).concept)}` },
      { label: 'Patients', value: (l) => cell(l.patients, l), num: true },
      { label: '% of cohort', value: (l) => cell(l.percent, l), num: true },
      { label: 'Median days', value: (l) => cell(l.medianDays, l), num: true },
    ], a.links, { id: 'links-table', 'data-count': a.links.length }));
}

function truncate(text, size) {
  return text.length > size ? `${text.slice(0, size - 1)}…` : text;
}

const SEQUENCE_CSV = [
  { label: 'sequence', text: (s) => s.concepts.map(name).join(' > ') },
  { label: 'keys', text: (s) => s.concepts.map((c) => c.key).join(' > ') },
  { label: 'patients', text: (s) => cell(s.patients, s) }, { label: 'percent', text: (s) => cell(s.percent, s) },
];

function sunburst(full) {
  const box = document.getElementById('sunburst');
  box.replaceChildren();
  document.getElementById('sequences').replaceChildren(table('Top sequences', [
    { label: 'Rank', value: (s) => full.sequences.indexOf(s) + 1, num: true },
    { label: 'Sequence', value: (s) => s.concepts.map(name).join(' → ') },
    { label: 'Patients', value: (s) => cell(s.patients, s), num: true },
    { label: '% of cohort', value: (s) => cell(s.percent, s), num: true },
  ], full.sequences, { id: 'sequences-table', 'data-count': full.sequences.length }));
  const a = { ...full, sequences: full.sequences.filter((q) => !q.suppressed) }; // the chart: cells shown only
  if (!a.sequences.length) {
    box.append(el('p', { class: 'empty' }, full.sequences.length ? 'Every sequence is a small cell withheld from you: see the table.'
      : 'No sequence reaches the minimum number of patients.'));
    document.getElementById('sunburst-export').replaceChildren();
    return;
  }
  // a tree of the sequences' prefixes; a node's own value is the patients whose whole sequence ends there
  const root = { key: 'root', children: new Map() };
  for (const s of a.sequences) {
    let at = root;
    for (const c of s.concepts) {
      if (!at.children.has(c.key)) at.children.set(c.key, { key: c.key, concept: c, children: new Map(), own: 0 });
      at = at.children.get(c.key);
    }
    at.own += s.patients;
  }
  const hierarchy = d3.hierarchy(root, (n) => [...n.children.values()]).sum((n) => n.own || 0);
  const size = 520;
  const radius = size / 2;
  d3.partition().size([2 * Math.PI, radius])(hierarchy);
  const fg = colour('--fg');
  const concepts = [...new Set(a.sequences.flatMap((s) => s.concepts.map((c) => c.key)))];
  const fill = (key) => PALETTE[concepts.indexOf(key) % PALETTE.length];
  const arc = d3.arc().startAngle((d) => d.x0).endAngle((d) => d.x1).innerRadius((d) => d.y0).outerRadius((d) => d.y1 - 1);
  const legendHeight = concepts.length * 20 + 10;
  const height = Math.max(size, legendHeight);
  const svg = d3.select(box).append('svg').attr('viewBox', `0 0 ${size + 320} ${height}`).attr('id', 'sunburst-svg')
    .attr('role', 'img').attr('aria-label', `Sunburst of the ${a.sequences.length} most frequent sequences; the table below lists them`)
    .attr('color', fg).attr('font-family', 'system-ui, sans-serif').attr('font-size', 11);
  svg.append('rect').attr('width', size + 320).attr('height', height).attr('fill', colour('--bg'));
  const g = svg.append('g').attr('transform', `translate(${radius},${radius})`);
  const parts = hierarchy.descendants().filter((d) => d.depth > 0);
  const arcs = g.selectAll('g').data(parts).join('g').attr('class', 'arc');
  arcs.append('path').attr('d', arc).attr('fill', (d) => fill(d.data.key)).attr('stroke', colour('--bg')).attr('stroke-width', 1);
  arcs.append('title').text((d) => `${d.ancestors().reverse().slice(1).map((n) => name(n.data.concept)).join(' → ')}: `
    + `${d.value} patients in the top sequences`);
  // a number on every arc wide enough ties it to the legend without relying on colour
  arcs.filter((d) => (d.x1 - d.x0) * (d.y0 + d.y1) / 2 > 16).append('text')
    .attr('transform', (d) => `translate(${arc.centroid(d)})`).attr('text-anchor', 'middle').attr('dy', '0.35em')
    .attr('fill', '#000000').attr('font-weight', 600).text((d) => concepts.indexOf(d.data.key) + 1);
  g.append('text').attr('text-anchor', 'middle').attr('dy', '0.35em').attr('fill', fg).attr('font-size', 13)
    .text(`${a.cohortSize} patients`);
  const legend = svg.append('g').attr('transform', `translate(${size + 16},10)`);
  concepts.forEach((key, i) => {
    const c = a.sequences.flatMap((s) => s.concepts).find((x) => x.key === key);
    const row = legend.append('g').attr('transform', `translate(0,${i * 20})`);
    row.append('rect').attr('width', 14).attr('height', 14).attr('fill', fill(key));
    row.append('text').attr('x', 20).attr('y', 11).attr('fill', fg).text(`${i + 1}. ${truncate(name(c), 40)}`);
  });
  document.getElementById('sunburst-export').replaceChildren(exportBar('sunburst', 'pathways-sunburst', {
    svg: () => svg.node(), data: () => ({ columns: SEQUENCE_CSV, rows: full.sequences }) }));
}

drawForm();
ready(current.start.length ? run() : null);
onSchemeChange(() => answer && draw());
