// A piscina / tinypool task: draws, then (when given a gate) waits until every party has
// drawn, so that all the pool's workers hold their states at the same time when compared.
import { draw } from './draw.mjs';

export default async function task({ outputs, gate, parties }) {
  const report = await draw(outputs);
  if (gate) {
    Atomics.add(gate, 0, 1);
    Atomics.notify(gate, 0);
    for (let seen = Atomics.load(gate, 0); seen < parties; seen = Atomics.load(gate, 0)) Atomics.wait(gate, 0, seen, 50);
  }
  return { ...report, outputs: report.outputs.buffer };
}
