// The JSON APIs of wsec serve, called with the session cookie; every
// state-changing request carries the session's CSRF token.

export type Role = 'reader' | 'responder' | 'admin';
export interface Session {
  user: string;
  csrf: string;
  workspaces: { id: string; role: Role }[];
}

export class ApiError extends Error {
  constructor(public status: number, message: string, public inner?: any, public details?: any[]) {
    super(message);
  }
}

let csrf = '';

export async function call<T = any>(method: string, path: string, body?: unknown, raw?: string): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined || raw !== undefined) headers['Content-Type'] = raw !== undefined ? 'application/x-yaml' : 'application/json';
  if (method !== 'GET' && csrf) headers['X-CSRF-Token'] = csrf;
  const res = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    body: raw !== undefined ? raw : body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let data: any = undefined;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    if (!res.ok) throw new ApiError(res.status, `${method} ${path}: ${res.status} ${text.slice(0, 200)}`);
    throw new ApiError(res.status, `${method} ${path}: the answer is not JSON`);
  }
  if (!res.ok) {
    const e = data?.error;
    const msg = typeof e === 'string' ? e : e?.message ?? `${method} ${path}: HTTP ${res.status}`;
    throw new ApiError(res.status, msg, typeof e === 'object' ? e?.innererror : undefined, typeof e === 'object' ? e?.details : undefined);
  }
  return data as T;
}

export async function getSession(): Promise<Session | null> {
  try {
    const s = await call<Session>('GET', '/v1/session');
    csrf = s.csrf;
    return s;
  } catch (e) {
    if (e instanceof ApiError && (e.status === 401 || e.status === 404)) return null;
    throw e;
  }
}

export async function login(user: string, password: string): Promise<Session> {
  const s = await call<Session>('POST', '/v1/session', { user, password });
  csrf = s.csrf;
  return s;
}

export async function logout(): Promise<void> {
  await call('DELETE', '/v1/session');
  csrf = '';
}

export const wsPath = (ws: string, rest: string) => `/v1/workspaces/${encodeURIComponent(ws)}${rest}`;

export interface Column {
  name: string;
  type: string;
}
export interface Result {
  columns: Column[];
  rows: any[][];
  render?: Record<string, string>;
  partial?: string;
  ms: number;
}

export async function query(ws: string, kql: string, timespan: string): Promise<Result> {
  const t0 = performance.now();
  const body: any = { query: kql };
  if (timespan) body.timespan = timespan;
  const r = await call('POST', wsPath(ws, '/query'), body);
  const t = r.tables?.[0] ?? { columns: [], rows: [] };
  return {
    columns: t.columns,
    rows: t.rows,
    render: r.render,
    partial: r.error?.details?.[0]?.message,
    ms: Math.round(performance.now() - t0),
  };
}

export interface TableSchema {
  name: string;
  columns: Column[];
}
let schemaCache: Promise<TableSchema[]> | null = null;
export function tables(ws: string): Promise<TableSchema[]> {
  if (!schemaCache) {
    schemaCache = call('GET', wsPath(ws, '/tables')).then((r) => r.tables as TableSchema[]);
    schemaCache.catch(() => (schemaCache = null));
  }
  return schemaCache;
}
