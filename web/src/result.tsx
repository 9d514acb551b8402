import type { Result } from './api';
import { Chart, canDraw } from './chart';
import { Grid } from './grid';

// ResultView shows a result as its render hint asks: a chart above the
// grid, or the grid alone.
export function ResultView(props: { result: Result; name?: string; visual?: string; compact?: boolean }) {
  const visual = props.visual || props.result.render?.visualization;
  const chart = canDraw(visual) ? <Chart result={props.result} visual={visual!} props={props.result.render} height={props.compact ? 200 : 280} /> : null;
  if (props.compact && chart) return chart;
  return (
    <>
      {chart}
      <Grid result={props.result} name={props.name} />
    </>
  );
}
