// `node dist/cli.js`: the same command, for those who run the file by name (the bin and the
// man page use dist/cli.cjs, which starts faster).
import { createRequire } from 'node:module';

createRequire(import.meta.url)('./cli.cjs');
