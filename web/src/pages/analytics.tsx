import type { Ctx } from '../app';

export function Analytics(_props: { ctx: Ctx }) {
  return (
    <section>
      <h1>Analytics</h1>
    </section>
  );
}
