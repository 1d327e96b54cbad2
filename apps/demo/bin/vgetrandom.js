#!/usr/bin/env node
// The `vgetrandom` bin. It is committed (not built) so npm can link it at install time,
// before anything is built; the CLI itself is in dist/.
try {
  await import('../dist/cli.js');
} catch (error) {
  if (error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/cli.js')) {
    process.stderr.write('vgetrandom is not built yet: run `npm start` (or `npm run build`) in the repository first\n');
    process.exit(1);
  }
  throw error;
}
