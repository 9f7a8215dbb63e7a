/**
 * The layering rule, checked by `npm run lint` (so by `npm test` and CI). Imports run one way:
 *   app/ (the composition root: CLI and wiring) -> plugins/ (sources, sinks), codecs/ (formats) -> src/ (the core)
 * A plugin never imports another plugin or a codec (sources are handed codecs by app/), a codec never imports a
 * plugin or another codec, the core imports none of them, and nothing but tests imports test support.
 */
const TESTS = '\\.test\\.ts$';

/** A forbidden import: a module matching `from` importing one matching `to`. Every break of the layers is an error. */
function forbid(name, comment, from, to) {
  return { name, comment, severity: 'error', from, to };
}

module.exports = {
  forbidden: [
    forbid(
      'core-imports-outer-layer',
      'src/ is the core: it never imports a plugin, a codec or the composition root (app/).',
      { path: '^src/' },
      { path: '^(plugins|codecs|app|bench|scripts)/' },
    ),
    forbid(
      'plugin-imports-plugin',
      'A plugin never talks to another plugin: what two plugins share belongs in src/.',
      { path: '^plugins/([^/]+)/' },
      { path: '^plugins/', pathNot: '^plugins/$1/' },
    ),
    forbid(
      'plugin-imports-codec',
      'Sources are given their codecs by the composition root (app/wiring/codecs.ts).',
      { path: '^plugins/' },
      { path: '^codecs/' },
    ),
    forbid(
      'codec-imports-plugin-or-codec',
      'A codec is bytes or lines in, records out: it knows no source, sink or other codec.',
      { path: '^codecs/([^/]+)/' },
      { path: '^(plugins|codecs)/', pathNot: '^codecs/$1/' },
    ),
    forbid(
      'layer-imports-composition-root',
      'Only the composition root (app/) knows the whole house; nothing below imports it.',
      { path: '^(src|plugins|codecs)/' },
      { path: '^app/' },
    ),
    forbid(
      'code-imports-test-support',
      'Test support is for tests and benchmarks only; it is not built into dist/.',
      { path: '^(src|plugins|codecs|app)/', pathNot: TESTS },
      { path: '^test/' },
    ),
    forbid('no-circular', 'An import cycle hides which module depends on which.', {}, { circular: true }),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist|build)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
