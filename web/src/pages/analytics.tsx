import { useEffect, useRef, useState } from 'preact/hooks';
import { call, query, wsPath } from '../api';
import type { Ctx } from '../app';
import { fmtTime } from '../time';

interface Rule {
  id: string;
  name: string;
  kind: string;
  severity?: string;
  enabled: boolean;
  problem?: string;
  cursor: string;
  lastError?: string;
  tactics: string[];
  query: string;
}

export function Analytics(props: { ctx: Ctx }) {
  const { ws } = props.ctx;
  const base = wsPath(ws, '/analytics/rules');
  const [rules, setRules] = useState<Rule[] | null>(null);
  const [hits, setHits] = useState<Record<string, number>>({});
  const [error, setError] = useState('');
  const [note, setNote] = useState('');
  const [open, setOpen] = useState<string | null>(null);
  const load = () => {
    call('GET', base).then((r) => setRules(r.rules), (e) => setError(e.message));
    query(ws, 'SecurityAlert | summarize Hits = count() by AlertType', 'P30D').then(
      (r) => setHits(Object.fromEntries(r.rows.map((row) => [String(row[0]).replace(/^[^_]*_/, ''), Number(row[1])]))),
      () => setHits({}),
    );
  };
  useEffect(load, [ws]);
  const op = async (r: Rule, what: string, q = '') => {
    setError('');
    setNote('');
    try {
      const res = await call('POST', base + '/' + encodeURIComponent(r.id) + '/' + what + q);
      setNote(
        what === 'run' ? `${r.name}: ran, ${res.results ?? 0} results, ${res.alerts ?? 0} alerts`
        : what === 'backfill' ? `${r.name}: ${res.windows} windows, ${res.alerts} alerts, incidents ${res.incidents.join(', ') || 'none'}`
        : `${r.name}: ${what}d`,
      );
      load();
    } catch (e: any) {
      setError(`${r.name}: ${e.message}`);
    }
  };
  const backfill = (r: Rule) => {
    const to = new Date();
    const from = new Date(to.getTime() - 24 * 3600e3);
    const iso = (d: Date) => d.toISOString().replace(/\.\d+Z$/, 'Z');
    return op(r, 'backfill', `?from=${iso(from)}&to=${iso(to)}`);
  };
  return (
    <section>
      <h1>Analytics</h1>
      {error && <p class="error" role="alert">{error}</p>}
      <p role="status" class="ok">
        {note}
      </p>
      <h2>Rules</h2>
      {!rules && !error && <p class="muted">Loading…</p>}
      {rules && (
        <table class="grid">
          <thead>
            <tr>
              <th>Rule</th>
              <th>Severity</th>
              <th>Status</th>
              <th>Last run (window end)</th>
              <th>Hits (30 d)</th>
              <th>Actions</th>
            </tr>
          </thead>
          <tbody>
            {rules.map((r) => [
              <tr>
                <td>
                  <button type="button" class="link" aria-expanded={open === r.id} onClick={() => setOpen(open === r.id ? null : r.id)}>
                    {r.name}
                  </button>
                </td>
                <td>{r.severity}</td>
                <td>
                  {r.enabled ? 'Enabled' : 'Disabled'}
                  {r.problem && <div class="warn">{r.problem}</div>}
                  {r.lastError && <div class="error">{r.lastError}</div>}
                </td>
                <td>{fmtTime(r.cursor)}</td>
                <td>{hits[r.id] ?? 0}</td>
                <td class="nowrap">
                  <button type="button" onClick={() => op(r, r.enabled ? 'disable' : 'enable')} aria-label={(r.enabled ? 'Disable ' : 'Enable ') + r.name}>
                    {r.enabled ? 'Disable' : 'Enable'}
                  </button>{' '}
                  <button type="button" onClick={() => op(r, 'run')} aria-label={'Run ' + r.name}>
                    Run now
                  </button>{' '}
                  <button type="button" onClick={() => backfill(r)} aria-label={'Backfill the last 24 hours of ' + r.name}>
                    Backfill 24 h
                  </button>
                </td>
              </tr>,
              open === r.id && (
                <tr class="detail">
                  <td colSpan={6}>
                    <pre class="mono">{r.query}</pre>
                    <a href={'/logs?q=' + encodeURIComponent(r.query) + '&run=1'}>Open in Logs</a>
                  </td>
                </tr>
              ),
            ])}
          </tbody>
        </table>
      )}
      <Import ws={ws} onDone={load} />
      <Anomalies ws={ws} />
    </section>
  );
}

// isSigma tells a Sigma rule file from a Sentinel one as the server and
// the CLI do: a detection or correlation section and no query.
const isSigma = (text: string) => /^(detection|correlation)\s*:/m.test(text) && !/^query\s*:/m.test(text);

interface ImportRow {
  file: string;
  rule: string;
  state: string;
}
interface RefusedRow {
  file: string;
  rule: string;
  reason: string;
  unsupported: boolean;
}

// Import takes Sentinel and Sigma rule files (or pasted YAML) and shows
// what became a rule and what was refused, with the reason.
function Import(props: { ws: string; onDone: () => void }) {
  const { ws } = props;
  const [yaml, setYaml] = useState('');
  const [disabled, setDisabled] = useState(false);
  const [busy, setBusy] = useState(false);
  const [imported, setImported] = useState<ImportRow[] | null>(null);
  const [refused, setRefused] = useState<RefusedRow[]>([]);
  const files = useRef<HTMLInputElement>(null);
  const run = async (e: Event) => {
    e.preventDefault();
    const srcs: { name: string; text: string }[] = [];
    for (const f of Array.from(files.current?.files ?? [])) srcs.push({ name: f.name, text: await f.text() });
    if (yaml.trim()) srcs.push({ name: 'pasted', text: yaml });
    if (!srcs.length) return;
    setBusy(true);
    const ok: ImportRow[] = [];
    const no: RefusedRow[] = [];
    const state = (r: { enabled: boolean; problem?: string }) => (r.problem ? 'disabled: ' + r.problem : r.enabled ? 'enabled' : 'disabled');
    for (const s of srcs) {
      try {
        if (isSigma(s.text)) {
          const q = `?name=${encodeURIComponent(s.name)}` + (disabled ? '&disabled=true' : '');
          const a = await call('POST', wsPath(ws, '/analytics/sigma') + q, undefined, s.text);
          for (const r of a.imported) ok.push({ file: s.name, rule: r.name, state: state(r) });
          for (const r of a.refused) no.push({ file: s.name, rule: r.title, reason: r.reason, unsupported: r.unsupported });
        } else {
          const r = await call('POST', wsPath(ws, '/analytics/rules') + (disabled ? '?disabled=true' : ''), undefined, s.text);
          ok.push({ file: s.name, rule: r.name, state: state(r) });
        }
      } catch (err: any) {
        no.push({ file: s.name, rule: '', reason: err.message, unsupported: false });
      }
    }
    setImported(ok);
    setRefused(no);
    setBusy(false);
    if (ok.length) setYaml('');
    props.onDone();
  };
  return (
    <form class="card form" onSubmit={run} aria-label="Import rules" aria-busy={busy ? 'true' : 'false'}>
      <h2>Import rules</h2>
      <p class="muted">
        Sentinel scheduled rules and Sigma rules (each detection rule becomes a scheduled analytics rule; rules wsec cannot run in
        the workspace are listed below with the reason).
      </p>
      <label for="rule-files">Rule files (YAML, several at once)</label>
      <input id="rule-files" type="file" multiple accept=".yml,.yaml" ref={files} />
      <label for="rule-yaml">or paste a rule (YAML)</label>
      <textarea id="rule-yaml" rows={8} class="mono" value={yaml} onInput={(e) => setYaml((e.target as HTMLTextAreaElement).value)} />
      <label class="check">
        <input type="checkbox" checked={disabled} onChange={(e) => setDisabled((e.target as HTMLInputElement).checked)} /> Import disabled
      </label>
      <div>
        <button type="submit" disabled={busy}>
          {busy ? 'Importing…' : 'Import'}
        </button>
      </div>
      {imported && (
        <p role="status" class="ok" data-testid="import-summary">
          {imported.length} imported, {refused.length} refused
        </p>
      )}
      {imported && imported.length > 0 && (
        <table class="grid" aria-label="Imported rules">
          <thead>
            <tr>
              <th>File</th>
              <th>Rule</th>
              <th>State</th>
            </tr>
          </thead>
          <tbody>
            {imported.map((r) => (
              <tr>
                <td>{r.file}</td>
                <td>{r.rule}</td>
                <td>{r.state}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {refused.length > 0 && (
        <table class="grid refused" aria-label="Refused rules">
          <thead>
            <tr>
              <th>File</th>
              <th>Rule</th>
              <th>Why not</th>
            </tr>
          </thead>
          <tbody>
            {refused.map((r) => (
              <tr>
                <td>{r.file}</td>
                <td>{r.rule}</td>
                <td class={r.unsupported ? 'warn' : 'error'}>
                  {r.unsupported ? 'cannot run in the workspace: ' : ''}
                  {r.reason}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </form>
  );
}

interface Anomaly {
  TimeGenerated: string;
  RuleName: string;
  Score: number;
  Description: string;
  UserName: string;
  SourceIpAddress: string;
  DestinationDevice: string;
  AnomalyReasons: string[] | string;
}

function reasons(r: string[] | string | undefined): string {
  if (typeof r === 'string') {
    try {
      r = JSON.parse(r) as string[];
    } catch {
      return r as string;
    }
  }
  return (r ?? []).join('; ');
}

function Anomalies(props: { ws: string }) {
  const [rows, setRows] = useState<Anomaly[] | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    call('GET', wsPath(props.ws, '/anomalies')).then((r) => setRows(r.anomalies ?? []), (e) => setError(e.message));
  }, [props.ws]);
  return (
    <>
      <h2>Anomalies (last 24 hours)</h2>
      {error && <p class="error">{error}</p>}
      {rows && rows.length === 0 && <p class="muted">No anomaly stored in the last 24 hours (the rule 'Anomalous RDP Login Detection' stores them).</p>}
      {rows && rows.length > 0 && (
        <table class="grid">
          <thead>
            <tr>
              <th>Time</th>
              <th>Score</th>
              <th>User</th>
              <th>Source</th>
              <th>Device</th>
              <th>Why</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((a) => (
              <tr>
                <td>{fmtTime(a.TimeGenerated)}</td>
                <td>{a.Score}</td>
                <td>{a.UserName}</td>
                <td>{a.SourceIpAddress}</td>
                <td>{a.DestinationDevice}</td>
                <td>{reasons(a.AnomalyReasons) || a.Description}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
