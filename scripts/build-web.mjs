// The web console's bundle: web/main.ts with uPlot and the stylesheet, into dist/web, which `flowtrail serve`
// serves as it is. Everything the pages load comes from here: nothing is fetched from elsewhere at run time.
import { copyFileSync, mkdirSync } from 'node:fs';
import { build } from 'esbuild';

mkdirSync('dist/web', { recursive: true });
await build({
  entryPoints: { console: 'web/main.ts' },
  bundle: true,
  format: 'esm',
  target: 'es2022',
  minify: true,
  outdir: 'dist/web',
  logLevel: 'warning',
});
copyFileSync('web/index.html', 'dist/web/index.html');
