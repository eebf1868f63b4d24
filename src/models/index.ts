// The architecture zoo, weight importers and model surgery.
import './archs/index.js';
export { ZooModel, type ArchConfig, type Block } from './zoo-model.js';
export { registerArch, createModel, archNames, type CreateOptions, type ArchFactory } from './registry.js';
