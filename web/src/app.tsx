import { useEffect, useState } from 'preact/hooks';
import { getSession, logout, type Role, type Session } from './api';
import { Login } from './pages/login';
import { Logs } from './pages/logs';
import { Overview } from './pages/overview';
import { Workbooks } from './pages/workbooks';
import { Incidents } from './pages/incidents';
import { Analytics } from './pages/analytics';
import { Connectors } from './pages/connectors';
import { Settings } from './pages/settings';

export interface Ctx {
  session: Session;
  ws: string;
  role: Role;
  path: string;
  nav: (path: string) => void;
}

const rank: Record<Role, number> = { reader: 0, responder: 1, admin: 2 };
export const allowed = (have: Role, need: Role) => rank[have] >= rank[need];

interface Page {
  path: string;
  label: string;
  need: Role;
  render: (c: Ctx) => any;
}
const pages: Page[] = [
  { path: '/', label: 'Overview', need: 'reader', render: (c) => <Overview ctx={c} /> },
  { path: '/logs', label: 'Logs', need: 'reader', render: (c) => <Logs ctx={c} /> },
  { path: '/workbooks', label: 'Workbooks', need: 'reader', render: (c) => <Workbooks ctx={c} /> },
  { path: '/incidents', label: 'Incidents', need: 'reader', render: (c) => <Incidents ctx={c} /> },
  { path: '/analytics', label: 'Analytics', need: 'admin', render: (c) => <Analytics ctx={c} /> },
  { path: '/connectors', label: 'Data connectors', need: 'admin', render: (c) => <Connectors ctx={c} /> },
  { path: '/settings', label: 'Settings', need: 'admin', render: (c) => <Settings ctx={c} /> },
];

function pageOf(path: string): Page | undefined {
  return pages.find((p) => (p.path === '/' ? path === '/' : path === p.path || path.startsWith(p.path + '/')));
}

// Forbidden is what a page needing a higher role shows instead of itself.
export function Forbidden(props: { need: Role; role: Role }) {
  return (
    <section class="forbidden" role="alert">
      <h1>403 — not allowed</h1>
      <p>
        This page needs the <b>{props.need}</b> role in this workspace; you are a <b>{props.role}</b>. Ask an admin to change
        your role in Settings.
      </p>
    </section>
  );
}

export function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [path, setPath] = useState(location.pathname + location.search);
  const [wsIndex, setWsIndex] = useState(0);
  const [error, setError] = useState('');
  useEffect(() => {
    getSession().then(setSession, (e) => setError(String(e.message ?? e)));
    const onPop = () => setPath(location.pathname + location.search);
    addEventListener('popstate', onPop);
    // Links inside the application change the page without reloading it.
    const onClick = (e: MouseEvent) => {
      const a = (e.target as Element).closest?.('a');
      if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || a.target || a.hasAttribute('download')) return;
      const url = new URL(a.href, location.href);
      if (url.origin !== location.origin || url.pathname.startsWith('/v1/') || url.pathname.startsWith('/assets/')) return;
      e.preventDefault();
      history.pushState(null, '', url.pathname + url.search);
      setPath(url.pathname + url.search);
    };
    document.addEventListener('click', onClick);
    return () => {
      removeEventListener('popstate', onPop);
      document.removeEventListener('click', onClick);
    };
  }, []);
  const nav = (p: string) => {
    if (p !== location.pathname + location.search) history.pushState(null, '', p);
    setPath(location.pathname + location.search);
  };
  if (error) return <p class="error" role="alert">wsec cannot start: {error}</p>;
  if (session === undefined) return <p class="boot">Loading wsec…</p>;
  if (session === null || !session.workspaces?.length)
    return (
      <Login
        noWorkspace={session !== null}
        onLogin={(s) => {
          setSession(s);
          if (location.pathname === '/login') nav('/');
        }}
      />
    );
  const w = session.workspaces[Math.min(wsIndex, session.workspaces.length - 1)];
  const route = path.split('?')[0];
  const ctx: Ctx = { session, ws: w.id, role: w.role, path: route, nav };
  const page = pageOf(route);
  const doLogout = async () => {
    try {
      await logout();
    } finally {
      setSession(null);
      nav('/');
    }
  };
  return (
    <div class="shell">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header>
        <span class="brand">wsec</span>
        <nav aria-label="Pages">
          {pages
            .filter((p) => allowed(w.role, p.need))
            .map((p) => (
              <a
                href={p.path}
                aria-current={page === p ? 'page' : undefined}
                onClick={(e) => {
                  e.preventDefault();
                  nav(p.path);
                }}
              >
                {p.label}
              </a>
            ))}
        </nav>
        <span class="spacer" />
        {session.workspaces.length > 1 && (
          <label class="field">
            Workspace{' '}
            <select value={wsIndex} onChange={(e) => setWsIndex(Number((e.target as HTMLSelectElement).value))}>
              {session.workspaces.map((x, i) => (
                <option value={i}>{x.id}</option>
              ))}
            </select>
          </label>
        )}
        <span class="muted" title={'workspace ' + w.id}>
          {session.user} ({w.role})
        </span>
        <button type="button" onClick={doLogout}>
          Sign out
        </button>
      </header>
      <main id="main" key={w.id + path}>
        {!page ? (
          <section>
            <h1>Not found</h1>
            <p>No page {route}.</p>
          </section>
        ) : allowed(w.role, page.need) ? (
          page.render(ctx)
        ) : (
          <Forbidden need={page.need} role={w.role} />
        )}
      </main>
    </div>
  );
}
