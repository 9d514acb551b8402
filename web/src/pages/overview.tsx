import { useEffect, useState } from 'preact/hooks';
import { call, wsPath } from '../api';
import type { Ctx } from '../app';
import { RangePicker } from '../time';
import { ParamBar, TileView, type Params, type Workbook } from '../tile';

// WorkbookView shows a workbook's tiles under its parameters.
export function WorkbookView(props: { ctx: Ctx; wb: Workbook; tileActions?: (i: number) => any; heading?: any }) {
  const [range, setRange] = useState('P1D');
  const [params, setParams] = useState<Params>({ Computer: '', Account: '' });
  return (
    <>
      <ParamBar range={range} setRange={setRange} params={params} setParams={setParams}>
        <RangePicker value={range} onChange={setRange} />
      </ParamBar>
      <div class="tiles">
        {props.wb.tiles.map((t, i) => (
          <TileView ws={props.ctx.ws} tile={t} range={range} params={params} actions={props.tileActions?.(i)} />
        ))}
      </div>
    </>
  );
}

export function Overview(props: { ctx: Ctx }) {
  const [wb, setWb] = useState<Workbook | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    call<Workbook>('GET', wsPath(props.ctx.ws, '/workbooks/overview')).then(setWb, (e) => setError(e.message));
  }, [props.ctx.ws]);
  return (
    <section>
      <h1>{wb?.name ?? 'Overview'}</h1>
      {wb?.description && <p class="muted">{wb.description}</p>}
      {error && <p class="error" role="alert">{error}</p>}
      {wb && <WorkbookView ctx={props.ctx} wb={wb} />}
    </section>
  );
}
