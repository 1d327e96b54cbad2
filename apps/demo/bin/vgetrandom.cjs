#!/usr/bin/env node
// The `vgetrandom` bin. It is committed (not built) so npm can link it at install time,
// before anything is built; the CLI itself is dist/cli.cjs (CommonJS: it starts faster).
try {
  require('../dist/cli.cjs');
} catch (error) {
  if (error && error.code === 'MODULE_NOT_FOUND' && String(error.message).includes('dist/cli.cjs')) {
    process.stderr.write('vgetrandom is not built yet: run `npm start` (or `npm run build`) in the repository first\n');
    process.exit(1);
  }
  throw error;
}
