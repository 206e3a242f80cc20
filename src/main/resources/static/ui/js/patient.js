// What the three patient views share: the patient's id from the path, the demographics line, the views' navigation.
import { el } from './ui.js';

export const patientId = decodeURIComponent(location.pathname.split('/')[3] || '');

/** Links between the patient's views, the current one marked. */
export function patientNav(id = patientId) {
  const base = `/ui/patient/${encodeURIComponent(id)}`;
  const links = [[base, 'Journey'], [`${base}/similar`, 'Similar patients'], [`${base}/care-team`, 'Care team']];
  document.getElementById('patient-nav').replaceChildren(el('ul', { class: 'row', style: null },
    links.map(([href, label]) => el('li', { class: 'badge' }, el('a', { href, 'aria-current': location.pathname === href ? 'page' : null }, label)))));
}

/** "Name, gender, born …, age …" of a GraphQL Patient. */
export function demographics(p) {
  return [p.name || p.id, p.gender, p.birthDate && `born ${p.birthDate}`, p.age !== null && p.age !== undefined && `age ${p.age}`,
    p.deceased && 'deceased'].filter(Boolean).join(', ');
}
