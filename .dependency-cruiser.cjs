/**
 * The layering rule, checked by `npm run lint` (so by `npm test` and CI). Imports run one way:
 *   app/ (the composition root: CLI and wiring) -> plugins/ (sources, sinks), codecs/ (formats) -> src/ (the core)
 * A plugin never imports another plugin or a codec (sources are handed codecs by app/), a codec never imports a
 * plugin or another codec, the core imports none of them, and nothing but tests imports test support.
 */
const TESTS = '\\.test\\.ts$';

module.exports = {
  forbidden: [
    {
      name: 'core-imports-outer-layer',
      comment: 'src/ is the core: it never imports a plugin, a codec or the composition root (app/).',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(plugins|codecs|app|bench|scripts)/' },
    },
    {
      name: 'plugin-imports-plugin',
      comment: 'A plugin never talks to another plugin: what two plugins share belongs in src/.',
      severity: 'error',
      from: { path: '^plugins/([^/]+)/' },
      to: { path: '^plugins/', pathNot: '^plugins/$1/' },
    },
    {
      name: 'plugin-imports-codec',
      comment: 'Sources are given their codecs by the composition root (app/wiring/codecs.ts).',
      severity: 'error',
      from: { path: '^plugins/' },
      to: { path: '^codecs/' },
    },
    {
      name: 'codec-imports-plugin-or-codec',
      comment: 'A codec is bytes or lines in, records out: it knows no source, sink or other codec.',
      severity: 'error',
      from: { path: '^codecs/([^/]+)/' },
      to: { path: '^(plugins|codecs)/', pathNot: '^codecs/$1/' },
    },
    {
      name: 'layer-imports-composition-root',
      comment: 'Only the composition root (app/) knows the whole house; nothing below imports it.',
      severity: 'error',
      from: { path: '^(src|plugins|codecs)/' },
      to: { path: '^app/' },
    },
    {
      name: 'code-imports-test-support',
      comment: 'Test support is for tests and benchmarks only; it is not built into dist/.',
      severity: 'error',
      from: { path: '^(src|plugins|codecs|app)/', pathNot: TESTS },
      to: { path: '^test/' },
    },
    {
      name: 'no-circular',
      comment: 'An import cycle hides which module depends on which.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist|build)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
