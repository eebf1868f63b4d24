// Flat folders of ImageNet-style files named `<wnid>_<label>.<ext>` (e.g.
// `n01440764_tench.jpg`): the class index of a file is the rank of its wnid among the sorted
// wnids of the folder (the standard ImageNet order when all 1000 are present), the class name
// is the label part of the first file of that wnid.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { DataError, type ImageFolder } from './image-folder.js';

const WNID_FILE = /^(n\d{8})_(.+)$/;
const IMAGE_EXT = new Set(['.jpg', '.jpeg', '.png', '.webp', '.gif', '.tif', '.tiff', '.avif', '.bmp']);

export interface WnidFolder extends ImageFolder {
  /** The sorted wnids: wnids[i] is class i. */
  wnids: string[];
}

function imageFiles(root: string): string[] {
  return readdirSync(root)
    .filter((n) => !n.startsWith('.') && IMAGE_EXT.has(extname(n).toLowerCase()) && statSync(join(root, n)).isFile())
    .sort();
}

/** True when `root` is a flat folder whose image files are all named `<wnid>_<label>.<ext>`. */
export function isWnidFolder(root: string): boolean {
  if (!existsSync(root) || !statSync(root).isDirectory()) return false;
  const files = imageFiles(root);
  return files.length > 0 && files.every((f) => WNID_FILE.test(f.slice(0, f.length - extname(f).length)));
}

/** Scans a flat `<wnid>_<label>.<ext>` folder; a file not named that way is an error naming it. */
export function scanWnidFolder(root: string): WnidFolder {
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new DataError(`data folder '${root}' does not exist or is not a folder`);
  const files = imageFiles(root);
  if (files.length === 0) throw new DataError(`data folder '${root}' has no image files`);
  const parsed = files.map((f) => {
    const m = WNID_FILE.exec(f.slice(0, f.length - extname(f).length));
    if (!m) throw new DataError(`'${join(root, f)}' is not named <wnid>_<label>.<ext> (e.g. n01440764_tench.jpg)`);
    return { path: join(root, f), wnid: m[1], label: m[2] };
  });
  const names = new Map<string, string>();
  for (const p of parsed) if (!names.has(p.wnid)) names.set(p.wnid, p.label.normalize('NFC'));
  const wnids = [...names.keys()].sort();
  const index = new Map(wnids.map((w, i) => [w, i]));
  return {
    root,
    wnids,
    classes: wnids.map((w) => names.get(w)!),
    entries: parsed.map((p) => ({ path: p.path, label: index.get(p.wnid)! })),
  };
}
