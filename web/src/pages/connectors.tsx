import type { Ctx } from '../app';

export function Connectors(_props: { ctx: Ctx }) {
  return (
    <section>
      <h1>Connectors</h1>
    </section>
  );
}
