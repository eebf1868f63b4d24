// Interpretability: CAM, Grad-CAM, input saliency and feature maps, drawn as PNG images.
export { gradCam, type ExplainOptions, type Explanation } from './gradcam.js';
export { classActivationMap, camLayers, CamStructureError } from './cam.js';
export { saliencyMap } from './saliency.js';
export { featureMaps, featureGrid, gridLayout, type FeatureMaps, type GridOptions } from './features.js';
export { convLayerNames, spatialLayer, isConvLayer, forwardCapturing, UnknownLayerError, type Explainable, type LayerTarget } from './layers.js';
export { resolveClass, targetClass } from './class-target.js';
export { toHeatMap, heatPeak, type HeatMap, type Scaling } from './heatmap.js';
export { overlayHeatMap, heatMapImage, writePng, type RgbImage, type OverlayOptions, type PngOptions } from './image.js';
export { applyColormap, colormapTable, COLORMAPS, type ColormapName } from './colormap.js';
export { explainInput, outputPath, EXPLAIN_METHODS, type ExplainMethod, type ExplainImageOptions, type ExplainImageResult } from './explain.js';
