// Care team (/ui/patient/{id}/care-team) and practitioner network (/ui/practitioner/{id}): the patient or practitioner,
// the practitioners and organizations involved, with roles and counts; expanding a practitioner adds the colleagues
// who share patients with them. Tables mirror the network. State in the URL: expand (the expanded practitioners' ids).
import { graphql } from './api.js';
import { demographics, patientNav } from './patient.js';
import {
  PALETTE, busy, colour, day, download, el, exportBar, onSchemeChange, params, ready, setParams, shell, shown, table,
} from './ui.js';

const d3 = window.d3;
const parts = location.pathname.split('/');
const practitionerMode = parts[2] === 'practitioner';
const rootId = decodeURIComponent(parts[3] || '');
const CARE_TEAM = `query($id: ID!) {
  patient(id: $id) { id name gender birthDate age deceased }
  careTeam(patientId: $id) { members { resourceType id name roles resources encounters first last } } }`;
const PRACTITIONER = `query($id: ID!, $first: Int) {
  practitioner(id: $id) { id name gender patients network(first: $first) { sharedPatients practitioner { id name patients } } } }`;
const KINDS = {
  Patient: { shape: 'star', symbol: 'symbolStar', colour: PALETTE[5], label: 'Patient' },
  Practitioner: { shape: 'ellipse', symbol: 'symbolCircle', colour: PALETTE[0], label: 'Practitioner' },
  Organization: { shape: 'round-rectangle', symbol: 'symbolSquare', colour: PALETTE[2], label: 'Organization' },
  PractitionerRole: { shape: 'diamond', symbol: 'symbolDiamond', colour: PALETTE[1], label: 'Practitioner role' },
};

shell(practitionerMode ? 'Practitioner network' : 'Care team');
if (practitionerMode) document.getElementById('patient-nav').remove();
else patientNav(rootId);

const status = document.getElementById('status');
const graphBox = document.getElementById('graph');
const nodes = new Map();      // key -> {key, kind, id, label, level, ...}
const edges = new Map();      // id -> {id, source, target, label, weight, kind}
let members = [];
const colleagues = [];        // {from, to, shared}
const expanded = new Set();
let cy;

function key(kind, id) {
  return `${kind}/${id}`;
}

function addNode(kind, id, label, level, extra = {}) {
  const k = key(kind, id);
  if (!nodes.has(k)) nodes.set(k, { key: k, kind, id, label: label || id, level, ...extra });
  return nodes.get(k);
}

function addEdge(source, target, label, weight, kind) {
  const id = [source, target].sort().join('~');
  if (!edges.has(id)) edges.set(id, { id, source, target, label, weight, kind });
}

async function load() {
  if (practitionerMode) {
    await expand(rootId, false);
    const root = nodes.get(key('Practitioner', rootId));
    if (!root) throw Object.assign(new Error(`There is no practitioner ${rootId}.`), { code: 'NOT_FOUND' });
    document.getElementById('title').textContent = `Network of ${root.label}`;
    document.title = `Network of ${root.label} — CareGraph`;
  } else {
    const data = await graphql(CARE_TEAM, { id: rootId });
    if (!data.patient) throw Object.assign(new Error(`There is no patient ${rootId}.`), { code: 'NOT_FOUND' });
    const p = data.patient;
    document.getElementById('title').textContent = `Care team of ${p.name || p.id}`;
    document.title = `Care team of ${p.name || p.id} — CareGraph`;
    addNode('Patient', p.id, p.name, 3);
    members = data.careTeam.members;
    for (const m of members) {
      addNode(m.resourceType, m.id, m.name, 2);
      addEdge(key('Patient', p.id), key(m.resourceType, m.id), `${m.resources} resources`, m.resources, 'member');
    }
    document.getElementById('summary').replaceChildren(el('p', {}, demographics(p), '. ',
      el('span', { id: 'member-count', 'data-count': members.length }, `${members.length} members`), ' in the care team.'));
  }
  for (const id of (params().get('expand') || '').split(',').filter(Boolean)) await expand(id, false);
  draw();
}

/** Adds a practitioner's colleagues (by shared patients) to the network. */
async function expand(id, redraw = true) {
  if (expanded.has(id)) return;
  const data = await graphql(PRACTITIONER, { id, first: 10 });
  const p = data.practitioner;
  if (!p) return;
  expanded.add(id);
  const from = addNode('Practitioner', p.id, p.name, practitionerMode && id === rootId ? 3 : 2, { patients: p.patients });
  from.patients = p.patients;
  for (const c of p.network) {
    const to = addNode('Practitioner', c.practitioner.id, c.practitioner.name, Math.max(0, from.level - 1), { patients: c.practitioner.patients });
    colleagues.push({ from: from.key, to: to.key, shared: c.sharedPatients });
    addEdge(from.key, to.key, `${c.sharedPatients} shared`, c.sharedPatients, 'colleague');
  }
  if (redraw) {
    setParams({ expand: [...expanded].filter((x) => !(practitionerMode && x === rootId)).join(',') });
    draw();
  }
}

function toggleExpand(id) {
  busy(status, graphBox, () => expand(id), 'Finding colleagues…').catch(shown);
}

function draw() {
  const fg = colour('--fg');
  const bg = colour('--bg');
  const maxWeight = Math.max(1, ...[...edges.values()].map((e) => e.weight));
  cy?.destroy();
  cy = window.cytoscape({
    container: graphBox,
    elements: [
      ...[...nodes.values()].map((n) => ({ data: { id: n.key, label: n.label, kind: n.kind, level: n.level } })),
      ...[...edges.values()].map((e) => ({ data: { id: e.id, source: e.source, target: e.target, label: e.label, weight: e.weight } })),
    ],
    style: [
      { selector: 'node', style: {
        label: 'data(label)', color: fg, 'font-size': 11, 'text-valign': 'bottom', 'text-margin-y': 4, 'text-wrap': 'wrap',
        'text-max-width': 130, width: 26, height: 26, 'border-width': 1, 'border-color': fg,
        'text-background-color': bg, 'text-background-opacity': 0.85 } },
      ...Object.entries(KINDS).map(([kind, k]) => ({ selector: `node[kind = "${kind}"]`, style: { shape: k.shape, 'background-color': k.colour } })),
      { selector: 'edge', style: {
        width: `mapData(weight, 1, ${maxWeight === 1 ? 2 : maxWeight}, 1.5, 9)`, 'line-color': colour('--muted'), 'line-opacity': 0.6,
        label: 'data(label)', 'font-size': 9, color: fg, 'text-rotation': 'autorotate', 'curve-style': 'bezier',
        'text-background-color': bg, 'text-background-opacity': 0.85 } },
      { selector: ':selected', style: { 'border-width': 3, 'border-color': colour('--focus') } },
    ],
    layout: { name: 'concentric', concentric: (n) => n.data('level'), levelWidth: () => 1, minNodeSpacing: 90, padding: 40, animate: false },
    minZoom: 0.2,
    maxZoom: 1.6,
  });
  cy.on('tap', 'node[kind = "Practitioner"]', (event) => toggleExpand(event.target.id().slice('Practitioner/'.length)));
  graphBox.setAttribute('aria-label', `Network of ${nodes.size} people and organizations and ${edges.size} links; the tables below list them`);
  graphBox.dataset.nodes = nodes.size;
  graphBox.dataset.edges = edges.size;
  document.getElementById('legend').replaceChildren(...Object.entries(KINDS).map(([, k]) => el('li', {}, icon(k), ' ', k.label)));
  const file = practitionerMode ? `practitioner-${rootId}` : `care-team-${rootId}`;
  document.getElementById('graph-export').replaceChildren(exportBar('network', file, {
    svg: () => networkSvg(),
    png: async () => download(await cy.png({ output: 'blob-promise', full: true, bg, scale: 2 }), `${file}.png`),
    data: () => ({ columns: EDGE_CSV, rows: [...edges.values()] }) }));
  tables();
}

const EDGE_CSV = [
  { label: 'from', text: (e) => e.source }, { label: 'from name', text: (e) => nodes.get(e.source).label },
  { label: 'to', text: (e) => e.target }, { label: 'to name', text: (e) => nodes.get(e.target).label },
  { label: 'link', text: (e) => e.kind }, { label: 'label', text: (e) => e.label }, { label: 'weight', text: (e) => e.weight },
];

function icon(kind) {
  const svg = d3.create('svg').attr('width', 14).attr('height', 14).attr('viewBox', '-7 -7 14 14').attr('aria-hidden', 'true');
  svg.append('path').attr('d', d3.symbol(d3[kind.symbol], 70)()).attr('fill', kind.colour).attr('stroke', colour('--fg'));
  return svg.node();
}

/** The network as SVG from cytoscape's positions (cytoscape draws on canvas). */
function networkSvg() {
  const box = cy.elements().boundingBox({ includeLabels: true });
  const fg = colour('--fg');
  const svg = d3.create('svg').attr('viewBox', `${box.x1 - 10} ${box.y1 - 10} ${box.w + 20} ${box.h + 20}`)
    .attr('font-family', 'system-ui, sans-serif').attr('font-size', 11);
  svg.append('rect').attr('x', box.x1 - 10).attr('y', box.y1 - 10).attr('width', box.w + 20).attr('height', box.h + 20).attr('fill', colour('--bg'));
  cy.edges().forEach((e) => {
    const s = e.source().position();
    const t = e.target().position();
    svg.append('line').attr('x1', s.x).attr('y1', s.y).attr('x2', t.x).attr('y2', t.y)
      .attr('stroke', colour('--muted')).attr('stroke-opacity', 0.6).attr('stroke-width', e.style('width'));
    svg.append('text').attr('x', (s.x + t.x) / 2).attr('y', (s.y + t.y) / 2).attr('text-anchor', 'middle').attr('font-size', 9)
      .attr('fill', fg).text(e.data('label'));
  });
  cy.nodes().forEach((n) => {
    const p = n.position();
    svg.append('path').attr('transform', `translate(${p.x},${p.y})`).attr('d', d3.symbol(d3[KINDS[n.data('kind')].symbol], 420)())
      .attr('fill', KINDS[n.data('kind')].colour).attr('stroke', fg);
    svg.append('text').attr('x', p.x).attr('y', p.y + 26).attr('text-anchor', 'middle').attr('fill', fg).text(n.data('label'));
  });
  return svg.node();
}

function practitionerLink(id, label) {
  return el('a', { href: `/ui/practitioner/${encodeURIComponent(id)}` }, label || id);
}

function expandButton(id, label) {
  const on = expanded.has(id);
  return el('button', { type: 'button', class: 'secondary', 'data-expand': id, disabled: on, 'aria-label': `Show colleagues of ${label || id}`,
    onclick: () => toggleExpand(id) }, on ? 'Colleagues shown' : 'Show colleagues');
}

function tables() {
  const out = [];
  if (!practitionerMode) {
    out.push(table('Care team members', [
      { label: 'Member', value: (m) => (m.resourceType === 'Practitioner' ? practitionerLink(m.id, m.name) : m.name || m.id) },
      { label: 'Kind', value: (m) => KINDS[m.resourceType]?.label || m.resourceType },
      { label: 'Roles', value: (m) => m.roles.join(', ') },
      { label: 'Resources', value: (m) => m.resources, num: true },
      { label: 'Encounters', value: (m) => m.encounters, num: true },
      { label: 'First', value: (m) => day(m.first) },
      { label: 'Last', value: (m) => day(m.last) },
      { label: 'Colleagues', value: (m) => (m.resourceType === 'Practitioner' ? expandButton(m.id, m.name) : '') },
    ], members, { id: 'members-table', 'data-count': members.length }));
  }
  document.getElementById('members').replaceChildren(...out);
  document.getElementById('colleagues').replaceChildren(table('Colleagues: practitioners sharing patients', [
    { label: 'Practitioner', value: (c) => practitionerLink(nodes.get(c.from).id, nodes.get(c.from).label) },
    { label: 'Colleague', value: (c) => practitionerLink(nodes.get(c.to).id, nodes.get(c.to).label) },
    { label: 'Shared patients', value: (c) => c.shared, num: true },
    { label: 'Colleague’s patients', value: (c) => nodes.get(c.to).patients, num: true },
    { label: 'Their colleagues', value: (c) => expandButton(nodes.get(c.to).id, nodes.get(c.to).label) },
  ], colleagues, { id: 'colleagues-table', 'data-count': colleagues.length }));
}

ready(busy(status, graphBox, load, practitionerMode ? 'Loading the network…' : 'Loading the care team…').catch(shown));
onSchemeChange(() => cy && draw());
