import { useEffect, useState } from 'preact/hooks';
import { call, query, wsPath, type Result } from '../api';
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

export function Connectors(props: { ctx: Ctx }) {
  const { ws } = props.ctx;
  const [hosts, setHosts] = useState<Result | null>(null);
  const [hostsError, setHostsError] = useState('');
  const [rules, setRules] = useState<Rule[]>([]);
  const [edit, setEdit] = useState<Rule | null>(null);
  const [error, setError] = useState('');
  const [note, setNote] = useState('');
  const load = () => call('GET', wsPath(ws, '/rules')).then((r) => setRules(r.rules), (e) => setError(e.message));
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
