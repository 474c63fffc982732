import { writeFile } from 'node:fs/promises';

/**
 * Writes a tiny llama-architecture GGUF model (GGUF v3, F32 tensors, one block, 64-wide, a
 * byte-fallback SentencePiece vocabulary of 268 tokens) with seeded random weights: about 300 KB.
 * It is a model of the file format, not of language: llama.cpp loads and runs it for real, and
 * what it generates is noise. No weights are downloaded.
 */
export async function writeTinyLlamaGguf(path: string, seed = 42): Promise<void> {
  const chunks: Buffer[] = [];
  const put = (size: number, write: (b: Buffer) => void): void => {
    const b = Buffer.alloc(size);
    write(b);
    chunks.push(b);
  };
  const u32 = (v: number) => put(4, (b) => b.writeUInt32LE(v));
  const u64 = (v: number) => put(8, (b) => b.writeBigUInt64LE(BigInt(v)));
  const str = (s: string) => {
    const b = Buffer.from(s, 'utf8');
    u64(b.length);
    chunks.push(b);
  };
  const TYPE = { u32: 4, i32: 5, f32: 6, string: 8, array: 9 } as const;
  type Scalar = 'u32' | 'i32' | 'f32' | 'string';
  const value = (type: Scalar, v: number | string): void => {
    if (type === 'u32') u32(v as number);
    else if (type === 'i32') put(4, (b) => b.writeInt32LE(v as number));
    else if (type === 'f32') put(4, (b) => b.writeFloatLE(v as number));
    else str(v as string);
  };

  const embd = 64;
  const heads = 2;
  const ff = 128;
  const tokens = ['<unk>', '<s>', '</s>'];
  const kinds = [2, 3, 3]; // unknown, control, control
  for (let i = 0; i < 256; i++) {
    tokens.push(`<0x${i.toString(16).toUpperCase().padStart(2, '0')}>`);
    kinds.push(6); // byte
  }
  for (const piece of ['▁', '▁the', '▁a', 'e', 't', 'o', '▁hello', '▁world', '.']) {
    tokens.push(piece);
    kinds.push(1); // normal
  }
  const scores = tokens.map((_, i) => (kinds[i] === 1 ? -i : 0));
  const metadata: Array<[string, Scalar, number | string] | [string, 'array', Scalar, ReadonlyArray<number | string>]> = [
    ['general.architecture', 'string', 'llama'],
    ['general.name', 'string', 'flowsteer-tiny-test'],
    ['general.alignment', 'u32', 32],
    ['llama.context_length', 'u32', 2048],
    ['llama.embedding_length', 'u32', embd],
    ['llama.block_count', 'u32', 1],
    ['llama.feed_forward_length', 'u32', ff],
    ['llama.attention.head_count', 'u32', heads],
    ['llama.attention.head_count_kv', 'u32', heads],
    ['llama.attention.layer_norm_rms_epsilon', 'f32', 1e-5],
    ['llama.rope.dimension_count', 'u32', embd / heads],
    ['tokenizer.ggml.model', 'string', 'llama'],
    ['tokenizer.ggml.tokens', 'array', 'string', tokens],
    ['tokenizer.ggml.scores', 'array', 'f32', scores],
    ['tokenizer.ggml.token_type', 'array', 'i32', kinds],
    ['tokenizer.ggml.bos_token_id', 'u32', 1],
    ['tokenizer.ggml.eos_token_id', 'u32', 2],
    ['tokenizer.ggml.unknown_token_id', 'u32', 0],
  ];
  const tensors: Array<{ name: string; dims: number[]; offset?: number }> = [
    { name: 'token_embd.weight', dims: [embd, tokens.length] },
    { name: 'output_norm.weight', dims: [embd] },
    { name: 'output.weight', dims: [embd, tokens.length] },
    { name: 'blk.0.attn_norm.weight', dims: [embd] },
    { name: 'blk.0.attn_q.weight', dims: [embd, embd] },
    { name: 'blk.0.attn_k.weight', dims: [embd, embd] },
    { name: 'blk.0.attn_v.weight', dims: [embd, embd] },
    { name: 'blk.0.attn_output.weight', dims: [embd, embd] },
    { name: 'blk.0.ffn_norm.weight', dims: [embd] },
    { name: 'blk.0.ffn_gate.weight', dims: [embd, ff] },
    { name: 'blk.0.ffn_up.weight', dims: [embd, ff] },
    { name: 'blk.0.ffn_down.weight', dims: [ff, embd] },
  ];

  chunks.push(Buffer.from('GGUF'));
  u32(3);
  u64(tensors.length);
  u64(metadata.length);
  for (const entry of metadata) {
    str(entry[0]);
    if (entry[1] === 'array') {
      u32(TYPE.array);
      u32(TYPE[entry[2]]);
      u64(entry[3].length);
      for (const item of entry[3]) value(entry[2], item);
    } else {
      u32(TYPE[entry[1]]);
      value(entry[1], entry[2]);
    }
  }
  const align = (n: number): number => Math.ceil(n / 32) * 32;
  let offset = 0;
  for (const tensor of tensors) {
    tensor.offset = offset;
    str(tensor.name);
    u32(tensor.dims.length);
    for (const dim of tensor.dims) u64(dim);
    u32(0); // F32
    u64(offset);
    offset = align(offset + tensor.dims.reduce((a, b) => a * b, 1) * 4);
  }
  const header = Buffer.concat(chunks);
  const data = Buffer.alloc(offset);
  let state = seed;
  const random = (): number => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648 - 0.5;
  };
  for (const tensor of tensors) {
    const count = tensor.dims.reduce((a, b) => a * b, 1);
    for (let i = 0; i < count; i++) data.writeFloatLE(tensor.name.includes('norm') ? 1 : random() * 0.2, (tensor.offset ?? 0) + i * 4);
  }
  await writeFile(path, Buffer.concat([header, Buffer.alloc(align(header.length) - header.length), data]));
}
