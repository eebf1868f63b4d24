// Image-folder data sets: `<root>/<class>/*` (or `<root>/{train,test}/<class>/*`). Class order is
// the sorted folder names; names with spaces or accents are kept as they are (NFC-normalised).
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';

export interface ImageEntry {
  /** Absolute or root-relative path as given. */
  path: string;
  /** Class index into `classes`. */
  label: number;
}

export interface ImageFolder {
  root: string;
  classes: string[];
  entries: ImageEntry[];
}

export class DataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataError';
  }
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    const names = readdirSync(d).sort();
    for (const n of names) {
      if (n.startsWith('.')) continue; // .DS_Store, editor files, our own temporary files
      const p = join(d, n);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (st.isFile()) out.push(p);
    }
  };
  walk(dir);
  return out;
}

/** Scans `<root>/<class>/...`; an empty class folder or a root without classes is an error naming it. */
export function scanImageFolder(root: string): ImageFolder {
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw new DataError(`data folder '${root}' does not exist or is not a folder`);
  }
  const classDirs = readdirSync(root)
    .filter((n) => !n.startsWith('.') && statSync(join(root, n)).isDirectory())
    .sort((a, b) => (a.normalize('NFC') < b.normalize('NFC') ? -1 : a.normalize('NFC') > b.normalize('NFC') ? 1 : 0));
  if (classDirs.length === 0) {
    throw new DataError(`data folder '${root}' has no class folders (expected <root>/<class>/<image>)`);
  }
  const entries: ImageEntry[] = [];
  const empty: string[] = [];
  classDirs.forEach((c, label) => {
    const files = listFiles(join(root, c));
    if (files.length === 0) empty.push(join(root, c));
    for (const f of files) entries.push({ path: f, label });
  });
  if (empty.length) {
    throw new DataError(`empty class folder${empty.length > 1 ? 's' : ''}: ${empty.map((e) => `'${e}'`).join(', ')}`);
  }
  return { root, classes: classDirs.map((c) => c.normalize('NFC')), entries };
}

/** True when root holds `train/` (and optionally `test/`, `val/`) split folders. */
export function hasSplitFolders(root: string): boolean {
  return existsSync(join(root, 'train')) && statSync(join(root, 'train')).isDirectory();
}

/** Checks that a second split has exactly the training split's classes; the error names both folders. */
export function checkSameClasses(train: ImageFolder, other: ImageFolder): void {
  const a = train.classes.join('\u0000');
  const b = other.classes.join('\u0000');
  if (a === b) return;
  const missing = train.classes.filter((c) => !other.classes.includes(c));
  const extra = other.classes.filter((c) => !train.classes.includes(c));
  const parts: string[] = [];
  if (missing.length) parts.push(`missing there: ${missing.map((c) => `'${c}'`).join(', ')}`);
  if (extra.length) parts.push(`not in the training set: ${extra.map((c) => `'${c}'`).join(', ')}`);
  throw new DataError(`classes of '${other.root}' differ from those of '${train.root}' (${parts.join('; ')})`);
}

/** Images per class, in class order. */
export function countPerClass(entries: readonly ImageEntry[], numClasses: number): number[] {
  const counts = new Array<number>(numClasses).fill(0);
  for (const e of entries) counts[e.label]++;
  return counts;
}

export function describeEntry(root: string, e: ImageEntry): string {
  return relative(root, e.path) || e.path;
}
