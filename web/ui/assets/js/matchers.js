// Matchers as Alertmanager writes them: name="value", name!="value",
// name=~"regex", name!~"regex", separated by commas, optionally in braces:
// {severity="critical", team=~"db.*"}. The API checks them again (and
// its regular expressions are RE2): this parser only splits the text into
// one matcher per filter parameter and gives early, readable errors.

export const OPS = ['=', '!=', '=~', '!~'];

export class MatcherError extends Error {}

function readQuoted(s, i) {
  // s[i] is the opening quote.
  let out = '';
  for (i++; i < s.length; i++) {
    const c = s[i];
    if (c === '\\') {
      const n = s[++i];
      if (n === undefined) break;
      out += n === 'n' ? '\n' : n === 't' ? '\t' : n;
    } else if (c === '"') {
      return [out, i + 1];
    } else {
      out += c;
    }
  }
  throw new MatcherError('unterminated quoted string');
}

// parse reads a list of matchers; an empty text is no matcher.
export function parse(text) {
  let s = String(text).trim();
  if (s.startsWith('{')) {
    if (!s.endsWith('}')) throw new MatcherError('missing closing "}"');
    s = s.slice(1, -1);
  }
  const out = [];
  let i = 0;
  const ws = () => { while (i < s.length && /\s/.test(s[i])) i++; };
  ws();
  while (i < s.length) {
    let name;
    if (s[i] === '"') {
      [name, i] = readQuoted(s, i);
    } else {
      const m = /^[^\s=!~,{}"]+/.exec(s.slice(i));
      if (!m) throw new MatcherError(`expected a label name at "${s.slice(i, i + 12)}"`);
      name = m[0];
      i += name.length;
    }
    ws();
    const op = ['=~', '!~', '!=', '='].find(o => s.startsWith(o, i));
    if (!op) throw new MatcherError(`expected =, !=, =~ or !~ after "${name}"`);
    i += op.length;
    ws();
    let value;
    if (s[i] === '"') {
      [value, i] = readQuoted(s, i);
    } else {
      const m = /^[^,}]*/.exec(s.slice(i));
      value = m[0].trim();
      i += m[0].length;
      if (value.includes('"')) throw new MatcherError(`unexpected quote in the value of "${name}"`);
    }
    out.push({name, op, value});
    ws();
    if (i < s.length) {
      if (s[i] !== ',') throw new MatcherError(`expected "," after the matcher on "${name}"`);
      i++;
      ws();
    }
  }
  return out;
}

export function quote(v) {
  return '"' + String(v).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') + '"';
}

function quoteName(n) {
  return /^[a-zA-Z_][a-zA-Z0-9_]*$/.test(n) ? n : quote(n);
}

// format writes one matcher as the API's filter parameter reads it.
export function format(m) {
  return quoteName(m.name) + m.op + quote(m.value);
}

export function formatAll(ms) {
  return ms.map(format).join(', ');
}

// toAPI converts to Alertmanager's API matcher object.
export function toAPI(m) {
  return {name: m.name, value: m.value, isRegex: m.op.endsWith('~'), isEqual: !m.op.startsWith('!')};
}

export function fromAPI(m) {
  const eq = m.isEqual !== false;
  return {name: m.name, value: m.value, op: m.isRegex ? (eq ? '=~' : '!~') : (eq ? '=' : '!=')};
}

// matches evaluates a matcher in the browser (for pending alerts, which
// the Alertmanager API does not list). An expression JavaScript cannot
// read matches nothing.
export function matches(m, labels) {
  const v = labels[m.name] ?? '';
  switch (m.op) {
    case '=': return v === m.value;
    case '!=': return v !== m.value;
    default: {
      let re;
      try {
        re = new RegExp('^(?:' + m.value + ')$', 'u');
      } catch (_) {
        return false;
      }
      return m.op === '=~' ? re.test(v) : !re.test(v);
    }
  }
}

export function matchesAll(ms, labels) {
  return ms.every(m => matches(m, labels));
}

// fromLabels makes equality matchers for a label set (for a silence or an
// acknowledgement of exactly these labels).
export function fromLabels(labels) {
  return Object.keys(labels).sort().map(name => ({name, op: '=', value: labels[name]}));
}
