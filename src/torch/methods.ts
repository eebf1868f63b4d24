// Hand-written Tensor methods that add ergonomics over the generated operators.
import { Tensor } from './tensor.js';
import * as ops from './generated/ops.js';
import type { DType, Device, MemoryFormat } from './dtype.js';

declare module './tensor.js' {
  interface Tensor {
    /** Converts dtype and/or device (returns this when nothing changes). */
    to(target: DType | Device | { dtype?: DType; device?: Device; memoryFormat?: MemoryFormat; copy?: boolean }): Tensor;
    cpu(): Tensor;
    cuda(index?: number): Tensor;
    float(): Tensor;
    double(): Tensor;
    half(): Tensor;
    long(): Tensor;
    int(): Tensor;
    byte(): Tensor;
    bool(): Tensor;
    /** The same data in channels-last (NHWC) memory layout, as oneDNN prefers. */
    channelsLast(): Tensor;
  }
}

const DTYPES = new Set(['float32', 'float64', 'float16', 'bfloat16', 'int64', 'int32', 'int16', 'int8', 'uint8', 'bool']);

Tensor.prototype.to = function (this: Tensor, target) {
  if (typeof target === 'string' && !DTYPES.has(target) && !/^(cpu|cuda)(:\d+)?$/.test(target)) {
    throw new TypeError(`to(): '${target}' is neither a dtype (${[...DTYPES].join(', ')}) nor a device (cpu, cuda, cuda:N)`);
  }
  const o = typeof target === 'string' ? (DTYPES.has(target) ? { dtype: target as DType } : { device: target as Device }) : target;
  return ops.toOptions(this, { dtype: o.dtype, device: o.device, memoryFormat: o.memoryFormat, copy: o.copy });
};
Tensor.prototype.cpu = function (this: Tensor) {
  return this.to({ device: 'cpu' });
};
Tensor.prototype.cuda = function (this: Tensor, index = 0) {
  return this.to({ device: `cuda:${index}` });
};
Tensor.prototype.float = function (this: Tensor) {
  return this.to({ dtype: 'float32' });
};
Tensor.prototype.double = function (this: Tensor) {
  return this.to({ dtype: 'float64' });
};
Tensor.prototype.half = function (this: Tensor) {
  return this.to({ dtype: 'float16' });
};
Tensor.prototype.long = function (this: Tensor) {
  return this.to({ dtype: 'int64' });
};
Tensor.prototype.int = function (this: Tensor) {
  return this.to({ dtype: 'int32' });
};
Tensor.prototype.byte = function (this: Tensor) {
  return this.to({ dtype: 'uint8' });
};
Tensor.prototype.bool = function (this: Tensor) {
  return this.to({ dtype: 'bool' });
};
Tensor.prototype.channelsLast = function (this: Tensor) {
  return ops.contiguous(this, { memoryFormat: 'channels_last' });
};
