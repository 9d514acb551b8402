import { useEffect, useState } from 'preact/hooks';
import { call, tables, wsPath } from '../api';
import type { Ctx } from '../app';

// Rows shows an API listing as a table of its scalar fields.
function Rows(props: { rows: any[]; actions?: (r: any) => any; label?: string }) {
  if (!props.rows.length) return <p class="muted">None.</p>;
  const keys = [...new Set(props.rows.flatMap((r) => Object.keys(r)))].filter((k) => !/hash|secret/i.test(k));
  const show = (v: any) => (v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));
  return (
    <table class="grid" aria-label={props.label}>
      <thead>
        <tr>
          {keys.map((k) => (
            <th>{k}</th>
          ))}
          {props.actions && <th />}
        </tr>
      </thead>
      <tbody>
        {props.rows.map((r) => (
          <tr>
            {keys.map((k) => (
              <td>{show(r[k])}</td>
            ))}
            {props.actions && <td class="nowrap">{props.actions(r)}</td>}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const roles = ['reader', 'responder', 'admin'];

interface KeyView {
  kind: 'primary' | 'secondary';
  hint: string;
  rotated?: string;
  key?: string;
}

// Retention edits the workspace's retention per table: an empty field
// keeps the server's default.
function Retention(props: { ws: string; onChange: () => void }) {
  const { ws } = props;
  const [names, setNames] = useState<string[]>([]);
  const [def, setDef] = useState(0);
  const [max, setMax] = useState(0);
  const [days, setDays] = useState<Record<string, string>>({});
  const [error, setError] = useState('');
  const [note, setNote] = useState('');
  const show = (r: any) => {
    setDef(r.defaultDays);
    setMax(r.maxDays);
    setDays(Object.fromEntries(Object.entries(r.tables ?? {}).map(([t, d]) => [t, String(d)])));
  };
  useEffect(() => {
    Promise.all([tables(ws), call('GET', wsPath(ws, '/retention'))]).then(
      ([ts, r]) => {
        setNames(ts.map((t) => t.name));
        show(r);
      },
      (e) => setError(e.message),
    );
  }, [ws]);
  const save = async (e: Event) => {
    e.preventDefault();
    setError('');
    setNote('');
    const out: Record<string, number> = {};
    for (const [t, d] of Object.entries(days)) if (d.trim()) out[t] = Number(d);
    try {
      show(await call('PUT', wsPath(ws, '/retention'), { tables: out }));
      setNote('Retention saved; rows past it leave at the next retention pass (hourly).');
      props.onChange();
    } catch (err: any) {
      setError(err.message);
    }
  };
  const all = [...new Set([...names, ...Object.keys(days)])];
  return (
    <>
      <h2>Retention per table</h2>
      <p class="muted">
        Rows are kept for their table's retention counted from when the workspace received them (an old EVTX file imported today
        stays). An empty field keeps the default of {def} days.
      </p>
      {error && <p class="error" role="alert">{error}</p>}
      <p role="status" class="ok" data-testid="retention-note">
        {note}
      </p>
      <form onSubmit={save} aria-label="Retention">
        <table class="grid retention">
          <thead>
            <tr>
              <th>Table</th>
              <th>Retention (days)</th>
            </tr>
          </thead>
          <tbody>
            {all.map((t) => (
              <tr>
                <td>
                  <label for={'ret-' + t}>{t}</label>
                </td>
                <td>
                  <input id={'ret-' + t} type="number" min={1} max={max || undefined} placeholder={`${def} (default)`} value={days[t] ?? ''}
                    onInput={(e) => setDays({ ...days, [t]: (e.target as HTMLInputElement).value })} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <p>
          <button type="submit">Save retention</button>
        </p>
      </form>
    </>
  );
}

// AgentKeys lists the workspace's two keys and rotates them. What a
// rotation does to agents is said before it is done.
function AgentKeys(props: { ws: string; onChange: () => void }) {
  const { ws } = props;
  const [keys, setKeys] = useState<KeyView[]>([]);
  const [shown, setShown] = useState<KeyView[] | null>(null);
  const [error, setError] = useState('');
  const [note, setNote] = useState('');
  const load = () => call('GET', wsPath(ws, '/keys')).then((r) => setKeys(r.keys), (e) => setError(e.message));
  useEffect(() => {
    load();
  }, [ws]);
  const other = (k: string) => (k === 'primary' ? 'secondary' : 'primary');
  const rotate = async (kind: string) => {
    const ok = confirm(
      `Rotate the ${kind} key?\n\nAgents and Data Collector clients still signing with it are refused (403) from now on. ` +
        `Agents lose nothing: their spool keeps the events until they have the new key, and they read their key file again ` +
        `when it changes (no restart). To avoid the pause, give them the ${other(kind)} key first.`,
    );
    if (!ok) return;
    setError('');
    setNote('');
    try {
      const r = await call<KeyView>('POST', wsPath(ws, `/keys/${kind}/rotate`));
      setShown([r]);
      setNote(`The ${kind} key was replaced. Agents signing with the old one now wait with their events spooled: write the new key below into their key file (keyFile in wsec-agent.json).`);
      load();
      props.onChange();
    } catch (e: any) {
      setError(e.message);
    }
  };
  const reveal = async () => {
    setError('');
    try {
      setShown((await call('POST', wsPath(ws, '/keys/reveal'))).keys);
      props.onChange();
    } catch (e: any) {
      setError(e.message);
    }
  };
  return (
    <>
      <h2>Agent keys</h2>
      <p class="muted">
        Agents and Data Collector clients sign what they send with one of the workspace's two keys; both are valid at every
        moment. A key only sends events, heartbeats and logs and reads its DCRs: people and scripts use their login or an API token.
      </p>
      {error && <p class="error" role="alert">{error}</p>}
      <p role="status" class="ok" data-testid="keys-note">
        {note}
      </p>
      <table class="grid" aria-label="Agent keys">
        <thead>
          <tr>
            <th>Key</th>
            <th>Ends with</th>
            <th>Last rotated</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {keys.map((k) => (
            <tr>
              <td>{k.kind}</td>
              <td class="mono">{k.hint}</td>
              <td>{k.rotated ? new Date(k.rotated).toLocaleString() : 'never'}</td>
              <td>
                <button type="button" class="danger" aria-label={`Rotate the ${k.kind} key`} onClick={() => rotate(k.kind)}>
                  Rotate
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p>
        <button type="button" onClick={reveal}>
          Show keys
        </button>{' '}
        <span class="muted">(recorded in the audit log)</span>
      </p>
      {shown && (
        <dl class="card keys">
          {shown.map((k) => (
            <>
              <dt>{k.kind}</dt>
              <dd class="mono" data-key={k.kind}>
                {k.key}
              </dd>
            </>
          ))}
        </dl>
      )}
    </>
  );
}
const first = (r: any, ...keys: string[]) => keys.map((k) => r?.[k]).find((v) => v !== undefined);

export function Settings(props: { ctx: Ctx }) {
  const { ws } = props.ctx;
  const [users, setUsers] = useState<any[]>([]);
  const [tokens, setTokens] = useState<any[]>([]);
  const [audit, setAudit] = useState<any[]>([]);
  const [error, setError] = useState('');
  const [note, setNote] = useState('');
  const [nu, setNu] = useState({ name: '', password: '', role: 'reader' });
  const [nt, setNt] = useState({ name: '', role: 'reader' });
  const list = (r: any, key: string) => (Array.isArray(r) ? r : r?.[key] ?? []);
  const load = () => {
    call('GET', '/v1/users').then((r) => setUsers(list(r, 'users')), (e) => setError(e.message));
    call('GET', '/v1/tokens').then((r) => setTokens(list(r, 'tokens')), (e) => setError(e.message));
    call('GET', wsPath(ws, '/audit') + '?limit=50').then((r) => setAudit(list(r, 'entries')), () => setAudit([]));
  };
  useEffect(load, [ws]);
  const act = async (f: () => Promise<any>, done: (r: any) => string) => {
    setError('');
    setNote('');
    try {
      setNote(done(await f()));
      load();
    } catch (e: any) {
      setError(e.message);
    }
  };
  const addUser = (e: Event) => {
    e.preventDefault();
    act(
      () => call('POST', '/v1/users', { name: nu.name, password: nu.password, roles: { [ws]: nu.role } }),
      () => `User ${nu.name} created with role ${nu.role}`,
    ).then(() => setNu({ name: '', password: '', role: 'reader' }));
  };
  const setRole = (name: string, role: string) =>
    act(() => call('PUT', `/v1/users/${encodeURIComponent(name)}/roles`, { [ws]: role }), () => `${name} is now ${role}`);
  const addToken = (e: Event) => {
    e.preventDefault();
    act(
      () => call('POST', '/v1/tokens', { name: nt.name, workspace: ws, role: nt.role }),
      (r) => `Token created — copy it now, it is not shown again: ${first(r, 'token', 'secret', 'value') ?? JSON.stringify(r)}`,
    );
  };
  return (
    <section>
      <h1>Settings</h1>
      {error && <p class="error" role="alert">{error}</p>}
      <p role="status" class="ok mono">
        {note}
      </p>
      <h2>Users and roles</h2>
      <Rows
        rows={users.map((u) => ({ name: u.name, role: u.roles?.[ws] ?? '—', created: u.created }))}
        actions={(u) => {
          const name = u.name;
          return (
            <>
              <label class="field">
                Role{' '}
                <select aria-label={'Role of ' + name} onChange={(e) => setRole(name, (e.target as HTMLSelectElement).value)}>
                  <option value="">change…</option>
                  {roles.map((r) => (
                    <option value={r}>{r}</option>
                  ))}
                </select>
              </label>{' '}
              <button type="button" class="danger" aria-label={'Delete user ' + name}
                onClick={() => confirm(`Delete user ${name}?`) && act(() => call('DELETE', '/v1/users/' + encodeURIComponent(name)), () => `Deleted ${name}`)}>
                Delete
              </button>
            </>
          );
        }}
      />
      <form class="card form inline" onSubmit={addUser} aria-label="Add a user">
        <label for="nu-name">User</label>
        <input id="nu-name" value={nu.name} required onInput={(e) => setNu({ ...nu, name: (e.target as HTMLInputElement).value })} />
        <label for="nu-pass">Password</label>
        <input id="nu-pass" type="password" autocomplete="new-password" value={nu.password} required minLength={12}
          onInput={(e) => setNu({ ...nu, password: (e.target as HTMLInputElement).value })} />
        <label for="nu-role">Role</label>
        <select id="nu-role" value={nu.role} onChange={(e) => setNu({ ...nu, role: (e.target as HTMLSelectElement).value })}>
          {roles.map((r) => (
            <option value={r}>{r}</option>
          ))}
        </select>
        <button type="submit">Add user</button>
      </form>
      <h2>API tokens</h2>
      <Rows
        rows={tokens.filter((t) => !t.workspace || t.workspace === ws)}
        actions={(t) => (
          <button type="button" class="danger" aria-label={'Revoke token ' + first(t, 'name', 'id')}
            onClick={() => act(() => call('DELETE', '/v1/tokens/' + encodeURIComponent(first(t, 'id', 'name'))), () => 'Token revoked')}>
            Revoke
          </button>
        )}
      />
      <form class="card form inline" onSubmit={addToken} aria-label="Create a token">
        <label for="nt-name">Token name</label>
        <input id="nt-name" value={nt.name} required onInput={(e) => setNt({ ...nt, name: (e.target as HTMLInputElement).value })} />
        <label for="nt-role">Role</label>
        <select id="nt-role" value={nt.role} onChange={(e) => setNt({ ...nt, role: (e.target as HTMLSelectElement).value })}>
          {roles.map((r) => (
            <option value={r}>{r}</option>
          ))}
        </select>
        <button type="submit">Create token</button>
      </form>
      <AgentKeys ws={ws} onChange={load} />
      <Retention ws={ws} onChange={load} />
      <h2>Audit (latest changes)</h2>
      <Rows rows={audit} label="Audit" />
    </section>
  );
}
