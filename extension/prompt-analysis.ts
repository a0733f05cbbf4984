/**
 * @module The prompt analysis as a worker thread of the extension host (dist/extension/prompt-analysis.cjs, with
 * the TypeScript compiler and js-tiktoken's ranks bundled inside). Loading it takes about a second and a 5,000-line
 * file ~50 ms: in a worker, neither ever blocks the extension host, and activation never pays for it.
 * tree-sitter's WebAssembly files are copied beside the bundle by the build.
 */
import path from 'node:path';
import { parentPort } from 'node:worker_threads';
import { createPromptAnalyzer, type AnalysisOptions, type PromptReport } from '../proxy/prompts/index.ts';

/** A request to the worker, and its answer. */
export interface AnalysisRequest {
  id: number;
  fileName: string;
  source: string;
  options: Partial<AnalysisOptions>;
}
export type AnalysisAnswer = { id: number; reports: PromptReport[] } | { id: number; error: string };

const analyzer = createPromptAnalyzer({
  pythonWasm: {
    runtime: path.join(__dirname, 'web-tree-sitter.wasm'),
    grammar: path.join(__dirname, 'tree-sitter-python.wasm'),
  },
});

parentPort?.on('message', (request: AnalysisRequest) => {
  analyzer.analyze(request.fileName, request.source, request.options).then(
    (reports) => parentPort!.postMessage({ id: request.id, reports } satisfies AnalysisAnswer),
    (error: unknown) =>
      parentPort!.postMessage({
        id: request.id,
        error: (error as Error).stack ?? String(error),
      } satisfies AnalysisAnswer),
  );
});
