export * from './config.js';
export * from './geometric.js';
export * from './colour.js';
export * from './erase.js';
export * from './mix.js';
export * from './normalize.js';
export * from './grid.js';
export { batchGenerator, type AugmentContext } from './random.js';
