/**
 * @module Where the Python parser's WebAssembly files are when Tokenwise runs from its installed packages (the
 * command line); the extension ships its own copies beside its bundle.
 */
import { createRequire } from 'node:module';
import type { PythonWasm } from './python.ts';

export function installedPythonWasm(): PythonWasm {
  const require = createRequire(import.meta.url);
  return {
    runtime: require.resolve('web-tree-sitter/web-tree-sitter.wasm'),
    grammar: require.resolve('tree-sitter-python/tree-sitter-python.wasm'),
  };
}
