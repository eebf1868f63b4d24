// Benchmark entry point: `node dist/bench/run.js NAME [--flags]` (npm run bench -- NAME ...).
// Results go to stdout as JSON lines, one per result; everything for people goes to stderr.
//
// To add a benchmark: write bench/<name>.ts exporting `benchmark: Benchmark` (bench/common.ts)
// and add one line to REGISTRY below. Modules are loaded only when needed.
import { parseArgs } from 'node:util';
import { UsageError, type Benchmark, type BenchArgs } from './common.js';

const REGISTRY: Record<string, () => Promise<{ benchmark: Benchmark }>> = {
  engine: () => import('./engine.js'),
  fit: () => import('./fit.js'),
  data: () => import('./data.js'),
  zoo: () => import('./zoo.js'),
  report: () => import('./report.js'),
  finetune: () => import('./finetune.js'),
};

const USAGE = 'usage: node dist/bench/run.js NAME [--flags]   (npm run bench -- NAME [--flags])\n       node dist/bench/run.js NAME --help';

async function listing(): Promise<string> {
  const rows: string[] = [];
  for (const [name, load] of Object.entries(REGISTRY)) {
    const { benchmark } = await load();
    rows.push(`  ${name.padEnd(12)} ${benchmark.description}`);
  }
  return `${USAGE}\n\nbenchmarks:\n${rows.join('\n')}\n`;
}

function help(b: Benchmark): string {
  const flags = Object.entries(b.flags).map(([name, f]) => {
    const left = f.type === 'boolean' ? `--${name}` : `--${name} ${typeof f.default === 'string' ? f.default : 'VALUE'}`;
    return `  ${left.padEnd(24)} ${f.help}`;
  });
  return [`usage: node dist/bench/run.js ${b.name} [--flags]`, '', b.description, ...(b.details ? ['', b.details] : []), '', 'flags:', ...flags, `  ${'--help'.padEnd(24)} this text`, ''].join('\n');
}

function parse(b: Benchmark, argv: string[]): BenchArgs | 'help' {
  const options: Record<string, { type: 'string' | 'boolean'; default?: string | boolean }> = { help: { type: 'boolean' } };
  for (const [name, f] of Object.entries(b.flags)) options[name] = { type: f.type, ...(f.default !== undefined ? { default: f.default } : {}) };
  let values: BenchArgs;
  try {
    values = parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values as BenchArgs;
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  return values.help ? 'help' : values;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    process.stderr.write(await listing());
    return 2;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(await listing());
    return 0;
  }
  const load = REGISTRY[name];
  if (!load) {
    process.stderr.write(`unknown benchmark '${name}'\n\n${await listing()}`);
    return 2;
  }
  const { benchmark } = await load();
  let args: BenchArgs | 'help';
  try {
    args = parse(benchmark, rest);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n\n${help(benchmark)}`);
    return 2;
  }
  if (args === 'help') {
    process.stdout.write(help(benchmark));
    return 0;
  }
  try {
    for (const r of await benchmark.run(args)) process.stdout.write(JSON.stringify(r) + '\n');
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`${e.message}\n\n${help(benchmark)}`);
      return 2;
    }
    throw e;
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);
