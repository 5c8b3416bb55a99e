// Small pieces shared by the pages.
import {h} from './dom.js';
import {sevClass} from './format.js';

// labelChips lists labels as chips; with onPick, each chip is a button
// (e.g. adding the label to the filter). Long values are cut with an
// ellipsis and shown whole in the title.
export function labelChips(labels, {exclude = [], onPick, wrap = false} = {}) {
  const names = Object.keys(labels || {}).filter(n => !exclude.includes(n)).sort();
  if (!names.length) return null;
  return h('ul', {class: 'labels' + (wrap ? ' chips-wrap' : '')}, names.map(n => {
    const text = `${n}="${labels[n]}"`;
    return h('li', null, onPick
      ? h('button', {type: 'button', class: 'chip', title: `${text} (add to the filter)`, onclick: () => onPick(n, labels[n])}, text)
      : h('span', {class: 'chip', title: text}, text));
  }));
}

export function sevBadge(sev) {
  return h('span', {class: sevClass(sev)}, sev || 'no severity');
}

export function empty(text) {
  return h('p', {class: 'empty'}, text);
}

export function props(pairs) {
  return h('dl', {class: 'props'}, pairs.filter(p => p && p[1] !== null && p[1] !== undefined && p[1] !== '').map(([k, v]) => [h('dt', null, k), h('dd', null, v)]));
}

export function healthEl(health) {
  return h('span', {class: 'health-' + (health || 'unknown')}, health || 'unknown');
}
