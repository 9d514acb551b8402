// Builds the UI into ../internal/ui/dist, which the wsec binary embeds.
// The output is deterministic (fixed file names, no timestamps, no source
// maps), so CI can rebuild it from source and compare with the commit.
import { build } from 'esbuild';
import { rmSync, mkdirSync, copyFileSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';

const out = new URL('../internal/ui/dist/', import.meta.url).pathname;
rmSync(out, { recursive: true, force: true });
mkdirSync(out + 'assets', { recursive: true });
const result = await build({
  metafile: true,
  entryPoints: { app: 'src/main.tsx' },
  bundle: true,
  minify: true,
  format: 'esm',
  splitting: true,
  chunkNames: 'chunk-[hash]',
  target: 'es2020',
  outdir: out + 'assets',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  legalComments: 'none',
  charset: 'utf8',
  logLevel: 'warning',
});
copyFileSync('index.html', out + 'index.html');

// The licences of the bundled packages, beside the bundle (legal comments
// are stripped from it to keep it small).
const pkgs = new Set();
for (const input of Object.keys(result.metafile.inputs)) {
  const m = input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//);
  if (m) pkgs.add(m[1]);
}
let licences = 'Third-party software bundled in the wsec web interface.\n';
for (const name of [...pkgs].sort()) {
  const dir = 'node_modules/' + name + '/';
  const pj = JSON.parse(readFileSync(dir + 'package.json', 'utf8'));
  const file = readdirSync(dir).find((f) => /^licen[cs]e/i.test(f));
  licences += `\n== ${name} ${pj.version} (${pj.license}) ==\n` + (file ? readFileSync(dir + file, 'utf8') : '') + '\n';
}
writeFileSync(out + 'assets/LICENSES.txt', licences);
