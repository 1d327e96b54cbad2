import { drawTest } from './draw-test.mjs';

drawTest(import.meta.filename);
