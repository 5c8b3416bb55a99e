// DOM helpers. Every value from the API is untrusted (labels and
// annotations come from metrics anyone can write): it only ever reaches
// the page as text (textContent, attribute values set with
// setAttribute), never as HTML.

// h builds an element: h('a', {href: '#/x', class: 'c', onclick: fn}, 'text', child).
// Attributes named on* are event listeners; null/undefined/false skip
// an attribute; children may be strings, numbers, nodes, arrays or null.
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === null || v === undefined || v === false) continue;
      if (k.startsWith('on') && typeof v === 'function') {
        el.addEventListener(k.slice(2), v);
      } else if (k === 'class') {
        el.className = v;
      } else if (k === 'dataset') {
        for (const [dk, dv] of Object.entries(v)) el.dataset[dk] = dv;
      } else if (k === 'href') {
        el.setAttribute('href', safeHref(v));
      } else if (v === true) {
        el.setAttribute(k, '');
      } else {
        el.setAttribute(k, String(v));
      }
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
}

// safeHref keeps in-app links (#/...), same-origin paths and http(s)
// URLs; anything else (javascript:, data:, ...) becomes "#".
export function safeHref(v) {
  const s = String(v);
  if (s.startsWith('#') || (s.startsWith('/') && !s.startsWith('//'))) return s;
  try {
    const u = new URL(s);
    if (u.protocol === 'http:' || u.protocol === 'https:') return u.href;
  } catch (_) { /* not a URL */ }
  return '#';
}

// externalLink is a link to another site (runbooks, the datasource)
// opened in a new tab without a referrer; null when the URL is unsafe.
export function externalLink(url, text) {
  const href = safeHref(url);
  if (href === '#' || href.startsWith('#')) return null;
  return h('a', {href, target: '_blank', rel: 'noopener noreferrer'}, text);
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

// replace swaps el's children for the given ones.
export function replace(el, ...children) {
  clear(el);
  append(el, children);
  return el;
}

// preserve re-renders without losing the reader's place: the window's
// scroll position, the focused control (by its data-key) and which
// <details data-key> are open.
export function preserve(root, render) {
  const y = window.scrollY;
  const active = document.activeElement;
  const focusKey = active && root.contains(active) ? active.dataset.key : undefined;
  const open = new Set([...root.querySelectorAll('details[data-key]')].filter(d => d.open).map(d => d.dataset.key));
  render();
  for (const d of root.querySelectorAll('details[data-key]')) {
    if (open.has(d.dataset.key)) d.open = true;
  }
  if (focusKey) {
    const el = [...root.querySelectorAll('[data-key]')].find(e => e.dataset.key === focusKey && e.tagName !== 'DETAILS');
    if (el) el.focus({preventScroll: true});
  }
  if (Math.abs(window.scrollY - y) > 1) window.scrollTo(0, y);
}
