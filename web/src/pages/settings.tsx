import type { Ctx } from '../app';

export function Settings(_props: { ctx: Ctx }) {
  return (
    <section>
      <h1>Settings</h1>
    </section>
  );
}
