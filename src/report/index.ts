// Reports of runs: HTML (self-contained) and Markdown, with Vega-Lite charts rendered in Node.
export { buildReport, writeReport, writeRunReport, type BuiltReport, type WrittenReport } from './report.js';
export type { ReportOptions } from './options.js';
export { readRunData, parseHistory } from './load.js';
export { metricsFromConfusion, metricsFromPredictions, parseMetricsFile, parsePredictions, rowNormalise } from './metrics.js';
export { paretoFront, type ParetoPoint } from './pareto.js';
export { renderSvg } from './charts/render.js';
export { curveSpec, confusionSpec, paretoSpec, type ScatterPoint } from './charts/specs.js';
export { svgToPng } from './figures.js';
export { efficiencyScore } from './format.js';
export type { RunData, EvalMetrics, PredictionRow, HistoryRow, ResultFile, ClassScores } from './types.js';
