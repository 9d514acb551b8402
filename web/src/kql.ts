// KQL for CodeMirror: highlighting (a stream tokenizer: KQL's lexical
// structure is simple and the server's compiler has the real grammar),
// completion of tables, columns, operators and functions from the live
// schema, and the server's errors as diagnostics at their position.
import { StreamLanguage, HighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { tags as t } from '@lezer/highlight';
import type { CompletionContext, CompletionResult, Completion } from '@codemirror/autocomplete';
import type { TableSchema } from './api';
import type { EditorView } from '@codemirror/view';
import { setDiagnostics } from '@codemirror/lint';

export const operators = [
  'where', 'project', 'project-away', 'project-rename', 'project-reorder', 'extend', 'summarize', 'count', 'take', 'limit',
  'top', 'sort', 'order', 'distinct', 'join', 'union', 'render', 'mv-expand', 'mv-apply', 'parse', 'parse-where', 'make-series',
  'evaluate', 'invoke', 'as', 'search', 'sample', 'serialize', 'getschema', 'lookup', 'range', 'print', 'let', 'datatable',
];
const words = ['by', 'on', 'kind', 'with', 'asc', 'desc', 'and', 'or', 'not', 'in', 'has', 'contains', 'startswith',
  'endswith', 'matches', 'regex', 'between', 'true', 'false', 'inner', 'leftouter', 'rightouter', 'fullouter', 'leftanti',
  'leftsemi', 'innerunique', 'nulls', 'first', 'last', 'typeof', 'step', 'from', 'to', 'default'];
export const functions = [
  'ago', 'now', 'bin', 'count', 'countif', 'dcount', 'dcountif', 'sum', 'sumif', 'avg', 'avgif', 'min', 'max', 'arg_max', 'arg_min',
  'make_set', 'make_list', 'make_bag', 'percentile', 'percentiles', 'stdev', 'variance', 'any', 'take_any', 'tostring', 'toint', 'tolong',
  'todouble', 'toreal', 'todatetime', 'totimespan', 'tobool', 'todynamic', 'parse_json', 'extract', 'extract_all', 'split', 'strcat',
  'strlen', 'substring', 'tolower', 'toupper', 'trim', 'replace_string', 'replace_regex', 'indexof', 'isempty', 'isnotempty', 'isnull',
  'isnotnull', 'iff', 'iif', 'case', 'coalesce', 'format_datetime', 'datetime_part', 'startofday', 'startofweek', 'dayofweek',
  'hourofday', 'array_length', 'bag_keys', 'pack', 'bag_pack', 'pack_array', 'set_has_element', 'geo_info_from_ip_address',
  'ipv4_is_private', 'ipv4_is_in_range', 'row_number', 'prev', 'next', 'round', 'floor', 'abs', 'log', 'exp', 'sqrt', 'pow',
  'hash', 'base64_decode_tostring', 'url_decode', 'parse_url', 'datetime', 'timespan', 'dynamic', 'bag_unpack',
];
const opSet = new Set(operators);
const wordSet = new Set(words);
const fnSet = new Set(functions);

export const kqlLanguage = StreamLanguage.define<{ afterPipe: boolean }>({
  name: 'kql',
  startState: () => ({ afterPipe: true }),
  token(stream, state) {
    if (stream.eatSpace()) return null;
    if (stream.match('//')) {
      stream.skipToEnd();
      return 'comment';
    }
    if (stream.match(/^@?(["'])(?:[^\\]|\\.)*?\1/)) return 'string';
    if (stream.match(/^\d+(\.\d+)?(ms|s|m|h|d|tick|microsecond)?\b/)) return 'number';
    if (stream.match(/^[|]/)) {
      state.afterPipe = true;
      return 'operator';
    }
    const w = stream.match(/^[A-Za-z_][\w-]*/) as RegExpMatchArray | null;
    if (w) {
      const text = w[0];
      const wasPipe = state.afterPipe;
      state.afterPipe = false;
      if (wasPipe && opSet.has(text)) return 'keyword';
      if (wordSet.has(text) || (opSet.has(text) && !/-/.test(text) && stream.peek() !== '(')) return 'keyword';
      if (stream.peek() === '(' && fnSet.has(text)) return 'function';
      return 'variableName';
    }
    stream.next();
    state.afterPipe = false;
    return 'operator';
  },
});

export const kqlHighlight = syntaxHighlighting(
  HighlightStyle.define([
    { tag: t.keyword, color: '#0b5cad', fontWeight: '600' },
    { tag: t.string, color: '#a3332a' },
    { tag: t.number, color: '#116644' },
    { tag: t.comment, color: '#6a737d', fontStyle: 'italic' },
    { tag: t.function(t.variableName), color: '#6f42c1' },
    { tag: t.operator, color: '#555' },
  ]),
);

// completer completes at a word: an operator right after '|', a table at
// the start of a statement, else columns of the tables the query names,
// functions and keywords.
export function completer(schema: () => TableSchema[]) {
  return (ctx: CompletionContext): CompletionResult | null => {
    const word = ctx.matchBefore(/[\w-]*/);
    if (!word || (word.from === word.to && !ctx.explicit)) return null;
    const before = ctx.state.doc.sliceString(0, word.from).replace(/\s+$/, '');
    const tabs = schema();
    let options: Completion[];
    if (before.endsWith('|')) {
      options = operators.map((o) => ({ label: o, type: 'keyword' }));
    } else if (before === '' || before.endsWith(';') || /(join|union|lookup)(\s+kind\s*=\s*\w+)?\s*\(?$/.test(before)) {
      options = tabs.map((tb) => ({ label: tb.name, type: 'class', detail: 'table' }));
    } else {
      const text = ctx.state.doc.toString();
      const named = tabs.filter((tb) => new RegExp('\\b' + tb.name + '\\b').test(text));
      const seen = new Set<string>();
      options = [];
      for (const tb of named.length ? named : tabs) {
        for (const c of tb.columns) {
          if (seen.has(c.name)) continue;
          seen.add(c.name);
          options.push({ label: c.name, type: 'property', detail: c.type });
        }
      }
      for (const f of functions) options.push({ label: f, type: 'function', apply: f + '(' });
      for (const w of words) options.push({ label: w, type: 'keyword' });
      for (const tb of tabs) options.push({ label: tb.name, type: 'class', detail: 'table', boost: -1 });
    }
    return { from: word.from, options, validFor: /^[\w-]*$/ };
  };
}

// showError underlines the server's error at line:column (1-based) to the
// end of the word there, or clears the diagnostics when message is empty.
export function showError(view: EditorView, message: string, line?: number, column?: number) {
  if (!message) {
    view.dispatch(setDiagnostics(view.state, []));
    return;
  }
  const doc = view.state.doc;
  let from = 0;
  let to = doc.length;
  if (line && line >= 1 && line <= doc.lines) {
    const l = doc.line(line);
    from = Math.min(l.from + Math.max((column ?? 1) - 1, 0), l.to);
    const rest = doc.sliceString(from, l.to);
    const m = rest.match(/^[\w.-]+|^\S/);
    to = from + (m ? m[0].length : 0);
    if (to === from) to = Math.min(from + 1, doc.length);
    if (to === from && from > 0) from--;
  }
  view.dispatch(setDiagnostics(view.state, [{ from, to, severity: 'error', message }]));
}
