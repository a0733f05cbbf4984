/**
 * @module `tokenwise eval <lever> --data FILE.jsonl … [--json]`: measures a lever on evaluation data in the formats of
 * shared/data/README.md and prints one JSON object (or a table).
 */
import { PairFormatError } from '../eval/cache.ts';
import { CliError } from './args.ts';

export interface EvalArgs {
  lever: string | undefined;
  data: string[];
  flags: Record<string, string | boolean>;
}

export async function evalCommand({ lever, data, flags }: EvalArgs): Promise<string> {
  if (!data.length) throw new CliError('--data FILE.jsonl is required (repeat it, or use a * pattern, for several files)');
  try {
    return await run({ lever, data, flags });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new CliError(`cannot read ${(error as NodeJS.ErrnoException).path ?? 'a --data file'}`);
    if (error instanceof PairFormatError) throw new CliError(error.message);
    throw error;
  }
}

async function run({ lever, data, flags }: EvalArgs): Promise<string> {
  switch (lever) {
    case 'context': {
      const { runContextEval } = await import('../eval/context.ts');
      const result = await runContextEval({ data, json: Boolean(flags.json), sweep: Boolean(flags.sweep), ...(typeof flags.budget === 'string' ? { budget: Number(flags.budget) } : {}) });
      if (!flags.json && result.text) return result.text;
      return `${JSON.stringify(result.datasets && Object.keys(result.datasets).length === 1 ? { ...Object.values(result.datasets)[0], rejected: result.rejected } : result, null, 2)}\n`;
    }
    case 'cache': {
      const { runCacheEval } = await import('../eval/cache.ts');
      let out = '';
      const embedder = typeof flags.embedder === 'string' ? flags.embedder : 'lexical';
      const result = await runCacheEval({
        data,
        json: Boolean(flags.json),
        write: (text) => (out += text),
        embedder,
        calibrate: Boolean(flags.calibrate),
        ...(typeof flags.threshold === 'string' ? { threshold: Number(flags.threshold) } : {}),
        ...(typeof flags.threads === 'string' ? { threads: Number(flags.threads) } : {}),
        ...(typeof flags.verifier === 'string' ? { verifier: { model: flags.verifier, ...(typeof flags['verifier-threshold'] === 'string' ? { threshold: Number(flags['verifier-threshold']) } : {}) } } : {}),
      });
      if (flags.save && result.calibrated_threshold !== undefined) {
        const { saveThreshold } = await import('../eval/cache-calibrate.ts');
        const { defaultConfigFile } = await import('../config/schema.ts');
        const file = typeof flags.config === 'string' ? flags.config : defaultConfigFile();
        saveThreshold(file, embedder, result.calibrated_threshold);
        // On stderr, so --json output stays one JSON object.
        process.stderr.write(`saved cache.semantic.threshold = ${result.calibrated_threshold} (embedder ${embedder}) to ${file}\n`);
      }
      return out.endsWith('\n') ? out : `${out}\n`;
    }
    case 'router': {
      const { runRouterEval } = await import('../eval/router.ts');
      let out = '';
      const number = (name: string) => (typeof flags[name] === 'string' ? Number(flags[name]) : undefined);
      await runRouterEval({
        data,
        json: Boolean(flags.json),
        write: (text) => (out += text),
        ...(number('folds') !== undefined ? { folds: number('folds') } : {}),
        ...(typeof flags.weights === 'string' ? { weights: flags.weights } : {}),
        ...(number('cloud-share') !== undefined ? { cloudShare: number('cloud-share') } : {}),
        ...(number('quality-floor') !== undefined ? { qualityFloor: number('quality-floor') } : {}),
      });
      return out.endsWith('\n') ? out : `${out}\n`;
    }
    case 'replay': {
      const { runReplay, replayTable } = await import('../eval/replay/index.ts');
      const { loadConfig } = await import('../config/load.ts');
      // The defaults (or the file given): never the machine's own config, so the figure is reproducible.
      const config = loadConfig({ env: {}, flags: typeof flags.config === 'string' ? { config: flags.config } : {}, explicitFileOnly: true });
      const report = await runReplay({ data, model: typeof flags.model === 'string' ? flags.model : 'claude-sonnet-4-5', config });
      return flags.json ? `${JSON.stringify(report, null, 2)}\n` : `${replayTable(report)}\n`;
    }
    case 'audit': {
      const { runAuditEval } = await import('../eval/audit.ts');
      let out = '';
      const number = (name: string) => (typeof flags[name] === 'string' ? Number(flags[name]) : undefined);
      await runAuditEval({
        data,
        json: Boolean(flags.json),
        write: (text) => (out += text),
        ...(number('degrade') !== undefined ? { degrade: number('degrade') } : {}),
        ...(number('sample') !== undefined ? { sample: number('sample') } : {}),
        ...(number('floor') !== undefined ? { floor: number('floor') } : {}),
        ...(typeof flags.seed === 'string' ? { seeds: flags.seed.split(',').map(Number) } : {}),
      });
      return out;
    }
    default:
      throw new CliError('usage: tokenwise eval context|cache|router|replay|audit --data FILE.jsonl [--json]  (context: [--sweep] [--budget N]; cache: [--embedder lexical|GGUF] [--threshold T] [--verifier GGUF [--verifier-threshold Y]] [--calibrate [--save [--config FILE]]]; router: [--folds N] [--weights shipped|FILE] [--cloud-share S] [--quality-floor Q]; replay: [--model claude-sonnet-4-5|gpt-4.1|…] [--config FILE]; audit: [--degrade F] [--sample R] [--floor Q] [--seed S[,S…]])');
  }
}
