// Bundles the CLI into dist/image-updater.js, the package's `bin`.
import { build } from 'esbuild';

await build({
  entryPoints: ['lib/cli.ts'],
  outfile: 'dist/image-updater.js',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  minify: false,
  sourcemap: false,
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  alias: { 'whatwg-url': './infra/shims/whatwg-url.cjs' },
  logLevel: 'warning',
});
