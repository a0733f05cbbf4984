// `npm run bench`: runs every bench/*.bench.ts in its own process (loopback only, each bounded in time), then writes
// bench/results/latest.json and bench/results/latest.md. Each bench prints one JSON line: {name, results, notes?}.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const only = process.argv.slice(2);
const files = readdirSync(path.join(root, 'bench'))
  .filter((f) => f.endsWith('.bench.ts') && (!only.length || only.some((o) => f.includes(o))))
  .sort();

// Every bench stops within 300 s; the soak runs for TOKENWISE_SOAK_SECONDS (600 by default) and gets that plus 5 minutes.
const timeoutMs = (file) =>
  file === 'soak.bench.ts' ? (Number(process.env.TOKENWISE_SOAK_SECONDS ?? 600) + 300) * 1000 : 300_000;

const report = {
  machine: { cpus: (await import('node:os')).cpus().length, node: process.version, date: new Date().toISOString() },
  benches: [],
};
for (const file of files) {
  process.stderr.write(`bench ${file}…\n`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', path.join('bench', file)], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: timeoutMs(file),
  });
  const line = run.stdout.trim().split('\n').at(-1);
  if (run.status !== 0 || !line) {
    process.stderr.write(`bench ${file} failed (exit ${run.status})\n`);
    process.exitCode = 1;
    continue;
  }
  report.benches.push(JSON.parse(line));
}

// Running a subset (`npm run bench -- cache`) keeps the other benches' last results.
const latest = path.join(root, 'bench/results/latest.json');
if (only.length && existsSync(latest)) {
  const ran = new Set(report.benches.map((b) => b.name));
  report.benches = [
    ...JSON.parse(readFileSync(latest, 'utf8')).benches.filter((b) => !ran.has(b.name)),
    ...report.benches,
  ];
}

const md = [
  `# Benchmarks (${report.machine.cpus} cores, Node ${report.machine.node}, ${report.machine.date.slice(0, 10)})`,
  '',
];
for (const bench of report.benches) {
  md.push(`## ${bench.name}`, '', '| measure | value |', '|---|---|');
  for (const [key, value] of Object.entries(bench.results)) md.push(`| ${key} | ${value} |`);
  if (bench.notes) md.push('', bench.notes);
  md.push('');
}
mkdirSync(path.join(root, 'bench/results'), { recursive: true });
writeFileSync(path.join(root, 'bench/results/latest.json'), `${JSON.stringify(report, null, 2)}\n`);
writeFileSync(path.join(root, 'bench/results/latest.md'), md.join('\n'));
process.stdout.write(md.join('\n'));
