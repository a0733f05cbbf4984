// Writes a tiny, deterministic llama-architecture GGUF v3 model (~0.55 MB) so tests can
// exercise node-llama-cpp end to end without downloading a real model. Output is gibberish
// by design; only the plumbing (tokenizer, chat template, sampling, embeddings) matters.
// Dependency-free on purpose: it must run before anything else is built or fetched.
import { mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface TinyModelOptions {
  /** Adds `llama.pooling_type = mean` so `model.createEmbeddingContext()` works. */
  embedding?: boolean;
  /** A bigger model (e.g. ~1 GB for bench/gpu-check.sh); the defaults give the tiny test model, byte for byte. */
  shape?: Partial<ModelShape>;
}

export interface ModelShape {
  embd: number;
  heads: number;
  ff: number;
  layers: number;
  ctx: number;
}

const N_EMBD = 64;
const N_HEAD = 4;
const N_FF = 128;
const N_LAYER = 2;
const N_CTX = 256;
const ALIGN = 32;
const BIAS_DIM = 4;
const EOG_BIAS = 0.6; // tuned: temp 0.8 -> ~always maxTokens(64); temp 1 + topP 1 -> ~25% stop on EOS

// ChatML, byte-for-byte the common template, so node-llama-cpp resolves it to ChatMLChatWrapper.
export const CHATML_TEMPLATE =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

// llama.cpp token types.
const NORMAL = 1,
  CONTROL = 3,
  BYTE = 6;
const SPECIALS = ['<unk>', '<s>', '</s>', '<|im_start|>', '<|im_end|>'];
// SentencePiece merges bigrams only when the concatenation is itself a token, so every
// longer piece needs its shorter halves in the vocab too (e.g. "▁t" + "he" -> "▁the").
const MERGES = [
  '▁t',
  'he',
  '▁the',
  'in',
  'er',
  'an',
  'on',
  're',
  'at',
  'en',
  'is',
  'or',
  'es',
  'ed',
  'nd',
  'ou',
  'it',
  'st',
  'ar',
  'al',
  'le',
  'll',
  'ing',
  '▁a',
  '▁and',
  '▁o',
  '▁of',
  '▁i',
  '▁in',
  '▁is',
  '▁to',
  '▁s',
  '▁w',
  '▁c',
  '▁h',
  '▁b',
  '▁m',
  '▁p',
  '▁f',
  '▁th',
  '▁that',
  '▁it',
  'hat',
  '▁we',
];

function buildVocab() {
  const tokens: string[] = [],
    scores: number[] = [],
    types: number[] = [];
  const add = (t: string, score: number, type: number) => {
    tokens.push(t);
    scores.push(score);
    types.push(type);
  };
  for (const s of SPECIALS) add(s, 0, CONTROL);
  // Byte fallback lets any UTF-8 text round-trip; llama.cpp also looks up "\n" as <0x0A>.
  for (let b = 0; b < 256; b++) add(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`, 0, BYTE);
  add('▁', -1000, NORMAL);
  for (let c = 0x21; c <= 0x7e; c++) add(String.fromCharCode(c), -1000 - c, NORMAL);
  // Higher score = merged earlier by the SPM tokenizer.
  MERGES.forEach((m, i) => add(m, -i, NORMAL));
  return { tokens, scores, types };
}

// mulberry32 + Irwin-Hall: plain integer/float arithmetic only, so the bytes never depend
// on Math.log/cos implementations and the file is identical on every platform and run.
function makeRng(seed: number) {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  // Sum of 3 uniforms rescaled to unit variance: close enough to Gaussian for random weights.
  return () => (uniform() + uniform() + uniform() - 1.5) * 2;
}

type Tensor = { name: string; dims: number[]; data: Float32Array };

const TINY: ModelShape = { embd: N_EMBD, heads: N_HEAD, ff: N_FF, layers: N_LAYER, ctx: N_CTX };

function buildTensors(nVocab: number, eogIds: number[], byteIds: number[], shape: ModelShape): Tensor[] {
  const { embd: N_EMBD, heads: N_HEAD, ff: N_FF, layers: N_LAYER } = shape;
  const N_HEAD_KV = N_HEAD;
  const rng = makeRng(0x7e57);
  const rand = (dims: number[], std: number) => {
    const data = new Float32Array(dims.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = rng() * std;
    return data;
  };
  const ones = (n: number) => new Float32Array(n).fill(1);
  const headDim = N_EMBD / N_HEAD;
  // llama has no output bias, so fake one: residual dim 0 is a constant channel (every embedding
  // sets it, no layer writes to it), making output column 0 a per-token logit bias.
  const embd = rand([N_EMBD, nVocab], 1);
  for (let v = 0; v < nVocab; v++) embd[v * N_EMBD] = BIAS_DIM;
  // Output std ~0.3 gives logits with std ~2.7 after RMS norm: peaky enough that the top-token
  // probability varies (mostly 0.1-0.6), but flat enough that sampling still varies with seed.
  const output = rand([N_EMBD, nVocab], 0.3);
  const setRow = (id: number, bias: number) => {
    output.fill(0, id * N_EMBD, (id + 1) * N_EMBD);
    output[id * N_EMBD] = bias;
  };
  for (let v = 0; v < nVocab; v++) output[v * N_EMBD] = 0; // ordinary tokens: no bias
  // Byte tokens would mostly decode to invalid UTF-8, so make them (practically) never sampled.
  for (const id of byteIds) setRow(id, -3);
  // EOS/<|im_end|>: a fixed mid-range logit, never the argmax (greedy runs to maxTokens) but
  // sampled now and then at temperature ~1.
  for (const id of eogIds) setRow(id, EOG_BIAS);
  // Zero the rows of the layer outputs that would write into the constant channel.
  const noDim0 = (data: Float32Array, inDim: number) => (data.fill(0, 0, inDim), data);
  const t: Tensor[] = [
    { name: 'token_embd.weight', dims: [N_EMBD, nVocab], data: embd },
    { name: 'output_norm.weight', dims: [N_EMBD], data: ones(N_EMBD) },
    { name: 'output.weight', dims: [N_EMBD, nVocab], data: output },
  ];
  const w = 1 / Math.sqrt(N_EMBD);
  for (let l = 0; l < N_LAYER; l++) {
    const p = `blk.${l}.`;
    t.push(
      { name: p + 'attn_norm.weight', dims: [N_EMBD], data: ones(N_EMBD) },
      { name: p + 'attn_q.weight', dims: [N_EMBD, N_EMBD], data: rand([N_EMBD, N_EMBD], w) },
      { name: p + 'attn_k.weight', dims: [N_EMBD, headDim * N_HEAD_KV], data: rand([N_EMBD, headDim * N_HEAD_KV], w) },
      { name: p + 'attn_v.weight', dims: [N_EMBD, headDim * N_HEAD_KV], data: rand([N_EMBD, headDim * N_HEAD_KV], w) },
      { name: p + 'attn_output.weight', dims: [N_EMBD, N_EMBD], data: noDim0(rand([N_EMBD, N_EMBD], w), N_EMBD) },
      { name: p + 'ffn_norm.weight', dims: [N_EMBD], data: ones(N_EMBD) },
      { name: p + 'ffn_gate.weight', dims: [N_EMBD, N_FF], data: rand([N_EMBD, N_FF], w) },
      { name: p + 'ffn_up.weight', dims: [N_EMBD, N_FF], data: rand([N_EMBD, N_FF], w) },
      {
        name: p + 'ffn_down.weight',
        dims: [N_FF, N_EMBD],
        data: noDim0(rand([N_FF, N_EMBD], 1 / Math.sqrt(N_FF)), N_FF),
      },
    );
  }
  return t;
}

// GGUF metadata value types.
const T = { U32: 4, I32: 5, F32: 6, STR: 8, ARR: 9 } as const;

class Writer {
  private chunks: Buffer[] = [];
  length = 0;
  bytes(b: Buffer) {
    this.chunks.push(b);
    this.length += b.length;
  }
  u32(v: number) {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    this.bytes(b);
  }
  i32(v: number) {
    const b = Buffer.alloc(4);
    b.writeInt32LE(v);
    this.bytes(b);
  }
  u64(v: number) {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    this.bytes(b);
  }
  f32(v: number) {
    const b = Buffer.alloc(4);
    b.writeFloatLE(v);
    this.bytes(b);
  }
  str(s: string) {
    const b = Buffer.from(s, 'utf8');
    this.u64(b.length);
    this.bytes(b);
  }
  pad() {
    const n = (ALIGN - (this.length % ALIGN)) % ALIGN;
    if (n) this.bytes(Buffer.alloc(n));
  }
  toBuffer() {
    return Buffer.concat(this.chunks, this.length);
  }
}

type Kv =
  | [string, 'u32' | 'f32' | 'str', number | string]
  | [string, 'arr', 'str' | 'f32' | 'i32', (string | number)[]];

/** Builds the complete GGUF file in memory (deterministic). */
export function buildTinyModel(opts: TinyModelOptions = {}): Buffer {
  const shape = { ...TINY, ...opts.shape };
  const { embd: N_EMBD, heads: N_HEAD, ff: N_FF, layers: N_LAYER, ctx: N_CTX } = shape;
  const N_HEAD_KV = N_HEAD;
  const vocab = buildVocab();
  const id = (t: string) => vocab.tokens.indexOf(t);
  const kvs: Kv[] = [
    ['general.architecture', 'str', 'llama'],
    ['general.name', 'str', opts.embedding ? 'tiny-test-embed' : 'tiny-test'],
    ['general.alignment', 'u32', ALIGN],
    ['llama.context_length', 'u32', N_CTX],
    ['llama.embedding_length', 'u32', N_EMBD],
    ['llama.block_count', 'u32', N_LAYER],
    ['llama.feed_forward_length', 'u32', N_FF],
    ['llama.attention.head_count', 'u32', N_HEAD],
    ['llama.attention.head_count_kv', 'u32', N_HEAD_KV],
    ['llama.rope.dimension_count', 'u32', N_EMBD / N_HEAD],
    ['llama.rope.freq_base', 'f32', 10000],
    ['llama.attention.layer_norm_rms_epsilon', 'f32', 1e-5],
    ['llama.vocab_size', 'u32', vocab.tokens.length],
    ...(opts.embedding ? [['llama.pooling_type', 'u32', 1] as Kv] : []), // 1 = mean
    ['tokenizer.ggml.model', 'str', 'llama'],
    ['tokenizer.ggml.tokens', 'arr', 'str', vocab.tokens],
    ['tokenizer.ggml.scores', 'arr', 'f32', vocab.scores],
    ['tokenizer.ggml.token_type', 'arr', 'i32', vocab.types],
    ['tokenizer.ggml.unknown_token_id', 'u32', id('<unk>')],
    ['tokenizer.ggml.bos_token_id', 'u32', id('<s>')],
    ['tokenizer.ggml.eos_token_id', 'u32', id('</s>')],
    ['tokenizer.chat_template', 'str', CHATML_TEMPLATE],
  ];
  const byteIds = vocab.types.flatMap((t, i) => (t === BYTE ? [i] : []));
  const tensors = buildTensors(vocab.tokens.length, [id('</s>'), id('<|im_end|>')], byteIds, shape);

  const w = new Writer();
  w.bytes(Buffer.from('GGUF', 'ascii'));
  w.u32(3);
  w.u64(tensors.length);
  w.u64(kvs.length);
  for (const kv of kvs) {
    w.str(kv[0]);
    if (kv[1] === 'arr') {
      const [, , elem, values] = kv;
      w.u32(T.ARR);
      w.u32(elem === 'str' ? T.STR : elem === 'f32' ? T.F32 : T.I32);
      w.u64(values.length);
      for (const v of values)
        elem === 'str' ? w.str(v as string) : elem === 'f32' ? w.f32(v as number) : w.i32(v as number);
    } else if (kv[1] === 'str') {
      w.u32(T.STR);
      w.str(kv[2] as string);
    } else if (kv[1] === 'f32') {
      w.u32(T.F32);
      w.f32(kv[2] as number);
    } else {
      w.u32(T.U32);
      w.u32(kv[2] as number);
    }
  }
  // Offsets are relative to the start of the (aligned) data section and must be aligned too.
  let offset = 0;
  for (const t of tensors) {
    w.str(t.name);
    w.u32(t.dims.length);
    for (const d of t.dims) w.u64(d); // ggml order: fastest-varying dimension first
    w.u32(0); // GGML_TYPE_F32
    w.u64(offset);
    offset += Math.ceil(t.data.byteLength / ALIGN) * ALIGN;
  }
  w.pad();
  for (const t of tensors) {
    w.bytes(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    w.pad();
  }
  return w.toBuffer();
}

// Write-then-rename so parallel test workers never load a half-written file.
function writeAtomic(path: string, bytes: Buffer) {
  mkdirSync(dirname(resolve(path)), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, path);
}

export async function writeTinyModel(path: string, opts: TinyModelOptions = {}): Promise<void> {
  writeAtomic(path, buildTinyModel(opts));
}

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Writes the model once into `dir` (default `<repo>/test/.models`) and returns its path. */
export async function ensureTinyModel(
  dir = join(REPO_ROOT, 'test/.models'),
  opts: TinyModelOptions = {},
): Promise<string> {
  const path = join(dir, opts.embedding ? 'tiny-embed.gguf' : 'tiny.gguf');
  const bytes = buildTinyModel(opts); // cheap (~10 ms); gives the expected size for the reuse check
  let size = -1;
  try {
    size = statSync(path).size;
  } catch {
    /* not there yet */
  }
  if (size !== bytes.length) writeAtomic(path, bytes);
  return path;
}

// CLI: npx tsx test/support/tiny-model.ts OUT.gguf [--embedding] [--embd N --heads N --ff N --layers N --ctx N]
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const args = process.argv.slice(2);
  const out = args.find((a, i) => !a.startsWith('--') && !args[i - 1]?.match(/^--(embd|heads|ff|layers|ctx)$/));
  if (!out) {
    console.error(
      'usage: tsx test/support/tiny-model.ts OUT.gguf [--embedding] [--embd N --heads N --ff N --layers N --ctx N]',
    );
    process.exit(2);
  }
  const shape = Object.fromEntries(
    (['embd', 'heads', 'ff', 'layers', 'ctx'] as const).flatMap((k) =>
      args.includes(`--${k}`) ? [[k, Number(args[args.indexOf(`--${k}`) + 1])]] : [],
    ),
  );
  await writeTinyModel(out, { embedding: args.includes('--embedding'), shape });
  console.log(`wrote ${out} (${statSync(out).size} bytes)`);
}
