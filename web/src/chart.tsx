import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import type { Result } from './api';

const palette = ['#2f6fd0', '#d9822b', '#2e9e6a', '#c23c3c', '#7d57c1', '#8c6d46', '#d35fb0', '#6b7280', '#b5a33a', '#2aa7b8'];
const numeric = new Set(['int', 'long', 'real', 'decimal']);

export interface Shaped {
  time: boolean; // x is datetime (seconds)
  x: number[];
  labels: string[]; // category names when !time
  series: { name: string; values: (number | null)[] }[];
}

// shape turns a result into chart series the way Kusto's render does: x is
// the xcolumn property or the first datetime (else string) column, y the
// ycolumns or every numeric column, and a further string column splits
// the series (summarize count() by bin(TimeGenerated, 1h), Channel).
export function shape(r: Result, props: Record<string, string> = {}): Shaped | null {
  const cols = r.columns;
  const find = (name?: string) => (name ? cols.findIndex((c) => c.name === name) : -1);
  let xi = find(props.xcolumn);
  if (xi < 0) xi = cols.findIndex((c) => c.type === 'datetime');
  if (xi < 0) xi = cols.findIndex((c) => !numeric.has(c.type));
  if (xi < 0) xi = 0;
  const time = cols[xi]?.type === 'datetime';
  let ys = (props.ycolumns ?? '').split(',').map((s) => find(s.trim())).filter((i) => i >= 0);
  if (!ys.length) ys = cols.map((c, i) => (i !== xi && numeric.has(c.type) ? i : -1)).filter((i) => i >= 0);
  if (!ys.length) return null;
  const si = cols.findIndex((c, i) => i !== xi && !ys.includes(i) && !numeric.has(c.type) && c.type !== 'datetime');
  const key = (v: any) => (time ? Date.parse(v) / 1000 : String(v ?? ''));
  const xs: (number | string)[] = [];
  const xIndex = new Map<number | string, number>();
  for (const row of r.rows) {
    const k = key(row[xi]);
    if (typeof k === 'number' && isNaN(k)) continue;
    if (!xIndex.has(k)) {
      xIndex.set(k, xs.length);
      xs.push(k);
    }
  }
  if (time) {
    (xs as number[]).sort((a, b) => a - b);
    xs.forEach((k, i) => xIndex.set(k, i));
  }
  const series = new Map<string, (number | null)[]>();
  for (const row of r.rows) {
    const i = xIndex.get(key(row[xi]));
    if (i === undefined) continue;
    for (const y of ys) {
      const name = si >= 0 ? String(row[si] ?? '') + (ys.length > 1 ? ' · ' + cols[y].name : '') : cols[y].name;
      let vals = series.get(name);
      if (!vals) {
        vals = new Array(xs.length).fill(time ? 0 : null);
        series.set(name, vals);
      }
      const v = row[y] === null ? null : Number(row[y]);
      vals[i] = (vals[i] ?? 0) + (v ?? 0);
    }
  }
  return {
    time,
    x: time ? (xs as number[]) : xs.map((_, i) => i),
    labels: time ? [] : xs.map(String),
    series: [...series.entries()].slice(0, 20).map(([name, values]) => ({ name, values })),
  };
}

const drawable = new Set(['timechart', 'linechart', 'areachart', 'stackedareachart', 'scatterchart', 'columnchart', 'barchart', 'piechart']);
export const canDraw = (visual?: string) => !!visual && drawable.has(visual);

// Chart draws a result as its render hint asks.
export function Chart(props: { result: Result; visual: string; props?: Record<string, string>; height?: number }) {
  const host = useRef<HTMLDivElement>(null);
  const data = shape(props.result, props.props);
  useEffect(() => {
    const el = host.current;
    if (!el || !data || props.visual === 'piechart') return;
    const bars = props.visual === 'columnchart' || props.visual === 'barchart';
    const area = props.visual === 'areachart' || props.visual === 'stackedareachart';
    const scatter = props.visual === 'scatterchart';
    const opts: uPlot.Options = {
      width: Math.max(el.clientWidth, 300),
      height: props.height ?? 260,
      title: props.props?.title,
      scales: {
        x: data.time ? { time: true } : { time: false, range: (_u, min, max) => [min - 0.5, max + 0.5] },
        y: bars || area ? { range: (_u, _min, max) => [0, max > 0 ? max * 1.05 : 1] } : {},
      },
      legend: { show: data.series.length > 1 || !bars },
      axes: [
        data.time
          ? {}
          : { splits: () => data.x, values: (_u, splits) => splits.map((s) => (data.labels[s] ?? '').slice(0, 18)), gap: 4 },
        { size: 60 },
      ],
      series: [
        {},
        ...data.series.map((s, i) => ({
          label: s.name,
          stroke: palette[i % palette.length],
          fill: area || bars ? palette[i % palette.length] + (bars ? 'cc' : '40') : undefined,
          width: scatter ? 0 : 1.5,
          points: { show: scatter || data.x.length < 3, size: scatter ? 5 : 4 },
          paths: bars ? uPlot.paths.bars!({ size: [0.7 / data.series.length, 60], align: 0, gap: 1 }) : undefined,
        })),
      ],
    };
    const plot = new uPlot(opts, [data.x, ...data.series.map((s) => s.values)] as uPlot.AlignedData, el);
    const ro = new ResizeObserver(() => plot.setSize({ width: Math.max(el.clientWidth, 300), height: opts.height }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      plot.destroy();
    };
  }, [props.result, props.visual]);
  if (!data) return <p class="muted">Nothing to draw: the result has no numeric column.</p>;
  if (props.visual === 'piechart') return <Pie data={data} title={props.props?.title} />;
  return <div class="chart" ref={host} role="img" aria-label={(props.props?.title ?? props.visual) + ' of ' + data.series.map((s) => s.name).join(', ')} />;
}

function Pie(props: { data: Shaped; title?: string }) {
  const vals = props.data.series[0].values.map((v) => Math.max(v ?? 0, 0));
  const total = vals.reduce((a, b) => a + b, 0) || 1;
  let angle = -Math.PI / 2;
  const slices = vals.map((v, i) => {
    const a0 = angle;
    angle += (v / total) * 2 * Math.PI;
    const large = angle - a0 > Math.PI ? 1 : 0;
    const p = (a: number) => `${100 + 90 * Math.cos(a)},${100 + 90 * Math.sin(a)}`;
    const d = v >= total ? 'M10,100 a90,90 0 1,0 180,0 a90,90 0 1,0 -180,0' : `M100,100 L${p(a0)} A90,90 0 ${large},1 ${p(angle)} Z`;
    return <path d={d} fill={palette[i % palette.length]} />;
  });
  return (
    <figure class="pie">
      {props.title && <figcaption>{props.title}</figcaption>}
      <svg viewBox="0 0 200 200" width="180" height="180" role="img" aria-label={props.title ?? 'pie chart'}>
        {slices}
      </svg>
      <ul>
        {props.data.labels.map((l, i) => (
          <li>
            <span class="swatch" style={{ background: palette[i % palette.length] }} /> {l || '(empty)'}: {vals[i]}
          </li>
        ))}
      </ul>
    </figure>
  );
}
