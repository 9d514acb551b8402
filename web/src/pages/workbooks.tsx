import type { Ctx } from '../app';

export function Workbooks(_props: { ctx: Ctx }) {
  return (
    <section>
      <h1>Workbooks</h1>
    </section>
  );
}
