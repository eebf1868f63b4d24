// Key paths into configs: ['model', 'layers', 2, 'rate'] <-> "model.layers[2].rate".

export type KeyPath = readonly (string | number)[];

export function formatPath(path: KeyPath): string {
  let s = '';
  for (const p of path) {
    if (typeof p === 'number') s += `[${p}]`;
    else s += s === '' ? p : `.${p}`;
  }
  return s === '' ? '(top level)' : s;
}

/** Parses "a.b[2].c" or "a.b.2.c"; all-digit segments become indexes. */
export function parsePath(text: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const part of text.replace(/\[(\d+)\]/g, '.$1').split('.')) {
    if (part === '') throw new Error(`bad key path '${text}'`);
    out.push(/^\d+$/.test(part) ? Number(part) : part);
  }
  return out;
}
