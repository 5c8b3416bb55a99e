// alerter's web UI: a hash router over page modules, each a view over
// the JSON APIs, refreshed every few seconds without losing the reader's
// place (scroll, focus, open details, forms and dialogs).
import {h, replace} from './dom.js';
import {APIError, getToken} from './api.js';
import {anyOpen, tokenDialog} from './dialogs.js';
import * as alerts from './pages/alerts.js';
import * as silences from './pages/silences.js';
import * as rules from './pages/rules.js';
import * as maintenance from './pages/maintenance.js';
import * as escalation from './pages/escalation.js';
import * as status from './pages/status.js';

const REFRESH_MS = 5000;

const pages = {alerts, silences, rules, maintenance, escalation, status};

let current = null;
let currentPath = '';
let updating = false;

// parseHash reads "#/page/seg?query" into segments and URLSearchParams.
export function parseHash(hash = location.hash) {
  const s = hash.replace(/^#/, '');
  const q = s.indexOf('?');
  const path = q < 0 ? s : s.slice(0, q);
  const params = new URLSearchParams(q < 0 ? '' : s.slice(q + 1));
  const segments = path.split('/').filter(Boolean).map(x => {
    try {
      return decodeURIComponent(x);
    } catch (_) {
      return x;
    }
  });
  return {path, segments, params};
}

// hashFor builds "#/a/b?x=1" from segments and [name, value] pairs.
export function hashFor(segments, pairs = []) {
  const p = new URLSearchParams();
  for (const [k, v] of pairs) if (v !== undefined && v !== null && v !== '') p.append(k, v);
  const qs = p.toString();
  return '#/' + segments.map(encodeURIComponent).join('/') + (qs ? '?' + qs : '');
}

export function navigate(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

function banner(content, isError) {
  const el = document.getElementById('banner');
  el.className = isError ? 'error' : '';
  if (!content) replace(el);
  else replace(el, content);
}

function reportError(err) {
  if (err instanceof APIError && err.unauthorized) {
    banner(h('span', null, getToken()
      ? 'alerter refused the token in this tab for reading. '
      : 'alerter requires a bearer token to read (web.auth.read_token_file is set). ',
    h('button', {type: 'button', class: 'small', onclick: () => tokenDialog()}, 'Enter token')), true);
  } else {
    banner('Could not load: ' + err.message + ' (retrying every few seconds)', true);
  }
}

async function update(force) {
  if (!current || !current.update || updating) return;
  if (!force && (anyOpen() || document.hidden || (current.busy && current.busy()))) return;
  updating = true;
  const page = current;
  try {
    await page.update();
    if (page === current) banner('');
  } catch (err) {
    if (page === current) reportError(err);
  } finally {
    updating = false;
  }
}

async function route() {
  const r = parseHash();
  if (!r.segments.length) {
    location.replace('#/alerts');
    return;
  }
  const name = r.segments[0];
  for (const a of document.querySelectorAll('#nav a')) {
    if (a.dataset.page === name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const main = document.getElementById('main');
  if (current && current.unmount) current.unmount();
  replace(main);
  const samePage = r.path === currentPath;
  currentPath = r.path;
  const page = pages[name];
  if (!page) {
    current = null;
    main.append(h('h1', null, 'Not found'), h('p', null, 'No page here. ', h('a', {href: '#/alerts'}, 'Go to the alerts.')));
    return;
  }
  current = page.mount({segments: r.segments, params: r.params, main, navigate, hashFor});
  document.title = (current.title || name) + ' · alerter';
  if (!samePage && document.activeElement && document.activeElement.closest('nav')) main.focus({preventScroll: true});
  updating = false;
  await update(true);
}

function tokenButton() {
  const b = document.getElementById('token-button');
  const set = !!getToken();
  b.textContent = set ? 'Token set' : 'Token';
  b.classList.toggle('set', set);
  b.title = set ? 'A bearer token is kept in this tab; click to change or forget it' : 'Enter a bearer token (when alerter requires one)';
}

function start() {
  document.getElementById('token-button').addEventListener('click', async () => {
    if (await tokenDialog()) update(true);
  });
  window.addEventListener('alerter-token', () => {
    tokenButton();
    update(true);
  });
  tokenButton();
  window.addEventListener('hashchange', route);
  document.addEventListener('visibilitychange', () => { if (!document.hidden) update(false); });
  setInterval(() => update(false), REFRESH_MS);
  route();
}

start();
