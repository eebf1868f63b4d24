// A report section in both output forms. Figures are charts (SVG, inlined in HTML, PNG files for
// Markdown) or raster images (thumbnails: data URIs in HTML, files for Markdown).

export interface Figure {
  /** File name inside the Markdown figures folder. */
  file: string;
  alt: string;
  svg?: string;
  /** Encoded raster image (PNG/JPEG) for thumbnails. */
  raster?: Buffer;
}

export interface Section {
  id: string;
  title: string;
  /** 2 for top-level sections, 3 inside a run of a multi-run report. */
  level: 2 | 3;
  html: string;
  md: string;
  figures: Figure[];
}

/** HTML for an inline chart figure. */
export const chartHtml = (f: Figure, caption?: string): string =>
  `<figure class="chart" role="img" aria-label="${f.alt.replace(/"/g, '&quot;')}">${f.svg ?? ''}${caption ? `<figcaption>${caption}</figcaption>` : ''}</figure>`;

/** Markdown image reference to a figure in the figures folder. */
export const chartMd = (f: Figure, dir: string): string => `![${f.alt}](${dir}/${f.file.replace(/\.svg$/, '.png')})`;

export const unavailable = (what: string): string => `<p class="na">${what}: not available.</p>`;
