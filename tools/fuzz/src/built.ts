// Workers run built JavaScript: from the sources (tests) and from dist alike, find dist/.
export function builtWorker(name: string): URL {
  const here = import.meta.url;
  const dist = here.includes('/src/') ? new URL(here.slice(0, here.lastIndexOf('/src/')) + '/dist/') : new URL('./', here);
  return new URL(`targets/${name}`, dist);
}
