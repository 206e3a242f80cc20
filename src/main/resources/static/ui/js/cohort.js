// Cohort builder: nested AND/OR/NOT groups of every criterion cohort(criteria:) takes, a live count, the criteria as
// JSON, the members paged, "save as FHIR Group" and pathways from the cohort. The model is the GraphQL input itself.
// State in the URL: c (the criteria as JSON: codes and numbers, never names).
import { graphql } from './api.js';
import { conceptPicker } from './picker.js';
import { EVENT_TYPES, busy, day, el, params, ready, setParams, shell, showError, shown, table } from './ui.js';

const COUNT = `query($c: CohortCriteria!, $after: String) {
  cohort(criteria: $c) { count suppressed patients(first: 20, after: $after) { nodes { id name gender birthDate } endCursor hasNextPage } } }`;
const SAVE = 'mutation($c: CohortCriteria!, $name: String!) { saveCohort(criteria: $c, name: $name) { id count } }';
const KINDS = {
  and: 'All of (AND)', or: 'Any of (OR)', not: 'Not', condition: 'Condition', medication: 'Medication',
  procedure: 'Procedure', immunization: 'Immunization', observation: 'Observation (value range)', gender: 'Gender',
  age: 'Age', mention: 'Mentioned in notes (NLP)',
};
const CODED = { condition: 'CONDITION', medication: 'MEDICATION', procedure: 'PROCEDURE', immunization: 'IMMUNIZATION' };
const INDEX_TYPES = ['CONDITION', 'MEDICATION', 'PROCEDURE', 'IMMUNIZATION', 'OBSERVATION', 'ENCOUNTER'];

shell('Cohort builder');

let model = initial();
const builder = document.getElementById('builder');
const json = document.getElementById('json');
const status = document.getElementById('status');
const countOut = document.getElementById('count');
let serial = 0;

function initial() {
  try {
    const c = params().get('c');
    if (c) return JSON.parse(c);
  } catch {
    // a hand-edited URL that is no JSON: start afresh
  }
  return { and: [{ gender: 'female' }, { age: { min: 18 } }] };
}

const kindOf = (c) => Object.keys(c || {})[0];

function fresh(kind, old) {
  switch (kind) {
    case 'and': case 'or': return { [kind]: old && !['and', 'or'].includes(kindOf(old)) ? [old] : (old?.[kindOf(old)] || [{ condition: { codes: [] } }]) };
    case 'not': return { not: old || { condition: { codes: [] } } };
    case 'observation': return { observation: { code: null } };
    case 'gender': return { gender: 'female' };
    case 'age': return { age: { min: 18 } };
    default: return { [kind]: { codes: [] } };
  }
}

/** A control bound to obj[field]: numbers, dates, text and checkboxes; empty removes the field. */
function bound(label, obj, field, type, extra = {}) {
  const id = `f${++serial}`;
  const input = el('input', { id, type, ...extra });
  if (type === 'checkbox') input.checked = obj[field] ?? extra.fallback ?? false;
  else input.value = obj[field] ?? '';
  input.removeAttribute('fallback');
  input.addEventListener(type === 'checkbox' ? 'change' : 'input', () => {
    const v = type === 'checkbox' ? input.checked : input.value.trim();
    if (v === '' || (type === 'checkbox' && v === (extra.fallback ?? false))) delete obj[field];
    else obj[field] = type === 'number' ? Number(v) : v;
    changed();
  });
  return type === 'checkbox' ? el('label', { for: id }, input, ' ', label) : el('label', { class: 'field', for: id }, el('span', {}, label), input);
}

function picker(label, obj, field, types, mentions = false, single = false) {
  const value = single ? (obj[field] ? [obj[field]] : []) : obj[field] || [];
  return conceptPicker({ label, value, types, mentions, single, onChange: (list) => {
    obj[field] = single ? list[0] || null : list;
    changed();
  } });
}

function window_(leaf) {
  const on = !!leaf.relativeTo;
  const id = `f${++serial}`;
  const box = el('div');
  const toggle = el('input', { type: 'checkbox', id, checked: on });
  const draw = () => {
    const r = leaf.relativeTo;
    box.replaceChildren(...(r ? [
      picker('Index event concepts', r.index, 'codes', [r.indexType || 'CONDITION']),
      el('div', { class: 'row' },
        el('label', { class: 'field' }, el('span', {}, 'Index event type'), indexType(r)),
        bound('Days after the index, from', r, 'minDays', 'number'), bound('to', r, 'maxDays', 'number')),
    ] : []));
  };
  toggle.addEventListener('change', () => {
    if (toggle.checked) leaf.relativeTo = { index: { codes: [] }, indexType: 'CONDITION', minDays: 0, maxDays: 365 };
    else delete leaf.relativeTo;
    draw();
    changed();
  });
  draw();
  return el('div', {}, el('label', { for: id }, toggle, ' Relative to each patient’s earliest index event'), box);
}

function indexType(r) {
  const select = el('select', {}, INDEX_TYPES.map((t) => el('option', { value: t, selected: (r.indexType || 'CONDITION') === t }, EVENT_TYPES[t].label)));
  select.addEventListener('change', () => { r.indexType = select.value; changed(); });
  return select;
}

function times(leaf) {
  return el('div', { class: 'row' }, bound('From (date)', leaf, 'from', 'date'), bound('Before (date)', leaf, 'to', 'date'));
}

/** One criterion: its kind (changing it keeps what can be kept), its fields, its children. */
function node(c, replace, remove, path) {
  const kind = kindOf(c);
  const select = el('select', { 'aria-label': `Kind of criterion ${path}`, 'data-path': path },
    Object.entries(KINDS).map(([k, label]) => el('option', { value: k, selected: k === kind }, label)));
  select.addEventListener('change', () => { replace(fresh(select.value, c)); structure(); });
  const head = el('div', { class: 'crit-head' }, el('strong', {}, path), select,
    remove ? el('button', { type: 'button', class: 'secondary', 'aria-label': `Remove criterion ${path}`, onclick: () => { remove(); structure(); } }, 'Remove') : null);
  const body = el('div');
  const v = c[kind];
  if (kind === 'and' || kind === 'or') {
    v.forEach((child, i) => body.append(node(child, (n) => { v[i] = n; }, v.length > 1 ? () => v.splice(i, 1) : null, `${path}.${i + 1}`)));
    body.append(el('div', { class: 'toolbar' },
      el('button', { type: 'button', class: 'secondary', onclick: () => { v.push({ condition: { codes: [] } }); structure(); } }, `Add criterion to ${path}`),
      el('button', { type: 'button', class: 'secondary', onclick: () => { v.push({ or: [{ condition: { codes: [] } }] }); structure(); } }, `Add group to ${path}`)));
  } else if (kind === 'not') {
    body.append(node(v, (n) => { c.not = n; }, null, `${path}.1`));
  } else if (CODED[kind]) {
    body.append(picker(`${KINDS[kind]} codes`, v, 'codes', [CODED[kind]]),
      bound('Include descendants (IS_A)', v, 'includeDescendants', 'checkbox', { fallback: true }), times(v), window_(v));
  } else if (kind === 'observation') {
    body.append(picker('Observation code', v, 'code', ['OBSERVATION'], false, true),
      el('div', { class: 'row' }, bound('Least value', v, 'min', 'number', { step: 'any' }), bound('Greatest value', v, 'max', 'number', { step: 'any' }),
        bound('Unit (UCUM)', v, 'unit', 'text')),
      bound('Include descendants (IS_A)', v, 'includeDescendants', 'checkbox', { fallback: true }), times(v), window_(v));
  } else if (kind === 'gender') {
    const g = el('select', { 'aria-label': `Gender ${path}` }, ['female', 'male', 'other', 'unknown'].map((x) => el('option', { value: x, selected: v === x }, x)));
    g.addEventListener('change', () => { c.gender = g.value; changed(); });
    body.append(g);
  } else if (kind === 'age') {
    body.append(el('div', { class: 'row' }, bound('Least age (years)', v, 'min', 'number'), bound('Greatest age', v, 'max', 'number'),
      bound('Age at (date; today when empty)', v, 'at', 'date')));
  } else if (kind === 'mention') {
    body.append(picker('Mentioned concepts', v, 'codes', null, true),
      el('div', { class: 'row' }, bound('Include descendants (IS_A)', v, 'includeDescendants', 'checkbox', { fallback: true }),
        bound('Also negated mentions', v, 'includeNegated', 'checkbox'), bound('Also uncertain mentions', v, 'includeUncertain', 'checkbox'),
        bound('Also about others (family…)', v, 'includeOtherExperiencer', 'checkbox')));
  } else {
    body.append(el('p', { class: 'error' }, `Unknown criterion “${kind}”: edit the JSON below.`));
  }
  return el('div', { class: 'crit', role: 'group', 'aria-label': `Criterion ${path}: ${KINDS[kind] || kind}` }, head, body);
}

/** Redraws the whole tree (after a structural change), then updates everything that follows the criteria. */
function structure() {
  builder.replaceChildren(node(model, (n) => { model = n; }, null, '1'));
  changed();
}

let timer;
let asked = 0;
let pages = [null];
function changed() {
  setParams({ c: JSON.stringify(model) });
  if (document.activeElement !== json) json.value = JSON.stringify(model, null, 2);
  document.getElementById('to-pathways').href = pathwaysLink();
  clearTimeout(timer);
  countOut.setAttribute('aria-busy', 'true'); // until the count of these criteria is in
  timer = setTimeout(() => { pages = [null]; count(); }, 350);
}

/** Pathways of this cohort, from the codes of its first code criterion as the index. */
function pathwaysLink() {
  const codes = [];
  (function walk(c) {
    const k = kindOf(c);
    if (codes.length || !c) return;
    if (k === 'and' || k === 'or') c[k].forEach(walk);
    else if (CODED[k]) codes.push(...(c[k].codes || []));
  })(model);
  const q = new URLSearchParams({ cohort: JSON.stringify(model) });
  if (codes.length) q.set('start', codes.map((x) => (x.system ? `${x.system}|${x.code}` : x.code)).join(','));
  return `/ui/pathways?${q}`;
}

function count() {
  const mine = ++asked;
  const members = document.getElementById('members');
  return busy(status, members, async () => {
    const data = await graphql(COUNT, { c: model, after: pages.at(-1) });
    if (mine !== asked) return;
    // a small cell is withheld from callers below system level: said so, never shown as a number
    countOut.textContent = data.cohort.suppressed ? 'withheld (fewer than the minimum cell count)'
      : data.cohort.count.toLocaleString('en');
    if (data.cohort.suppressed) delete countOut.dataset.count; else countOut.dataset.count = data.cohort.count;
    drawMembers(data.cohort);
  }, 'Counting…').catch(() => {
    if (mine !== asked) return;
    countOut.textContent = '–';
    delete countOut.dataset.count;
    members.replaceChildren();
  }).finally(() => {
    if (mine === asked) countOut.removeAttribute('aria-busy');
  });
}

function drawMembers(cohort) {
  const page = cohort.patients;
  const at = pages.length;
  document.getElementById('members').replaceChildren(
    table(`Members, page ${at} (${page.nodes.length} of ${cohort.suppressed ? 'a withheld count' : cohort.count})`, [
      { label: 'Patient', value: (p) => el('a', { href: `/ui/patient/${encodeURIComponent(p.id)}` }, p.name || p.id) },
      { label: 'Gender', value: (p) => p.gender },
      { label: 'Birth date', value: (p) => day(p.birthDate) },
    ], page.nodes, { id: 'members-table', 'data-count': page.nodes.length }),
    el('div', { class: 'toolbar' },
      el('button', { type: 'button', class: 'secondary', id: 'previous-page', disabled: at === 1,
        onclick: () => { pages.pop(); count(); } }, 'Previous page'),
      el('button', { type: 'button', class: 'secondary', id: 'next-page', disabled: !page.hasNextPage,
        onclick: () => { pages.push(page.endCursor); count(); } }, 'Next page')));
}

document.getElementById('apply-json').addEventListener('click', () => {
  const out = document.getElementById('json-status');
  try {
    const parsed = JSON.parse(json.value);
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('the criteria are one JSON object');
    model = parsed;
    out.textContent = 'Applied.';
    structure();
  } catch (e) {
    showError(out, { message: `Not applied: ${e.message}` });
  }
});
document.getElementById('copy-json').addEventListener('click', async () => {
  const out = document.getElementById('json-status');
  try {
    await navigator.clipboard.writeText(JSON.stringify(model, null, 2));
    out.textContent = 'Copied.';
  } catch {
    json.select();
    out.textContent = 'Selected: copy it with Ctrl+C.';
  }
});
document.getElementById('save').addEventListener('submit', (event) => {
  event.preventDefault();
  const saved = document.getElementById('saved');
  busy(document.getElementById('save-status'), null, async () => {
    const data = await graphql(SAVE, { c: model, name: document.getElementById('group-name').value });
    const g = data.saveCohort;
    saved.replaceChildren(el('p', { id: 'saved-group', 'data-id': g.id, 'data-count': g.count }, 'Saved as ',
      el('a', { href: `/fhir/Group/${encodeURIComponent(g.id)}` }, `Group/${g.id}`), ` with ${g.count} members.`));
  }, 'Saving…').catch(shown);
});

structure();
ready();
