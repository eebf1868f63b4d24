// Learning-rate schedules matching torch.optim.lr_scheduler, plus warm-up cosine and a config factory.
export {
  LRScheduler,
  ConstantLR,
  encodeNumber,
  decodeNumber,
  decodeNumbers,
  type LrSchedule,
  type ScheduleInterval,
  type ScheduleState,
} from './schedule.js';
export { StepLR, MultiStepLR, ExponentialLR, type StepLROptions, type MultiStepLROptions, type ExponentialLROptions } from './step.js';
export { CosineAnnealingLR, WarmupCosineLR, type CosineAnnealingOptions, type WarmupCosineOptions } from './cosine.js';
export { OneCycleLR, type OneCycleOptions } from './onecycle.js';
export { ReduceLROnPlateau, type ReduceLROnPlateauOptions } from './plateau.js';
export { createSchedule, SCHEDULE_NAMES, type ScheduleConfig, type ScheduleContext } from './factory.js';
