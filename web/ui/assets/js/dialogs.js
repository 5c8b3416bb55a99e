// Modal dialogs (native <dialog>, so focus is trapped and Escape closes
// them), created per use so that one can open over another (the token
// dialog over an action that needed it).
import {h, replace} from './dom.js';
import {APIError, getToken, setToken} from './api.js';

let openCount = 0;

// anyOpen says whether a dialog is open: the periodic refresh waits.
export function anyOpen() {
  return openCount > 0;
}

// modal shows a dialog built by build(close) and resolves with the value
// passed to close (undefined when dismissed with Escape).
export function modal(title, build) {
  return new Promise(resolve => {
    const id = 'dlg-' + Math.random().toString(36).slice(2);
    const dlg = h('dialog', {'aria-labelledby': id});
    let result;
    const close = v => {
      result = v;
      dlg.close();
    };
    dlg.append(h('h2', {id}, title), build(close));
    dlg.addEventListener('close', () => {
      openCount--;
      dlg.remove();
      resolve(result);
    });
    document.body.appendChild(dlg);
    openCount++;
    dlg.showModal();
    const first = dlg.querySelector('[autofocus], input:not([type=hidden]), textarea, select, button');
    if (first) first.focus();
  });
}

export function confirmDialog(title, message, confirmLabel = 'Confirm', danger = false) {
  return modal(title, close => h('div', null,
    h('p', null, message),
    h('div', {class: 'actions'},
      h('button', {type: 'button', onclick: () => close(false)}, 'Cancel'),
      h('button', {type: 'button', class: danger ? 'danger' : 'primary', autofocus: true, onclick: () => close(true)}, confirmLabel))));
}

// tokenDialog asks for the bearer token and keeps it in sessionStorage.
export function tokenDialog(reason) {
  return modal('Bearer token', close => {
    const input = h('input', {type: 'password', id: 'token-input', autocomplete: 'off', value: getToken(), spellcheck: 'false'});
    return h('form', {method: 'dialog', onsubmit: e => {
      e.preventDefault();
      setToken(input.value.trim());
      close(true);
    }},
    reason ? h('p', {class: 'notice error'}, reason) : null,
    h('p', null, 'alerter is configured with bearer tokens (web.auth). Changes need the write token; reads need the read or the write token when a read token is set. ',
      'The token is kept only in this browser tab (sessionStorage) and sent as "Authorization: Bearer …" to alerter\'s API.'),
    h('label', {for: 'token-input'}, 'Token'),
    input,
    h('div', {class: 'actions'},
      getToken() ? h('button', {type: 'button', class: 'danger', onclick: () => { setToken(''); close(true); }}, 'Forget token') : null,
      h('button', {type: 'button', onclick: () => close(false)}, 'Cancel'),
      h('button', {type: 'submit', class: 'primary'}, 'Save')));
  });
}

// showError writes an action's error into el; a 401 explains why and
// offers to enter a token.
export function showError(el, err, what) {
  if (err instanceof APIError && err.unauthorized) {
    replace(el, h('div', {class: 'notice error', role: 'alert'},
      `${what} was refused: ${err.message}. `,
      getToken() ? 'The token in this tab is not accepted for changes (a read-only token?). ' : 'Changes on this alerter need the write token. ',
      h('button', {type: 'button', class: 'small', onclick: () => tokenDialog()}, 'Enter token')));
    return;
  }
  replace(el, h('div', {class: 'notice error', role: 'alert'}, `${what} failed: ${err.message}`));
}

// remembered fields (the name people act under) live in localStorage:
// they are not secrets.
export function remembered(key) {
  try {
    return localStorage.getItem('alerter.' + key) || '';
  } catch (_) {
    return '';
  }
}

export function remember(key, v) {
  try {
    localStorage.setItem('alerter.' + key, v);
  } catch (_) { /* ignore */ }
}
