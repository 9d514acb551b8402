import { useMemo, useState } from 'preact/hooks';
import type { Result } from './api';

// cellText is how a cell shows in the grid and in exports.
export function cellText(v: any): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function isStructured(v: any): boolean {
  return typeof v === 'string' && (v.startsWith('{') || v.startsWith('[') || v.startsWith('<'));
}

function pretty(v: any): string {
  if (typeof v === 'string' && (v.startsWith('{') || v.startsWith('['))) {
    try {
      return JSON.stringify(JSON.parse(v), null, 2);
    } catch {
      /* not JSON: shown as is */
    }
  }
  if (typeof v === 'string' && v.startsWith('<')) return v.replace(/></g, '>\n<');
  return cellText(v);
}

export function toCSV(r: Result): string {
  const q = (s: string) => (/[",\n\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s);
  const lines = [r.columns.map((c) => q(c.name)).join(',')];
  for (const row of r.rows) lines.push(row.map((v) => q(cellText(v))).join(','));
  return lines.join('\r\n') + '\r\n';
}

function download(name: string, text: string, type: string) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([text], { type }));
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

const pageRows = 200;

// Grid shows a result: click a header (or Enter on it) to sort, a row to
// expand it with every column in full (dynamic and EventData pretty
// printed); Copy puts the rows as TSV on the clipboard, CSV downloads.
export function Grid(props: { result: Result; name?: string }) {
  const { result } = props;
  const [sort, setSort] = useState<{ col: number; desc: boolean } | null>(null);
  const [open, setOpen] = useState<number | null>(null);
  const [shown, setShown] = useState(pageRows);
  const [note, setNote] = useState('');
  const rows = useMemo(() => {
    const idx = result.rows.map((_, i) => i);
    if (sort) {
      const num = ['int', 'long', 'real', 'decimal'].includes(result.columns[sort.col]?.type);
      idx.sort((a, b) => {
        const x = result.rows[a][sort.col];
        const y = result.rows[b][sort.col];
        let c: number;
        if (x === null || x === undefined) c = y === null || y === undefined ? 0 : -1;
        else if (y === null || y === undefined) c = 1;
        else c = num ? Number(x) - Number(y) : cellText(x) < cellText(y) ? -1 : cellText(x) > cellText(y) ? 1 : 0;
        return sort.desc ? -c : c;
      });
    }
    return idx;
  }, [result, sort]);
  const toggle = (i: number) => setSort(sort && sort.col === i ? { col: i, desc: !sort.desc } : { col: i, desc: false });
  const copy = async () => {
    const tsv = [result.columns.map((c) => c.name).join('\t'), ...result.rows.map((r) => r.map(cellText).join('\t'))].join('\n');
    try {
      await navigator.clipboard.writeText(tsv);
      setNote('Copied ' + result.rows.length + ' rows');
    } catch {
      setNote('The browser refused the clipboard; use CSV export');
    }
  };
  return (
    <div class="grid-wrap">
      <div class="toolbar">
        <span class="muted">
          {result.rows.length} rows{result.ms ? ` · ${result.ms} ms` : ''}
        </span>
        <button type="button" onClick={copy}>
          Copy
        </button>
        <button type="button" onClick={() => download((props.name ?? 'result') + '.csv', toCSV(result), 'text/csv')}>
          Export CSV
        </button>
        <span class="muted" role="status">
          {note}
        </span>
      </div>
      {result.partial && <p class="warn">{result.partial}</p>}
      <div class="grid-scroll">
        <table class="grid">
          <thead>
            <tr>
              <th aria-label="expand" />
              {result.columns.map((c, i) => (
                <th
                  tabIndex={0}
                  aria-sort={sort?.col === i ? (sort.desc ? 'descending' : 'ascending') : 'none'}
                  onClick={() => toggle(i)}
                  onKeyDown={(e) => e.key === 'Enter' && toggle(i)}
                  title={c.type}
                >
                  {c.name}
                  {sort?.col === i ? (sort.desc ? ' ▼' : ' ▲') : ''}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.slice(0, shown).map((ri) => {
              const row = result.rows[ri];
              return [
                <tr class={open === ri ? 'open' : ''}>
                  <td>
                    <button type="button" class="link" aria-expanded={open === ri} aria-label={'Expand row ' + (ri + 1)} onClick={() => setOpen(open === ri ? null : ri)}>
                      {open === ri ? '▾' : '▸'}
                    </button>
                  </td>
                  {row.map((v) => (
                    <td title={isStructured(v) ? 'expand the row to see it in full' : undefined}>{cellText(v).slice(0, 200)}</td>
                  ))}
                </tr>,
                open === ri && (
                  <tr class="detail">
                    <td />
                    <td colSpan={result.columns.length}>
                      <dl>
                        {result.columns.map((c, i) => (
                          <>
                            <dt>{c.name}</dt>
                            <dd>
                              <pre>{pretty(row[i])}</pre>
                            </dd>
                          </>
                        ))}
                      </dl>
                    </td>
                  </tr>
                ),
              ];
            })}
          </tbody>
        </table>
      </div>
      {rows.length > shown && (
        <button type="button" onClick={() => setShown(shown + pageRows * 5)}>
          Show more ({rows.length - shown} left)
        </button>
      )}
    </div>
  );
}
