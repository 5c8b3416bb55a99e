// Maintenance windows: recurring silences from the configuration file and
// from the API (/api/v1/maintenance_windows), with a form to add one and
// delete for those created through the API.
import {h, replace, preserve} from '../dom.js';
import {get, post, del} from '../api.js';
import * as M from '../matchers.js';
import {empty, props} from '../widgets.js';
import {confirmDialog, showError, remembered, remember} from '../dialogs.js';

export function mount(ctx) {
  const results = h('div', {id: 'window-list'});
  const errEl = h('div');
  const formErr = h('div');
  const f = {
    name: h('input', {id: 'mw-name', required: true}),
    schedule: h('input', {id: 'mw-schedule', required: true, placeholder: '0 22 * * SAT', spellcheck: 'false'}),
    duration: h('input', {id: 'mw-duration', required: true, value: '2h', spellcheck: 'false'}),
    timeZone: h('input', {id: 'mw-tz', value: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC', spellcheck: 'false'}),
    matchers: h('input', {id: 'mw-matchers', required: true, placeholder: 'env="staging", team=~"db.*"', spellcheck: 'false'}),
    createdBy: h('input', {id: 'mw-by', required: true, value: remembered('name')}),
    comment: h('input', {id: 'mw-comment'}),
  };
  const field = (id, label, input, hint) => h('div', null, h('label', {for: id}, label), input, hint ? h('p', {class: 'hint'}, hint) : null);
  const form = h('details', {class: 'card', 'data-key': 'mw-new'},
    h('summary', {class: 'body'}, 'New maintenance window'),
    h('form', {class: 'body', onsubmit: async e => {
      e.preventDefault();
      let ms;
      try {
        ms = M.parse(f.matchers.value);
        if (!ms.length) throw new Error('at least one matcher is required');
      } catch (ex) {
        replace(formErr, h('p', {class: 'notice error', role: 'alert'}, 'Matchers: ' + ex.message));
        return;
      }
      try {
        await post('/api/v1/maintenance_windows', {
          name: f.name.value.trim(), schedule: f.schedule.value.trim(), duration: f.duration.value.trim(), timeZone: f.timeZone.value.trim(),
          matchers: ms.map(M.toAPI), createdBy: f.createdBy.value.trim(), comment: f.comment.value.trim(),
        });
        remember('name', f.createdBy.value.trim());
        replace(formErr);
        f.name.value = '';
        form.open = false;
        update();
      } catch (ex) {
        showError(formErr, ex, 'Creating the window');
      }
    }},
    h('div', {class: 'form-grid'},
      field('mw-name', 'Name', f.name),
      field('mw-schedule', 'Schedule (cron)', f.schedule, 'minute hour day-of-month month day-of-week, e.g. 0 22 * * SAT'),
      field('mw-duration', 'Duration', f.duration, 'e.g. 30m, 2h'),
      field('mw-tz', 'Time zone', f.timeZone),
      field('mw-by', 'Created by', f.createdBy),
      field('mw-comment', 'Comment', f.comment)),
    field('mw-matchers', 'Matchers', f.matchers, 'Alerts matching all of them are muted while the window is open.'),
    formErr,
    h('div', {class: 'actions'}, h('button', {type: 'submit', class: 'primary'}, 'Create window'))));

  ctx.main.append(h('h1', null, 'Maintenance windows'),
    h('p', {class: 'muted'}, 'Recurring silences: while a window is open, the alerts it matches are muted (shown as "Muted by" on the alerts page). Windows from the configuration file change only with the file.'),
    form, errEl, results);

  async function update() {
    const wins = await get('/api/v1/maintenance_windows');
    preserve(results, () => replace(results, wins.length ? wins.map(w => h('section', {class: 'card', 'data-window': w.name},
      h('header', null,
        h('div', {class: 'title'}, h('h2', null, w.name), w.active ? h('span', {class: 'badge warn'}, 'open now') : h('span', {class: 'badge mute'}, 'closed'),
          h('span', {class: 'badge mute', title: w.source === 'config' ? 'From the configuration file' : 'Created through the API'}, w.source)),
        w.source === 'api' ? h('div', {class: 'actions'}, h('button', {type: 'button', class: 'small danger', 'data-key': 'del' + w.name, onclick: async () => {
          if (!await confirmDialog('Delete this window?', `"${w.name}" stops muting at once and never opens again.`, 'Delete', true)) return;
          try {
            await del('/api/v1/maintenance_windows/' + encodeURIComponent(w.name));
            update();
          } catch (ex) {
            showError(errEl, ex, 'Deleting the window');
          }
        }}, 'Delete')) : null),
      h('div', {class: 'body'}, props([
        ['Schedule', h('code', null, w.schedule)],
        ['Duration', w.duration],
        ['Time zone', w.timeZone],
        ['Matchers', h('ul', {class: 'labels chips-wrap'}, w.matchers.map(m => h('li', null, h('span', {class: 'chip'}, M.format(M.fromAPI(m))))))],
        ['Created by', w.createdBy],
        ['Comment', w.comment],
      ])))) : empty('No maintenance window.')));
  }
  return {title: 'Maintenance', update, busy: () => form.open && form.contains(document.activeElement)};
}
