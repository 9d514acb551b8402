import type { Ctx } from '../app';

export function Incidents(_props: { ctx: Ctx }) {
  return (
    <section>
      <h1>Incidents</h1>
    </section>
  );
}
