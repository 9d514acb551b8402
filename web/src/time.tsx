// Time ranges as the query API's ISO 8601 timespan.
export const ranges: { label: string; value: string }[] = [
  { label: 'Last hour', value: 'PT1H' },
  { label: 'Last 4 hours', value: 'PT4H' },
  { label: 'Last 24 hours', value: 'P1D' },
  { label: 'Last 7 days', value: 'P7D' },
  { label: 'Last 30 days', value: 'P30D' },
  { label: 'All time', value: '' },
];

export function RangePicker(props: { value: string; onChange: (v: string) => void; id?: string }) {
  const id = props.id ?? 'range';
  return (
    <label for={id} class="field">
      Time range{' '}
      <select id={id} value={props.value} onChange={(e) => props.onChange((e.target as HTMLSelectElement).value)}>
        {ranges.map((r) => (
          <option value={r.value}>{r.label}</option>
        ))}
      </select>
    </label>
  );
}

export function fmtTime(s: string | undefined): string {
  if (!s || s.startsWith('0001-')) return '—';
  return s.replace('T', ' ').replace(/(\.\d{3})\d*Z$/, '$1Z');
}
