import type { Ctx } from '../app';

export function Overview(_props: { ctx: Ctx }) {
  return (
    <section>
      <h1>Overview</h1>
    </section>
  );
}
