import { useEffect, useState } from 'preact/hooks';
import { call, wsPath } from '../api';
import type { Ctx } from '../app';
import type { Tile, Workbook } from '../tile';
import { fmtTime } from '../time';
import { WorkbookView } from './overview';

interface Summary {
  id: string;
  name: string;
  tiles: number;
  updated?: string;
  updatedBy?: string;
  builtIn?: boolean;
}

const visuals = ['', 'table', 'timechart', 'columnchart', 'barchart', 'piechart', 'areachart', 'scatterchart'];
const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 64) || 'workbook';

function TileForm(props: { onAdd: (t: Tile) => void }) {
  const [t, setT] = useState<Tile>({ title: '', query: '', visual: '', wide: false });
  const submit = (e: Event) => {
    e.preventDefault();
    props.onAdd({ ...t, visual: t.visual || undefined, wide: t.wide || undefined });
    setT({ title: '', query: '', visual: '', wide: false });
  };
  return (
    <form class="card form" onSubmit={submit} aria-label="Add a tile">
      <h2>Add a tile</h2>
      <label for="tile-title">Title</label>
      <input id="tile-title" value={t.title} required onInput={(e) => setT({ ...t, title: (e.target as HTMLInputElement).value })} />
      <label for="tile-query">KQL query ({'{Computer}'} and {'{Account}'} are the workbook's parameters)</label>
      <textarea id="tile-query" rows={4} class="mono" value={t.query} required onInput={(e) => setT({ ...t, query: (e.target as HTMLTextAreaElement).value })} />
      <label for="tile-visual">Draw as</label>
      <select id="tile-visual" value={t.visual} onChange={(e) => setT({ ...t, visual: (e.target as HTMLSelectElement).value })}>
        {visuals.map((v) => (
          <option value={v}>{v || "the query's render"}</option>
        ))}
      </select>
      <label class="check">
        <input type="checkbox" checked={t.wide} onChange={(e) => setT({ ...t, wide: (e.target as HTMLInputElement).checked })} /> Full width
      </label>
      <button type="submit">Add tile</button>
    </form>
  );
}

export function Workbooks(props: { ctx: Ctx }) {
  const { ctx } = props;
  const [list, setList] = useState<Summary[]>([]);
  const [wb, setWb] = useState<Workbook | null>(null);
  const [error, setError] = useState('');
  const [editing, setEditing] = useState(false);
  const [newName, setNewName] = useState('');
  const selected = new URLSearchParams(location.search).get('id');
  const load = () => call('GET', wsPath(ctx.ws, '/workbooks')).then((r) => setList(r.workbooks), (e) => setError(e.message));
  useEffect(() => {
    load();
  }, [ctx.ws]);
  useEffect(() => {
    setWb(null);
    setEditing(false);
    if (selected) call<Workbook>('GET', wsPath(ctx.ws, '/workbooks/' + selected)).then(setWb, (e) => setError(e.message));
  }, [ctx.ws, selected]);
  const save = async (next: Workbook) => {
    setError('');
    try {
      const saved = await call<Workbook>('PUT', wsPath(ctx.ws, '/workbooks/' + next.id), {
        name: next.name,
        description: next.description,
        tiles: next.tiles,
      });
      setWb(saved);
      load();
    } catch (e: any) {
      setError(e.message);
    }
  };
  const create = async (e: Event) => {
    e.preventDefault();
    let id = slug(newName);
    while (list.some((w) => w.id === id)) id += '-2';
    await save({ id, name: newName, tiles: [] });
    setNewName('');
    ctx.nav('/workbooks?id=' + id);
  };
  const remove = async () => {
    if (!wb || !confirm(`Delete workbook "${wb.name}"?`)) return;
    try {
      await call('DELETE', wsPath(ctx.ws, '/workbooks/' + wb.id));
      ctx.nav('/workbooks');
      load();
    } catch (e: any) {
      setError(e.message);
    }
  };
  return (
    <section class="split">
      <aside aria-label="Workbooks">
        <h1>Workbooks</h1>
        <ul class="list">
          {list.map((w) => (
            <li>
              <a
                href={'/workbooks?id=' + w.id}
                aria-current={w.id === selected ? 'page' : undefined}
                onClick={(e) => {
                  e.preventDefault();
                  ctx.nav('/workbooks?id=' + w.id);
                }}
              >
                {w.name}
              </a>
              <span class="muted">
                {' '}
                {w.tiles} tiles{w.updatedBy ? ' · ' + w.updatedBy : ''}
              </span>
            </li>
          ))}
        </ul>
        <form onSubmit={create} class="form">
          <label for="wb-new">New workbook</label>
          <input id="wb-new" value={newName} required placeholder="Name" onInput={(e) => setNewName((e.target as HTMLInputElement).value)} />
          <button type="submit">Create</button>
        </form>
      </aside>
      <div class="content">
        {error && <p class="error" role="alert">{error}</p>}
        {!wb && !selected && <p class="muted">Choose a workbook, or create one. Workbooks are shared by everyone in the workspace.</p>}
        {wb && (
          <>
            <div class="toolbar">
              <h2 class="title">{wb.name}</h2>
              <span class="muted">{wb.builtIn ? 'built in' : `saved ${fmtTime(wb.updated)}${wb.updatedBy ? ' by ' + wb.updatedBy : ''}`}</span>
              <button type="button" aria-pressed={editing} onClick={() => setEditing(!editing)}>
                {editing ? 'Done' : 'Edit'}
              </button>
              {!wb.builtIn && (
                <button type="button" class="danger" onClick={remove}>
                  Delete
                </button>
              )}
            </div>
            {editing && <TileForm onAdd={(t) => save({ ...wb, tiles: [...wb.tiles, t] })} />}
            <WorkbookView
              ctx={ctx}
              wb={wb}
              tileActions={
                editing
                  ? (i) => (
                      <button type="button" class="link" aria-label={'Remove tile ' + wb.tiles[i].title} onClick={() => save({ ...wb, tiles: wb.tiles.filter((_, j) => j !== i) })}>
                        Remove
                      </button>
                    )
                  : undefined
              }
            />
          </>
        )}
      </div>
    </section>
  );
}
