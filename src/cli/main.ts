// The `fovea` command: dispatches to a subcommand; exit codes 0 success, 1 run failure,
// 2 bad usage or config.
import { COMMANDS } from './commands.js';
import { exitCodeFor, UsageError } from './errors.js';

export const USAGE = `usage: fovea COMMAND [options]   (fovea COMMAND --help for details)

commands:
  train CONFIG      train and evaluate an experiment, write a run folder
  eval RUN          evaluate a trained run (or --arch NAME --weights FILE --data DIR)
  predict RUN IMG   classify images with a trained run (or --arch NAME --weights FILE IMG)
  import FILE       convert weights (.pt/.pth, .onnx, TF.js, safetensors) for a zoo architecture
  summary CONFIG    print the model summary
  models [ARCH...]  list the architecture zoo with parameters and MACs
  augment CONFIG    write a grid of augmented samples
  explain RUN IMG   heat maps (Grad-CAM, CAM, saliency) or feature maps as PNGs
  report RUN...     HTML + Markdown report of runs (one run, or a comparison)`;

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (!name || name === '--help' || name === '-h' || name === 'help') {
      process.stdout.write(`${USAGE}\n`);
      return name ? 0 : 2;
    }
    const cmd = COMMANDS[name];
    if (!cmd) throw new UsageError(`unknown command '${name}'\n\n${USAGE}`);
    await cmd.run(rest);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    const code = exitCodeFor(e);
    const msg = e instanceof Error ? e.message : String(e);
    process.stderr.write(`fovea ${name ?? ''}: ${code === 2 ? '' : 'error: '}${msg}\n`);
    if (code === 1 && process.env.FOVEA_DEBUG && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
    return code;
  }
}
