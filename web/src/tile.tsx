import { useEffect, useState } from 'preact/hooks';
import { query, type Result } from './api';
import { ResultView } from './result';

export interface Tile {
  title: string;
  query: string;
  visual?: string;
  wide?: boolean;
}
export interface Workbook {
  id: string;
  name: string;
  description?: string;
  tiles: Tile[];
  updated?: string;
  updatedBy?: string;
  builtIn?: boolean;
}
export interface Params {
  Computer: string;
  Account: string;
}

// substitute fills a tile's {Computer}, {Account} and {TimeRange}
// parameters with KQL string literals.
export function substitute(q: string, p: Params, range: string): string {
  const lit = (s: string) => '"' + s.replace(/\\/g, '\\\\').replace(/"/g, '\\"') + '"';
  return q.replace(/\{(Computer|Account|TimeRange)\}/g, (_, k) => lit(k === 'TimeRange' ? range : (p as any)[k]));
}

// TileView runs one tile and draws it; it reruns when the query, the time
// range or a parameter changes.
export function TileView(props: { ws: string; tile: Tile; range: string; params: Params; actions?: any }) {
  const { tile } = props;
  const text = substitute(tile.query, props.params, props.range);
  const [state, setState] = useState<{ result?: Result; error?: string }>({});
  useEffect(() => {
    let live = true;
    setState({});
    query(props.ws, text, props.range).then(
      (result) => live && setState({ result }),
      (e) => live && setState({ error: e.message }),
    );
    return () => {
      live = false;
    };
  }, [props.ws, text, props.range]);
  return (
    <article class={'tile' + (tile.wide ? ' wide' : '')} aria-label={tile.title} aria-busy={!state.result && !state.error}>
      <header>
        <h2>{tile.title}</h2>
        <a href={'/logs?q=' + encodeURIComponent(text) + '&t=' + encodeURIComponent(props.range) + '&run=1'} class="muted" title="Open this query in Logs">
          Open in Logs
        </a>
        {props.actions}
      </header>
      {state.error ? (
        <p class="error tile-error">{state.error}</p>
      ) : !state.result ? (
        <p class="muted">Running…</p>
      ) : state.result.rows.length === 0 ? (
        <p class="muted">No data in this time range.</p>
      ) : (
        <ResultView result={state.result} visual={tile.visual} compact name={tile.title} />
      )}
    </article>
  );
}

// ParamBar is the time range and the Computer and Account parameters.
export function ParamBar(props: { range: string; setRange: (r: string) => void; params: Params; setParams: (p: Params) => void; children?: any }) {
  const [draft, setDraft] = useState(props.params);
  const apply = (e: Event) => {
    e.preventDefault();
    props.setParams(draft);
  };
  return (
    <form class="toolbar" onSubmit={apply}>
      {props.children}
      <label class="field">
        Computer{' '}
        <input value={draft.Computer} placeholder="all" onInput={(e) => setDraft({ ...draft, Computer: (e.target as HTMLInputElement).value })} />
      </label>
      <label class="field">
        Account{' '}
        <input value={draft.Account} placeholder="all" onInput={(e) => setDraft({ ...draft, Account: (e.target as HTMLInputElement).value })} />
      </label>
      <button type="submit">Apply</button>
    </form>
  );
}
