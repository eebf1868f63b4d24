// Evaluation metrics over predictions (scikit-learn-compatible) and the run-folder glue.
export * from './probabilities.js';
export * from './classification.js';
export * from './confusion.js';
export * from './format-report.js';
export * from './calibration.js';
export * from './bootstrap.js';
export * from './prediction-table.js';
export * from './summary.js';
export * from './run-metrics.js';
export { measureEfficiency, timeForward, efficiencyScore, type Efficiency } from './efficiency.js';
