// Options of a report build.
import type { RunData } from './types.js';

export interface ReportOptions {
  /** Page title (default: the run name, or "Comparison of N runs"). */
  title?: string;
  /** Name of the Markdown figures folder, relative to report.md (set by writeReport). */
  figuresDir?: string;
  /** Most misclassified test images shown per run (default 24, most confident mistakes first). */
  maxMisclassified?: number;
  /**
   * CAM gallery hook: PNG overlays to show for a run (e.g. written by `fovea explain`). Default:
   * the *.png files in `<run>/cam/` or `<run>/explain/` when present.
   */
  camImages?: (run: RunData) => string[];
  /**
   * What changed in a run's config against the first run's, as readable lines; the caller passes
   * it (src/experiment's diffConfigs + formatChanges) since reports sit below experiments.
   */
  configChanges?: (first: unknown, other: unknown) => string[];
}
