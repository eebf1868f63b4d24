// Fovea's tensor engine: libtorch through the native addon, with generated typed operators.
import './generated/methods.js';
import './methods.js';
export { Tensor, Generator, type NestedArray } from './tensor.js';
export * from './generated/ops.js';
export * from './creation.js';
export * from './autograd.js';
export * from './runtime.js';
export * as F from './functional.js';
export { tidy, keep, dispose, currentScope, adopt, isHeld, isScopeLocal, disposeConsumed, type ScopeHandle } from './scope.js';
export { type DType, type Device, type MemoryFormat, type TypedArray, isFloating, elementSize } from './dtype.js';
export { saveSafetensors, loadSafetensors, encodeSafetensors, decodeSafetensors } from './safetensors.js';
export { gradcheck, type GradcheckOptions } from './gradcheck.js';
export { sameShape } from './shape.js';
