// Vega-Lite spec → standalone SVG string, in Node, no browser: compile with vega-lite, run a
// headless vega View (renderer 'none') and serialise with toSVG(). Element ids get a per-chart
// prefix so several charts can sit inline in one HTML page without clip-path/gradient clashes.
import { compile, type TopLevelSpec } from 'vega-lite';
import { parse, View } from 'vega';

let counter = 0;

export function prefixIds(svg: string, prefix: string): string {
  return svg
    .replace(/\bid="([^"]+)"/g, (_m, id: string) => `id="${prefix}${id}"`)
    .replace(/url\(#([^)]+)\)/g, (_m, id: string) => `url(#${prefix}${id})`)
    .replace(/href="#([^"]+)"/g, (_m, id: string) => `href="#${prefix}${id}"`);
}

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    return prefixIds(svg, `c${++counter}-`);
  } finally {
    view.finalize();
  }
}
