// Exit codes: 0 success, 1 run failure, 2 bad usage or config.
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

const USAGE_ERRORS = new Set(['UsageError', 'ExperimentConfigError', 'ConfigError', 'AugmentConfigError']);

export function exitCodeFor(e: unknown): 1 | 2 {
  return e instanceof Error && USAGE_ERRORS.has(e.name) ? 2 : 1;
}
