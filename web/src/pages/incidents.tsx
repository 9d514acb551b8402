import { useEffect, useMemo, useState } from 'preact/hooks';
import { call, wsPath } from '../api';
import { allowed, type Ctx } from '../app';
import { fmtTime } from '../time';

interface Incident {
  incidentNumber: number;
  title: string;
  description?: string;
  severity: string;
  status: string;
  classification?: string;
  classificationReason?: string;
  classificationComment?: string;
  owner: { assignedTo: string };
  firstActivityTime: string;
  lastActivityTime: string;
  createdTime: string;
  lastModifiedTime: string;
  alertsCount?: number;
  alertIds?: string[];
  comments?: { message: string; author: string; createdTimeUtc: string }[];
  tactics?: string[];
  modifiedBy?: string;
}
interface Investigation {
  incident: Incident;
  alerts: { systemAlertId: string; alertName: string; severity: string; timeGenerated: string; tactics: string[] }[];
  entities: { type: string; identifiers: Record<string, string>; kind?: string; value?: string }[];
  timeline: { time: string; kind: string; alert?: string; event?: any; behind?: string[] }[];
  truncated: boolean;
}

const severities = ['High', 'Medium', 'Low', 'Informational'];
const classifications = ['TruePositive', 'BenignPositive', 'FalsePositive', 'Undetermined'];

export function Incidents(props: { ctx: Ctx }) {
  const n = props.ctx.path.match(/^\/incidents\/(\d+)/)?.[1];
  return n ? <IncidentDetail ctx={props.ctx} n={Number(n)} /> : <Queue ctx={props.ctx} />;
}

function Queue(props: { ctx: Ctx }) {
  const { ctx } = props;
  const [list, setList] = useState<Incident[] | null>(null);
  const [error, setError] = useState('');
  const [f, setF] = useState({ status: 'open', severity: '', owner: '', text: '', since: '' });
  useEffect(() => {
    call('GET', wsPath(ctx.ws, '/incidents')).then((r) => setList(r.incidents), (e) => setError(e.message));
  }, [ctx.ws]);
  const shown = useMemo(() => {
    const since = f.since ? Date.now() - Number(f.since) * 3600e3 : 0;
    return (list ?? [])
      .filter((i) => (f.status === 'open' ? i.status !== 'Closed' : !f.status || i.status === f.status))
      .filter((i) => !f.severity || i.severity === f.severity)
      .filter((i) => !f.owner || (f.owner === '-' ? !i.owner?.assignedTo : (i.owner?.assignedTo ?? '').toLowerCase().includes(f.owner.toLowerCase())))
      .filter((i) => !f.text || i.title.toLowerCase().includes(f.text.toLowerCase()))
      .filter((i) => !since || Date.parse(i.lastActivityTime) >= since)
      .sort((a, b) => b.incidentNumber - a.incidentNumber);
  }, [list, f]);
  const sel = (k: keyof typeof f, label: string, opts: [string, string][]) => (
    <label class="field">
      {label}{' '}
      <select value={f[k]} onChange={(e) => setF({ ...f, [k]: (e.target as HTMLSelectElement).value })}>
        {opts.map(([v, l]) => (
          <option value={v}>{l}</option>
        ))}
      </select>
    </label>
  );
  return (
    <section>
      <h1>Incidents</h1>
      <div class="toolbar" role="search" aria-label="Filter incidents">
        {sel('status', 'Status', [['open', 'Open (New, Active)'], ['', 'All'], ['New', 'New'], ['Active', 'Active'], ['Closed', 'Closed']])}
        {sel('severity', 'Severity', [['', 'All'], ...severities.map((s): [string, string] => [s, s])])}
        {sel('since', 'Last activity', [['', 'Any time'], ['24', 'Last 24 hours'], ['168', 'Last 7 days'], ['720', 'Last 30 days']])}
        <label class="field">
          Owner <input value={f.owner} placeholder="any; - for unassigned" onInput={(e) => setF({ ...f, owner: (e.target as HTMLInputElement).value })} />
        </label>
        <label class="field">
          Title <input value={f.text} onInput={(e) => setF({ ...f, text: (e.target as HTMLInputElement).value })} />
        </label>
      </div>
      {error && <p class="error" role="alert">{error}</p>}
      {!list && !error && <p class="muted">Loading…</p>}
      {list && (
        <table class="grid">
          <thead>
            <tr>
              <th>#</th>
              <th>Title</th>
              <th>Severity</th>
              <th>Status</th>
              <th>Owner</th>
              <th>Alerts</th>
              <th>Last activity</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((i) => (
              <tr>
                <td>{i.incidentNumber}</td>
                <td>
                  <a href={'/incidents/' + i.incidentNumber}>{i.title}</a>
                </td>
                <td>
                  <span class={'sev sev-' + i.severity.toLowerCase()}>{i.severity}</span>
                </td>
                <td>{i.status}</td>
                <td>{i.owner?.assignedTo || <span class="muted">unassigned</span>}</td>
                <td>{i.alertsCount ?? i.alertIds?.length ?? ''}</td>
                <td>{fmtTime(i.lastActivityTime)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {list && shown.length === 0 && <p class="muted">No incident matches these filters ({list.length} in all).</p>}
    </section>
  );
}

function IncidentDetail(props: { ctx: Ctx; n: number }) {
  const { ctx, n } = props;
  const [inv, setInv] = useState<Investigation | null>(null);
  const [inc, setInc] = useState<Incident | null>(null);
  const [error, setError] = useState('');
  const [note, setNote] = useState('');
  const [owner, setOwner] = useState('');
  const [comment, setComment] = useState('');
  const [close, setClose] = useState({ classification: 'TruePositive', reason: '', comment: '' });
  const canChange = allowed(ctx.role, 'responder');
  const base = wsPath(ctx.ws, '/incidents/' + n);
  useEffect(() => {
    call<Incident>('GET', base).then((i) => {
      setInc(i);
      setOwner(i.owner?.assignedTo ?? '');
    }, (e) => setError(e.message));
    call<Investigation>('GET', base + '/investigation').then(setInv, () => setInv(null));
  }, [base]);
  const change = async (op: string, body: object, done: string) => {
    setError('');
    setNote('');
    try {
      const i = await call<Incident>('POST', base + '/' + op, { ...body, author: ctx.session.user });
      setInc(i);
      setNote(done);
    } catch (e: any) {
      setError(e.message);
    }
  };
  if (!inc) return <section>{error ? <p class="error" role="alert">{error}</p> : <p class="muted">Loading…</p>}</section>;
  return (
    <section class="incident">
      <p>
        <a href="/incidents">← Incidents</a>
      </p>
      <h1>
        #{inc.incidentNumber} {inc.title}
      </h1>
      <dl class="facts">
        <dt>Severity</dt>
        <dd>
          <span class={'sev sev-' + inc.severity.toLowerCase()}>{inc.severity}</span>
        </dd>
        <dt>Status</dt>
        <dd data-testid="status">{inc.status}{inc.classification ? ` (${inc.classification}${inc.classificationReason ? ', ' + inc.classificationReason : ''})` : ''}</dd>
        <dt>Owner</dt>
        <dd data-testid="owner">{inc.owner?.assignedTo || 'unassigned'}</dd>
        <dt>Activity</dt>
        <dd>
          {fmtTime(inc.firstActivityTime)} — {fmtTime(inc.lastActivityTime)}
        </dd>
        <dt>Tactics</dt>
        <dd>{(inc.tactics ?? []).join(', ') || '—'}</dd>
      </dl>
      {inc.description && <p>{inc.description}</p>}
      {error && <p class="error" role="alert">{error}</p>}
      <p role="status" class="ok">
        {note}
      </p>
      {canChange && (
        <div class="actions">
          <form class="card form" onSubmit={(e) => (e.preventDefault(), change('assign', { owner }, 'Assigned to ' + owner))}>
            <label for="owner">Assign to</label>
            <input id="owner" value={owner} required onInput={(e) => setOwner((e.target as HTMLInputElement).value)} />
            <button type="submit">Assign</button>
          </form>
          <form class="card form" onSubmit={(e) => (e.preventDefault(), change('comment', { message: comment }, 'Comment added').then(() => setComment('')))}>
            <label for="comment">Comment</label>
            <textarea id="comment" rows={3} value={comment} required onInput={(e) => setComment((e.target as HTMLTextAreaElement).value)} />
            <button type="submit">Add comment</button>
          </form>
          {inc.status !== 'Closed' ? (
            <form class="card form" onSubmit={(e) => (e.preventDefault(), change('close', close, 'Closed'))}>
              <label for="classification">Classification</label>
              <select id="classification" value={close.classification} onChange={(e) => setClose({ ...close, classification: (e.target as HTMLSelectElement).value })}>
                {classifications.map((c) => (
                  <option value={c}>{c}</option>
                ))}
              </select>
              <label for="reason">Reason</label>
              <input id="reason" value={close.reason} onInput={(e) => setClose({ ...close, reason: (e.target as HTMLInputElement).value })} />
              <label for="close-comment">Closing comment</label>
              <input id="close-comment" value={close.comment} onInput={(e) => setClose({ ...close, comment: (e.target as HTMLInputElement).value })} />
              <button type="submit">Close incident</button>
            </form>
          ) : (
            <form class="card form" onSubmit={(e) => (e.preventDefault(), change('reopen', {}, 'Reopened'))}>
              <button type="submit">Reopen</button>
            </form>
          )}
        </div>
      )}
      <h2>Comments</h2>
      <ul class="comments">
        {(inc.comments ?? []).map((c) => (
          <li>
            <b>{c.author}</b> <span class="muted">{fmtTime(c.createdTimeUtc)}</span>
            <p>{c.message}</p>
          </li>
        ))}
        {!inc.comments?.length && <li class="muted">No comments.</li>}
      </ul>
      {inv && (
        <>
          <h2>Alerts</h2>
          <table class="grid">
            <thead>
              <tr>
                <th>Time</th>
                <th>Alert</th>
                <th>Severity</th>
                <th>Tactics</th>
              </tr>
            </thead>
            <tbody>
              {inv.alerts.map((a) => (
                <tr>
                  <td>{fmtTime(a.timeGenerated)}</td>
                  <td>{a.alertName}</td>
                  <td>{a.severity}</td>
                  <td>{(a.tactics ?? []).join(', ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <h2>Entities</h2>
          <ul class="entities">
            {inv.entities.map((e) => (
              <li>
                <b>{e.type}</b>{' '}
                {e.kind ? (
                  <a href={'/logs?q=' + encodeURIComponent(pivotQuery(e.kind, e.value ?? '')) + '&t=&run=1'}>{e.value}</a>
                ) : (
                  Object.entries(e.identifiers ?? {}).map(([k, v]) => `${k}=${v}`).join(' ')
                )}
              </li>
            ))}
          </ul>
          <h2>Timeline</h2>
          {inv.truncated && <p class="warn">Only the first events are shown.</p>}
          <table class="grid timeline">
            <thead>
              <tr>
                <th>Time</th>
                <th>What</th>
                <th>Computer</th>
                <th>Account</th>
                <th>Details</th>
              </tr>
            </thead>
            <tbody>
              {inv.timeline.slice(0, 300).map((it) => (
                <tr class={it.kind === 'alert' ? 'alert-row' : it.behind?.length ? 'behind' : ''}>
                  <td>{fmtTime(it.time)}</td>
                  <td>{it.kind === 'alert' ? '⚠ ' + it.alert : it.event?.activity || String(it.event?.eventId ?? '')}</td>
                  <td>{it.event?.computer ?? ''}</td>
                  <td>{it.event?.account ?? ''}</td>
                  <td class="mono">{it.event?.ipAddress ?? ''} {it.event?.commandLine ?? it.event?.process ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}

function pivotQuery(kind: string, value: string): string {
  const v = JSON.stringify(value);
  const col = kind === 'host' ? 'Computer' : kind === 'ip' ? 'IpAddress' : 'Account';
  return `SecurityEvent\n| where ${col} =~ ${v}\n| project TimeGenerated, Computer, EventID, Activity, Account, IpAddress\n| top 200 by TimeGenerated`;
}
