// Image-folder data sets, decoding, caching, batch sources and augmentation.
export * from './image-folder.js';
export * from './wnid-folder.js';
export * from './decode.js';
export * from './images.js';
export * from './source.js';
export * from './image-source.js';
export * from './augment/index.js';
