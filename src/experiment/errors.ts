// The error loadConfig throws: every problem found, each naming its key path.

export class ExperimentConfigError extends Error {
  /** One line per problem, e.g. "train.epochs: expected an integer >= 1, got 0". */
  readonly problems: readonly string[];
  /** The config file, when there is one. */
  readonly file?: string;

  constructor(problems: readonly string[], file?: string) {
    const head = file ? `invalid experiment config ${file}` : 'invalid experiment config';
    super(problems.length === 1 ? `${head}: ${problems[0]}` : `${head} (${problems.length} problems):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ExperimentConfigError';
    this.problems = problems;
    this.file = file;
  }
}
