import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, call, query, wsPath, type Result } from '../api';
import type { Ctx } from '../app';
import { Grid } from '../grid';

interface Rule {
  name: string;
  description?: string;
  eventSet: string;
  xpathQueries?: string[];
  groups?: string[];
  updated?: string;
}

const eventSets: [string, string][] = [
  ['All', 'All events: every Security and AppLocker event'],
  ['Common', 'Common: the audit trail most investigations need'],
  ['Minimal', 'Minimal: a small set for threat detection'],
  ['None', 'None: only the custom XPath queries below'],
];

const hostsQuery = `Heartbeat
| summarize arg_max(TimeGenerated, Version, OSName, ComputerIP, EventsPerSecond, QueueDepth, LastError) by Computer
| join kind=leftouter (SecurityEvent | summarize LastEvent = max(TimeGenerated) by Computer) on Computer
| project Computer, AgentVersion = Version, OS = OSName, IP = ComputerIP, LastHeartbeat = TimeGenerated, EventsPerSecond, SpoolDepth = QueueDepth, LagMinutes = round((TimeGenerated - LastEvent) / 1m, 1), LastError
| sort by Computer asc`;

interface PreviewAnswer {
  evaluated: number;
  kept: number;
  oldest?: string;
  newest?: string;
  events: { channel: string; eventId: number; seen: number; kept: number }[];
  warnings?: string[];
  unreadable?: number;
}

const previewLast = 1000;

// Preview shows, while a rule is edited, what it would keep of the hosts'
// latest stored events, and where its XPath queries are wrong.
function Preview(props: { ws: string; rule: Rule; hosts: string[] }) {
  const { ws, rule, hosts } = props;
  const [answer, setAnswer] = useState<PreviewAnswer | null>(null);
  const [problems, setProblems] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const [scope, setScope] = useState('');
  const seq = useRef(0);
  const computers = scope.split(',').map((h) => h.trim()).filter(Boolean);
  const key = JSON.stringify([rule.eventSet, rule.xpathQueries, computers]);
  useEffect(() => {
    const n = ++seq.current;
    const t = setTimeout(async () => {
      setBusy(true);
      try {
        const a = await call<PreviewAnswer>('POST', wsPath(ws, '/dcr-preview'), {
          eventSet: rule.eventSet,
          xpathQueries: (rule.xpathQueries ?? []).map((q) => q.trim()).filter(Boolean),
          computers,
          last: previewLast,
        });
        if (n !== seq.current) return;
        setAnswer(a);
        setProblems([]);
      } catch (e: any) {
        if (n !== seq.current) return;
        setAnswer(null);
        const d = e instanceof ApiError && Array.isArray(e.details) && e.details.length ? e.details : null;
        setProblems(d ? d.map((q: any) => `Query ${q.query}${q.column ? ', column ' + q.column : ''}: ${q.message}`) : [e.message]);
      } finally {
        if (n === seq.current) setBusy(false);
      }
    }, 300);
    return () => clearTimeout(t);
  }, [ws, key]);
  const pct = answer && answer.evaluated ? Math.round((100 * answer.kept) / answer.evaluated) : 0;
  return (
    <div class="card preview" aria-live="polite" aria-busy={busy ? 'true' : 'false'} data-testid="dcr-preview">
      <h3>Live preview</h3>
      <label class="field" for="dcr-scope">
        Hosts
      </label>{' '}
      <input id="dcr-scope" list="dcr-hosts" value={scope} placeholder="all hosts (or names, comma-separated)"
        onInput={(e) => setScope((e.target as HTMLInputElement).value)} onKeyDown={(e) => e.key === 'Enter' && e.preventDefault()} />
      <datalist id="dcr-hosts">
        {hosts.map((h) => (
          <option value={h} />
        ))}
      </datalist>
      {problems.length > 0 && (
        <ul class="error" role="alert" data-testid="dcr-problems">
          {problems.map((p) => (
            <li>{p}</li>
          ))}
        </ul>
      )}
      {answer && (
        <>
          <p data-testid="dcr-preview-summary">
            Would keep <b>{answer.kept}</b> of the last <b>{answer.evaluated}</b> events of {computers.length ? computers.join(', ') : 'all hosts'} ({pct}%)
            {answer.oldest && answer.newest && (
              <span class="muted">
                {' '}
                — events of {new Date(answer.oldest).toLocaleString()} to {new Date(answer.newest).toLocaleString()}
              </span>
            )}
          </p>
          {answer.evaluated === 0 && <p class="muted">These hosts have sent no Security events yet.</p>}
          {(answer.warnings ?? []).map((w) => (
            <p class="warn">{w}</p>
          ))}
          <p class="muted">
            Counted over the events the hosts sent under their current rules: a rule wider than those cannot show what was never
            collected.
          </p>
          {answer.events.length > 0 && (
            <table class="grid" aria-label="Preview by event">
              <thead>
                <tr>
                  <th>Channel</th>
                  <th>Event ID</th>
                  <th>Seen</th>
                  <th>Kept</th>
                </tr>
              </thead>
              <tbody>
                {answer.events.map((c) => (
                  <tr class={c.kept === 0 ? 'muted' : ''}>
                    <td>{c.channel}</td>
                    <td>{c.eventId}</td>
                    <td>{c.seen}</td>
                    <td>{c.kept}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </div>
  );
}

export function Connectors(props: { ctx: Ctx }) {
  const { ws } = props.ctx;
  const [hosts, setHosts] = useState<Result | null>(null);
  const [hostsError, setHostsError] = useState('');
  const [rules, setRules] = useState<Rule[]>([]);
  const [edit, setEdit] = useState<Rule | null>(null);
  const [error, setError] = useState('');
  const [note, setNote] = useState('');
  const load = () => call('GET', wsPath(ws, '/rules')).then((r) => setRules(r.rules), (e) => setError(e.message));
  const ci = hosts?.columns.findIndex((c) => c.name === 'Computer') ?? -1;
  const hostNames = ci >= 0 ? hosts!.rows.map((r) => String(r[ci])) : [];
  useEffect(() => {
    query(ws, hostsQuery, 'P7D').then(setHosts, (e) => setHostsError(e.message));
    load();
  }, [ws]);
  const save = async (e: Event) => {
    e.preventDefault();
    if (!edit) return;
    setError('');
    setNote('');
    try {
      const saved = await call<Rule>('PUT', wsPath(ws, '/rules/' + encodeURIComponent(edit.name)), {
        description: edit.description,
        eventSet: edit.eventSet,
        xpathQueries: (edit.xpathQueries ?? []).map((q) => q.trim()).filter(Boolean),
        groups: (edit.groups ?? []).map((g) => g.trim()).filter(Boolean),
      });
      setNote(`Saved ${saved.name}: agents of ${saved.groups?.join(', ') || 'no group'} pick it up at their next rules poll.`);
      setEdit(null);
      load();
    } catch (err: any) {
      setError(err.message);
    }
  };
  const remove = async (r: Rule) => {
    if (!confirm(`Delete data collection rule ${r.name}?`)) return;
    try {
      await call('DELETE', wsPath(ws, '/rules/' + encodeURIComponent(r.name)));
      load();
    } catch (err: any) {
      setError(err.message);
    }
  };
  return (
    <section>
      <h1>Data connectors — Windows Security Events</h1>
      <h2>Hosts sending (last 7 days)</h2>
      {hostsError && <p class="error">{hostsError}</p>}
      {hosts && hosts.rows.length === 0 && <p class="muted">No agent has sent a heartbeat yet. Install wsec-agent on a Windows machine (README).</p>}
      {hosts && hosts.rows.length > 0 && <Grid result={hosts} name="hosts" />}
      <h2>Data collection rules per machine group</h2>
      {error && <p class="error" role="alert">{error}</p>}
      <p role="status" class="ok">
        {note}
      </p>
      <table class="grid">
        <thead>
          <tr>
            <th>Rule</th>
            <th>Event set</th>
            <th>XPath queries</th>
            <th>Machine groups</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {rules.map((r) => (
            <tr>
              <td>{r.name}</td>
              <td>{r.eventSet}</td>
              <td class="mono">{(r.xpathQueries ?? []).join('\n')}</td>
              <td>{(r.groups ?? []).join(', ')}</td>
              <td class="nowrap">
                <button type="button" onClick={() => setEdit({ ...r })} aria-label={'Edit ' + r.name}>
                  Edit
                </button>{' '}
                <button type="button" class="danger" onClick={() => remove(r)} aria-label={'Delete ' + r.name}>
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {!edit && (
        <button type="button" onClick={() => setEdit({ name: '', eventSet: 'Common', xpathQueries: [], groups: [] })}>
          New rule
        </button>
      )}
      {edit && (
        <form class="card form" onSubmit={save} aria-label="Data collection rule">
          <h2>{edit.updated ? 'Edit ' + edit.name : 'New rule'}</h2>
          <label for="dcr-name">Name</label>
          <input id="dcr-name" value={edit.name} required readOnly={!!edit.updated} pattern="[A-Za-z0-9][A-Za-z0-9._-]{0,63}"
            onInput={(e) => setEdit({ ...edit, name: (e.target as HTMLInputElement).value })} />
          <fieldset>
            <legend>Event set</legend>
            {eventSets.map(([v, label]) => (
              <label class="check">
                <input type="radio" name="eventSet" value={v} checked={edit.eventSet === v} onChange={() => setEdit({ ...edit, eventSet: v })} /> {label}
              </label>
            ))}
          </fieldset>
          <label for="dcr-xpath">XPath queries, one per line (Channel!XPath, e.g. Security!*[System[(EventID=4624)]])</label>
          <textarea id="dcr-xpath" rows={4} class="mono" value={(edit.xpathQueries ?? []).join('\n')}
            onInput={(e) => setEdit({ ...edit, xpathQueries: (e.target as HTMLTextAreaElement).value.split('\n') })} />
          <label for="dcr-groups">Machine groups (comma-separated)</label>
          <input id="dcr-groups" value={(edit.groups ?? []).join(',')}
            onInput={(e) => setEdit({ ...edit, groups: (e.target as HTMLInputElement).value.split(',') })} />
          <Preview ws={ws} rule={edit} hosts={hostNames} />
          <div>
            <button type="submit" class="primary">
              Save rule
            </button>{' '}
            <button type="button" onClick={() => setEdit(null)}>
              Cancel
            </button>
          </div>
          <p class="muted">The server checks the event set and every XPath query before it stores the rule; an error says which query and where.</p>
        </form>
      )}
    </section>
  );
}
