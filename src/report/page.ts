// Assembles sections into one self-contained HTML page and its Markdown twin (pure).
import { esc } from './format.js';
import type { Section } from './section.js';
import { CSS } from './style.js';

export interface RunGroup {
  id: string;
  title: string;
  sections: Section[];
}

export interface PageParts {
  title: string;
  subtitle: string;
  /** Sections before the per-run groups (the comparison). */
  top: Section[];
  /** One group per run; a single-run report has one group whose sections are level 2. */
  groups: RunGroup[];
}

const sectionHtml = (s: Section): string => `<section id="${s.id}"><h${s.level}>${esc(s.title)}</h${s.level}>\n${s.html}\n</section>`;

export function renderHtml(p: PageParts): string {
  const single = p.top.length === 0 && p.groups.length === 1;
  const toc = single ? p.groups[0].sections.map((s) => `<a href="#${s.id}">${esc(s.title)}</a>`) : [...p.top.map((s) => `<a href="#${s.id}">${esc(s.title)}</a>`), ...p.groups.map((g) => `<a href="#${g.id}">${esc(g.title)}</a>`)];
  const body = single
    ? p.groups[0].sections.map(sectionHtml).join('\n')
    : [
        ...p.top.map(sectionHtml),
        ...p.groups.map((g, i) => `<details class="run" id="${g.id}"${i === 0 && p.groups.length < 4 ? ' open' : ''}><summary><h2 style="display:inline;border:0">${esc(g.title)}</h2></summary>\n${g.sections.map(sectionHtml).join('\n')}\n</details>`),
      ].join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(p.title)}</title>
<style>${CSS}</style>
</head>
<body>
<header class="top"><h1>${esc(p.title)}</h1><p>${esc(p.subtitle)}</p></header>
<nav class="toc">${toc.join('')}</nav>
<main>
${body}
</main>
</body>
</html>
`;
}

export function renderMarkdown(p: PageParts): string {
  const single = p.top.length === 0 && p.groups.length === 1;
  const sec = (s: Section, bump: number): string => `${'#'.repeat(s.level + bump)} ${s.title}\n\n${s.md}\n`;
  const parts = [`# ${p.title}\n\n_${p.subtitle}_\n`];
  if (single) parts.push(...p.groups[0].sections.map((s) => sec(s, 0)));
  else {
    parts.push(...p.top.map((s) => sec(s, 0)));
    for (const g of p.groups) parts.push(`## ${g.title}\n`, ...g.sections.map((s) => sec(s, 0)));
  }
  return parts.join('\n');
}
