import { useEffect, useRef, useState } from 'preact/hooks';
import type { EditorView } from '@codemirror/view';
import { ApiError, query, tables, type Result, type TableSchema } from '../api';
import type { Ctx } from '../app';
type EditorModule = typeof import('../editor');
import { RangePicker } from '../time';
import { ResultView } from '../result';

const example = 'SecurityEvent\n| summarize Events = count() by bin(TimeGenerated, 1h), Channel\n| render timechart';

export function Logs(props: { ctx: Ctx }) {
  const { ws } = props.ctx;
  const params = new URLSearchParams(location.search);
  const [text, setText] = useState(params.get('q') ?? sessionStorage.getItem('wsec.logs.query') ?? example);
  const [range, setRange] = useState(params.get('t') ?? 'P1D');
  const [result, setResult] = useState<Result | null>(null);
  const [error, setError] = useState('');
  const [running, setRunning] = useState(false);
  const [schema, setSchema] = useState<TableSchema[]>([]);
  const view = useRef<EditorView | null>(null);
  // The editor (CodeMirror, most of the bundle) loads with this page only.
  const [ed, setEd] = useState<EditorModule | null>(null);
  const edRef = useRef<EditorModule | null>(null);
  edRef.current = ed;
  useEffect(() => {
    import('../editor').then(setEd, (e) => setError('The editor could not load: ' + e.message));
  }, []);
  const current = useRef({ text, range });
  current.current = { text, range };
  useEffect(() => {
    if (params.get('run') === '1') run();
  }, []);
  useEffect(() => {
    tables(ws).then(setSchema, (e) => setError('Tables could not be listed (completion is off): ' + e.message));
  }, [ws]);
  const run = async () => {
    const { text, range } = current.current;
    sessionStorage.setItem('wsec.logs.query', text);
    setRunning(true);
    setError('');
    const showError = edRef.current?.showError;
    if (view.current && showError) showError(view.current, '');
    try {
      setResult(await query(ws, text, range));
    } catch (e: any) {
      setResult(null);
      setError(e.message);
      if (view.current && showError && e instanceof ApiError && e.inner)
        showError(view.current, e.inner.message ?? e.message, e.inner.line, e.inner.pos ?? e.inner.column);
    } finally {
      setRunning(false);
    }
  };
  return (
    <section class="logs">
      <h1>Logs</h1>
      <div class="toolbar">
        <button type="button" class="primary" onClick={run} disabled={running} aria-keyshortcuts="Control+Enter">
          {running ? 'Running…' : 'Run'}
        </button>
        <RangePicker value={range} onChange={setRange} />
        <span class="muted">Ctrl+Enter runs · Ctrl+Space completes · Esc then Tab leaves the editor</span>
      </div>
      {ed ? (
        <ed.KqlEditor value={text} onChange={setText} onRun={run} schema={() => schema} viewRef={view} label="KQL query" />
      ) : (
        <div class="editor muted">Loading the editor…</div>
      )}
      {error && (
        <pre class="error" role="alert">
          {error}
        </pre>
      )}
      <div aria-live="polite" aria-busy={running}>
        {result && <ResultView result={result} name="query" />}
      </div>
    </section>
  );
}
