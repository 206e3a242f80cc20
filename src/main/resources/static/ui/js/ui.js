// What every page shares: the header with sign-in, URL state, progress and errors, tables, exports, the palette.
import { accessToken, session, signIn, signOut } from './auth.js';

/** Creates an element: el('a', {href: '/x', class: 'y'}, 'text', child...). Attributes starting with "on" are listeners. */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else if (name === 'class') node.className = value;
    else node.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

const NAV = [
  ['/', 'Home'],
  ['/ui/pathways', 'Pathways'],
  ['/ui/cohort', 'Cohort builder'],
  ['/graphiql', 'GraphiQL'],
];

/**
 * The page header: brand, navigation (the current page marked), and the account: sign-out while a token is held;
 * sign-in once the server has answered 401 (a server without sign-in never does, so it never offers it).
 */
export function shell(title) {
  document.title = `${title} — CareGraph`;
  const account = el('div', { class: 'account' });
  const header = document.querySelector('header.site');
  header.replaceChildren(
    el('a', { class: 'brand', href: '/' }, 'CareGraph'),
    el('nav', { 'aria-label': 'Main' }, el('ul', {}, NAV.map(([href, label]) => el('li', {},
      el('a', { href, 'aria-current': location.pathname === href ? 'page' : null }, label))))),
    account);
  if (accessToken()) {
    const who = session()?.fhirUser;
    account.append(el('span', { class: 'muted', id: 'signed-in' }, who ? `Signed in as ${who}` : 'Signed in'),
      el('button', { class: 'secondary', type: 'button', id: 'sign-out', onclick: () => { signOut(); location.assign('/'); } }, 'Sign out'));
  }
  window.addEventListener('caregraph:unauthorized', () => {
    if (!account.querySelector('#sign-in')) {
      account.replaceChildren(el('button', { type: 'button', id: 'sign-in', onclick: () => signIn() }, 'Sign in'));
    }
  });
}

/** Marks the page's main region as loaded once its first data is shown (or its error is). */
export function ready(work) {
  return Promise.resolve(work).catch(() => {}).finally(() => document.getElementById('main').removeAttribute('aria-busy'));
}

/** The view's state in the URL's query: read. */
export function params() {
  return new URLSearchParams(location.search);
}

/**
 * The view's state in the URL's query: written (null or empty values are dropped). `push` adds a history entry
 * (a new query); otherwise the entry is replaced (zooming, selecting).
 */
export function setParams(values, push = false) {
  const next = new URLSearchParams(location.search);
  for (const [key, value] of Object.entries(values)) {
    if (value === null || value === undefined || value === '' || (Array.isArray(value) && !value.length)) next.delete(key);
    else next.set(key, Array.isArray(value) ? value.join(',') : value);
  }
  const query = next.toString();
  const url = location.pathname + (query ? `?${query}` : '') + location.hash;
  if (url !== location.pathname + location.search + location.hash) history[push ? 'pushState' : 'replaceState'](null, '', url);
}

/** The path segment after `prefix` (e.g. the id in /ui/patient/{id}). */
export function pathId(prefix) {
  const rest = location.pathname.slice(prefix.length).split('/')[0];
  return decodeURIComponent(rest);
}

/**
 * Runs `work` while `status` shows progress and `region` is marked busy; errors are shown in `status` and rethrown
 * only to the caller's catch, so a chart is never left blank without a word.
 */
export async function busy(status, region, work, label = 'Loading…') {
  status.replaceChildren(el('span', { class: 'progress', role: 'status' }, el('progress', { 'aria-label': label }), label));
  region?.setAttribute('aria-busy', 'true');
  try {
    const result = await work();
    status.replaceChildren();
    return result;
  } catch (e) {
    showError(status, e);
    throw e;
  } finally {
    region?.removeAttribute('aria-busy');
  }
}

/** An error in words, with its code and, when signing in would help, a sign-in button. */
export function showError(container, error) {
  const box = el('div', { class: 'error', role: 'alert' },
    el('strong', {}, 'Error'), error.code ? [' ', el('code', {}, error.code)] : null, ': ', error.message);
  if (error.status === 401) box.append(' ', el('button', { type: 'button', onclick: () => signIn() }, 'Sign in'));
  container.replaceChildren(box);
}

/** Logs nothing and swallows: for promises whose errors were already shown by busy(). */
export function shown() {}

/**
 * A table of `rows` with `columns` [{label, value: row => text|Node, num?}], under a caption. Returns the element
 * wrapped in a scrollable div.
 */
export function table(caption, columns, rows, attributes = {}) {
  return el('div', { class: 'table-wrap' }, el('table', attributes,
    el('caption', {}, caption),
    el('thead', {}, el('tr', {}, columns.map((c) => el('th', { scope: 'col', class: c.num ? 'num' : null }, c.label)))),
    el('tbody', {}, rows.length ? rows.map((r) => el('tr', {}, columns.map((c) => el('td', { class: c.num ? 'num' : null }, cell(c.value(r))))))
      : el('tr', {}, el('td', { colspan: columns.length, class: 'empty' }, 'Nothing to show')))));
}

function cell(value) {
  return value === null || value === undefined ? '' : value;
}

/** CSV (RFC 4180) of rows by columns [{label, text: row => string}]. */
export function csv(columns, rows) {
  const quote = (v) => {
    const s = v === null || v === undefined ? '' : String(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [columns.map((c) => quote(c.label)), ...rows.map((r) => columns.map((c) => quote(c.text(r))))]
    .map((line) => line.join(',')).join('\r\n') + '\r\n';
}

/** Saves a Blob as a file through a temporary link. */
export function download(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = el('a', { href: url, download: filename, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

function svgText(svg) {
  const copy = svg.cloneNode(true);
  copy.removeAttribute('tabindex');
  const box = svg.viewBox.baseVal;
  if (box?.width) {
    copy.setAttribute('width', box.width);
    copy.setAttribute('height', box.height);
  }
  return new XMLSerializer().serializeToString(copy);
}

export function exportSvg(svg, name) {
  download(new Blob([svgText(svg)], { type: 'image/svg+xml' }), `${name}.svg`);
}

/** The SVG drawn at twice its size on a canvas with the page's background, saved as PNG. */
export async function exportPng(svg, name) {
  const url = URL.createObjectURL(new Blob([svgText(svg)], { type: 'image/svg+xml' }));
  try {
    const image = new Image();
    image.src = url;
    await image.decode();
    const box = svg.viewBox.baseVal;
    const width = box?.width || svg.clientWidth;
    const height = box?.height || svg.clientHeight;
    const canvas = el('canvas', { width: width * 2, height: height * 2 });
    const context = canvas.getContext('2d');
    context.fillStyle = colour('--bg');
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.drawImage(image, 0, 0, canvas.width, canvas.height);
    download(await new Promise((done) => canvas.toBlob(done, 'image/png')), `${name}.png`);
  } finally {
    URL.revokeObjectURL(url);
  }
}

/**
 * Export buttons: SVG and PNG of a chart (when `svg` gives one), CSV of its data (columns with text()).
 * `what` names the chart for the buttons' accessible names.
 */
export function exportBar(what, name, { svg, png, data }) {
  const bar = el('div', { class: 'toolbar', role: 'group', 'aria-label': `Export ${what}` });
  if (svg) {
    bar.append(el('button', { type: 'button', class: 'secondary', 'data-export': 'svg', 'aria-label': `Export ${what} as SVG`,
      onclick: () => exportSvg(svg(), name) }, 'SVG'));
  }
  if (svg || png) {
    bar.append(el('button', { type: 'button', class: 'secondary', 'data-export': 'png', 'aria-label': `Export ${what} as PNG`,
      onclick: () => (png ? png() : exportPng(svg(), name)) }, 'PNG'));
  }
  if (data) {
    bar.append(el('button', { type: 'button', class: 'secondary', 'data-export': 'csv', 'aria-label': `Export ${what} data as CSV`,
      onclick: () => { const { columns, rows } = data(); download(new Blob([csv(columns, rows)], { type: 'text/csv' }), `${name}.csv`); } }, 'CSV'));
  }
  return bar;
}

/** A CSS custom property's current value (the charts paint with explicit colours, so exports keep them). */
export function colour(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

/** Calls `redraw` when the system switches between light and dark. */
export function onSchemeChange(redraw) {
  matchMedia('(prefers-color-scheme: dark)').addEventListener('change', redraw);
}

/** Okabe-Ito: distinguishable with every common colour-vision deficiency (black replaced by a grey that shows on both schemes). */
export const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#8C8C8C'];

/** Event types: a label, a colour and a d3 symbol each, so they differ by shape and by words, not by colour alone. */
export const EVENT_TYPES = {
  ENCOUNTER: { label: 'Encounters', colour: PALETTE[0], symbol: 'symbolSquare' },
  CONDITION: { label: 'Conditions', colour: PALETTE[5], symbol: 'symbolDiamond' },
  OBSERVATION: { label: 'Observations', colour: PALETTE[2], symbol: 'symbolCircle' },
  MEDICATION: { label: 'Medications', colour: PALETTE[1], symbol: 'symbolTriangle' },
  PROCEDURE: { label: 'Procedures', colour: PALETTE[3], symbol: 'symbolCross' },
  IMMUNIZATION: { label: 'Immunizations', colour: PALETTE[4], symbol: 'symbolStar' },
  NOTE: { label: 'Notes', colour: PALETTE[7], symbol: 'symbolWye' },
  ALLERGY: { label: 'Allergies', colour: PALETTE[5], symbol: 'symbolCross' },
  CARE_PLAN: { label: 'Care plans', colour: PALETTE[0], symbol: 'symbolWye' },
  DIAGNOSTIC_REPORT: { label: 'Diagnostic reports', colour: PALETTE[2], symbol: 'symbolSquare' },
  DEVICE: { label: 'Devices', colour: PALETTE[3], symbol: 'symbolTriangle' },
  IMAGING: { label: 'Imaging', colour: PALETTE[4], symbol: 'symbolDiamond' },
};

/** A small SVG of an event type's symbol, for legends and tables. */
export function typeIcon(type, size = 14) {
  const t = EVENT_TYPES[type];
  const ns = window.d3.namespaces.svg;
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('width', size);
  svg.setAttribute('height', size);
  svg.setAttribute('viewBox', `${-size / 2} ${-size / 2} ${size} ${size}`);
  svg.setAttribute('aria-hidden', 'true');
  const path = document.createElementNS(ns, 'path');
  path.setAttribute('d', window.d3.symbol(window.d3[t.symbol], size * 5)());
  path.setAttribute('fill', t.colour);
  path.setAttribute('stroke', colour('--fg'));
  path.setAttribute('stroke-width', '0.75');
  svg.append(path);
  return svg;
}

/** Short name of a code system for people (the system URI stays in exports). */
export function systemName(system) {
  if (!system) return 'any system';
  const known = [['snomed', 'SNOMED CT'], ['loinc', 'LOINC'], ['rxnorm', 'RxNorm'], ['cvx', 'CVX'], ['icd-10', 'ICD-10'],
    ['nlp-text', 'NLP text']];
  const hit = known.find(([part]) => system.toLowerCase().includes(part));
  return hit ? hit[1] : system;
}

export function conceptLabel(c) {
  return `${c.display || c.code} (${systemName(c.system)} ${c.code})`;
}

/** Dates as people read them, in UTC like the API's times. */
export function day(time) {
  return time ? time.slice(0, 10) : '';
}

export function number(n, digits = 0) {
  return n === null || n === undefined ? '' : Number(n).toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}
