// Escalation: the configured policies (/api/v1/escalation_policies: who
// is paged at which level) and the groups escalating now
// (/api/v2/alerts/groups' escalation).
import {h, replace, preserve} from '../dom.js';
import {get} from '../api.js';
import {timeEl} from '../format.js';
import {empty, labelChips} from '../widgets.js';

export function mount(ctx) {
  const now = h('div', {id: 'escalating'});
  const results = h('div', {id: 'policies'});
  ctx.main.append(h('h1', null, 'Escalation'),
    h('p', {class: 'muted'}, 'A route\'s receiver is paged at once; a policy pages its levels while the group\'s alerts stay unacknowledged, then repeats the last level. Acknowledging pauses it.'),
    h('h2', null, 'Escalating now'), now, h('h2', null, 'Policies'), results);

  async function update() {
    const [policies, groups] = await Promise.all([get('/api/v1/escalation_policies'), get('/api/v2/alerts/groups')]);
    const esc = groups.filter(g => g.escalation);
    preserve(now, () => replace(now, esc.length ? h('div', {class: 'card table-wrap'}, h('table', null,
      h('thead', null, h('tr', null, ['Group', 'Policy', 'Reached', 'Next'].map(t => h('th', {scope: 'col'}, t)))),
      h('tbody', null, esc.map(g => {
        const e = g.escalation;
        return h('tr', {'data-escalating': e.policy},
          h('td', null, h('span', {class: 'badge info'}, '→ ' + g.receiver.name), labelChips(g.labels), h('div', {class: 'muted'}, `${g.alerts.length} firing`)),
          h('td', null, e.policy),
          h('td', null, `level ${e.level} of ${e.levels}`, e.startedAt ? [' · started ', timeEl(e.startedAt)] : null),
          h('td', null, e.pausedAt ? ['paused ', timeEl(e.pausedAt), ' (acknowledged or silenced)']
            : e.nextAt ? [`level ${e.nextLevel} → ${(e.nextReceivers || []).join(', ')} `, timeEl(e.nextAt)] : 'every level paged'));
      })))) : empty('No group is escalating.')));
    preserve(results, () => replace(results, policies.length ? policies.map(p => h('section', {class: 'card', 'data-policy': p.name},
      h('header', null, h('div', {class: 'title'}, h('h2', null, p.name)),
        h('span', {class: 'muted'}, p.repeatEvery ? `last level repeats every ${p.repeatEvery}` : 'last level paged once')),
      h('div', {class: 'table-wrap'}, h('table', null,
        h('thead', null, h('tr', null, ['Level', 'After (unacknowledged)', 'Pages'].map(t => h('th', {scope: 'col'}, t)))),
        h('tbody', null,
          h('tr', null, h('td', null, '0'), h('td', null, 'at once'), h('td', null, (p.routes || []).length ? [...new Set(p.routes.map(r => r.receiver))].join(', ') + ' (the route\'s receiver)' : 'the route\'s receiver')),
          p.levels.map(l => h('tr', null, h('td', null, String(l.level)), h('td', null, l.after), h('td', null, l.receivers.join(', '))))))),
      h('div', {class: 'body'}, h('strong', null, 'Used by: '), (p.routes || []).length
        ? h('ul', null, p.routes.map(r => h('li', null, h('span', {class: 'badge info'}, '→ ' + r.receiver), ' ',
          r.matchers.length ? r.matchers.map(m => h('span', {class: 'chip'}, m)) : h('span', {class: 'muted'}, 'every alert (root route)'))))
        : h('span', {class: 'muted'}, 'no route')))) : empty('No escalation policy is configured (escalation_policies in alerter.yml).')));
  }
  return {title: 'Escalation', update};
}
