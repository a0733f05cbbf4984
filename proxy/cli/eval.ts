/**
 * @module `tokenwise eval <lever> --data FILE.jsonl … [--json]`: measures a lever on evaluation data in the formats of
 * shared/data/README.md and prints one JSON object (or a table).
 */
import { PairFormatError } from '../eval/cache.ts';
import { CliError, UsageError } from './args.ts';
import { table, toJson } from './output.ts';
import { createProgress } from './progress.ts';

export interface EvalArgs {
  lever: string;
  data: string[];
  flags: Record<string, string | boolean>;
}

export async function evalCommand({ lever, data, flags }: EvalArgs): Promise<string> {
  if (!data.length)
    throw new UsageError(
      `tokenwise eval ${lever}: --data FILE.jsonl is required (repeat it, or use a * pattern, for several files)`,
    );
  try {
    return await run({ lever, data, flags });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new CliError(`cannot read ${(error as NodeJS.ErrnoException).path ?? 'a --data file'}`);
    if (error instanceof PairFormatError) throw new CliError(error.message);
    throw error;
  }
}

async function run({ lever, data, flags }: EvalArgs): Promise<string> {
  switch (lever) {
    case 'context': {
      const { runContextEval } = await import('../eval/context.ts');
      const progress = createProgress('eval context: record passes');
      const result = await runContextEval({
        data,
        json: Boolean(flags.json),
        sweep: Boolean(flags.sweep),
        onProgress: progress.update,
        ...(typeof flags.budget === 'string' ? { budget: Number(flags.budget) } : {}),
      });
      progress.finish();
      if (!flags.json && result.text) return `${result.text}\n${sweepTables(result.datasets)}`;
      return toJson(
        result.datasets && Object.keys(result.datasets).length === 1
          ? { ...Object.values(result.datasets)[0], rejected: result.rejected }
          : result,
      );
    }
    case 'cache': {
      const { runCacheEval } = await import('../eval/cache.ts');
      let out = '';
      const embedder = typeof flags.embedder === 'string' ? flags.embedder : 'lexical';
      const progress = createProgress('eval cache: texts embedded');
      const result = await runCacheEval({
        data,
        onProgress: progress.update,
        json: Boolean(flags.json),
        write: (text) => (out += text),
        embedder,
        calibrate: Boolean(flags.calibrate),
        ...(typeof flags.threshold === 'string' ? { threshold: Number(flags.threshold) } : {}),
        ...(typeof flags.threads === 'string' ? { threads: Number(flags.threads) } : {}),
        ...(typeof flags.verifier === 'string'
          ? {
              verifier: {
                model: flags.verifier,
                ...(typeof flags['verifier-threshold'] === 'string'
                  ? { threshold: Number(flags['verifier-threshold']) }
                  : {}),
              },
            }
          : {}),
      });
      progress.finish();
      if (flags.save && result.calibrated_threshold !== undefined) {
        const { saveThreshold } = await import('../eval/cache-calibrate.ts');
        const { defaultConfigFile } = await import('../config/schema.ts');
        const file = typeof flags.config === 'string' ? flags.config : defaultConfigFile();
        saveThreshold(file, embedder, result.calibrated_threshold);
        // On stderr, so --json output stays one JSON object.
        process.stderr.write(
          `saved cache.semantic.threshold = ${result.calibrated_threshold} (embedder ${embedder}) to ${file}\n`,
        );
      }
      return out.endsWith('\n') ? out : `${out}\n`;
    }
    case 'router': {
      const { runRouterEval } = await import('../eval/router.ts');
      let out = '';
      const number = (name: string) => (typeof flags[name] === 'string' ? Number(flags[name]) : undefined);
      const progress = createProgress('eval router: folds trained');
      await runRouterEval({
        data,
        onProgress: progress.update,
        json: Boolean(flags.json),
        write: (text) => (out += text),
        ...(number('folds') !== undefined ? { folds: number('folds') } : {}),
        ...(typeof flags.weights === 'string' ? { weights: flags.weights } : {}),
        ...(number('cloud-share') !== undefined ? { cloudShare: number('cloud-share') } : {}),
        ...(number('quality-floor') !== undefined ? { qualityFloor: number('quality-floor') } : {}),
      });
      progress.finish();
      return out.endsWith('\n') ? out : `${out}\n`;
    }
    case 'replay': {
      const { runReplay, replayTable } = await import('../eval/replay/index.ts');
      const { loadConfig } = await import('../config/load.ts');
      // The defaults (or the file given): never the machine's own config, so the figure is reproducible.
      const config = loadConfig({
        env: {},
        flags: typeof flags.config === 'string' ? { config: flags.config } : {},
        explicitFileOnly: true,
      });
      const progress = createProgress('eval replay: turns');
      const report = await runReplay({
        data,
        model: typeof flags.model === 'string' ? flags.model : 'claude-sonnet-4-5',
        config,
        onProgress: progress.update,
      });
      progress.finish();
      return flags.json ? toJson(report) : `${replayTable(report)}\n`;
    }
    case 'audit': {
      const { runAuditEval } = await import('../eval/audit.ts');
      let out = '';
      const number = (name: string) => (typeof flags[name] === 'string' ? Number(flags[name]) : undefined);
      const progress = createProgress('eval audit: folds trained');
      await runAuditEval({
        data,
        onProgress: progress.update,
        json: Boolean(flags.json),
        write: (text) => (out += text),
        ...(number('degrade') !== undefined ? { degrade: number('degrade') } : {}),
        ...(number('sample') !== undefined ? { sample: number('sample') } : {}),
        ...(number('floor') !== undefined ? { floor: number('floor') } : {}),
        ...(number('requests') !== undefined ? { requests: number('requests') } : {}),
        ...(typeof flags.seed === 'string' ? { seeds: seeds(flags.seed) } : {}),
      });
      progress.finish();
      return out;
    }
    default:
      throw new UsageError(`tokenwise eval: unknown lever "${lever}"`);
  }
}

function seeds(value: string): number[] {
  if (!/^\d+(,\d+)*$/.test(value))
    throw new UsageError(`--seed: expected whole numbers separated by commas, got "${value}"`);
  return value.split(',').map(Number);
}

type SweepPoint = {
  token_reduction: number | null;
  answer_retention: number | null;
  relevant_recall: number | null;
} & Record<string, unknown>;

/** The `--sweep` curves of each context dataset, one table per knob. */
function sweepTables(datasets: Record<string, Record<string, unknown>>): string {
  const knobs = [
    ['sweep_min_relevance', 'min_relevance'],
    ['sweep_token_budget', 'kept_share'],
  ] as const;
  const out: string[] = [];
  const cell = (v: unknown) => (v === null || v === undefined ? '–' : String(v));
  for (const [name, report] of Object.entries(datasets)) {
    for (const [key, knob] of knobs) {
      const points = report[key] as SweepPoint[] | undefined;
      if (!points) continue;
      out.push('', `${name}: ${knob === 'min_relevance' ? 'minimum relevance' : 'share of passage tokens kept'} sweep`);
      out.push(
        table(
          [knob, 'token_reduction', 'answer_retention', 'relevant_recall'],
          points.map((p) => [
            cell(p[knob]),
            cell(p.token_reduction),
            cell(p.answer_retention),
            cell(p.relevant_recall),
          ]),
          { right: [0, 1, 2, 3] },
        ).trimEnd(),
      );
    }
  }
  return out.length ? `${out.join('\n')}\n` : '';
}
