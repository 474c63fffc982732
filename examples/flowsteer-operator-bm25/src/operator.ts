import { readFile, readdir, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { AbortError, ConfigError, StepInputSchema, StepOutputSchema, type Operator, type StepInput, type StepOutput } from '@flowsteer/core';
import { z } from 'zod';
import { Bm25Index, splitPassages, type Passage } from './bm25.js';

export const PLUGIN_NAME = 'flowsteer-operator-bm25';

/** `plugins.options["flowsteer-operator-bm25"]` in flowsteer.config.json (or FLOWSTEER_PLUGINS_OPTIONS). */
export const RetrieveOptionsSchema = z
  .object({
    /** Folder of .txt / .md documents, relative to the project directory. */
    documents: z.string().min(1).default('docs'),
    /** Passages returned per query. */
    topK: z.number().int().min(1).max(20).default(3),
    /** Longest passage, in characters. */
    passageChars: z.number().int().min(100).max(10_000).default(800),
  })
  .strict();

export type RetrieveOptions = z.output<typeof RetrieveOptionsSchema>;

const TEXT_FILE = /\.(md|markdown|txt)$/i;

async function readCorpus(folder: string, passageChars: number): Promise<Passage[]> {
  const entries = (await readdir(folder, { recursive: true })).filter((entry) => TEXT_FILE.test(entry)).sort();
  const passages: Passage[] = [];
  for (const entry of entries) {
    const path = join(folder, entry);
    if (!(await stat(path)).isFile()) continue;
    passages.push(...splitPassages(relative(folder, path), await readFile(path, 'utf8'), passageChars));
  }
  return passages;
}

/**
 * The Retrieve operator: ranks passages of a local document folder against the problem (and the
 * node's instruction) with BM25 and hands the best ones on as context, the way a planner's plan
 * is (solvers after it see them). The index is built on first use and kept for the process.
 */
export function createRetrieve(rawOptions: Readonly<Record<string, unknown>>, cwd: string): Operator<StepInput, StepOutput> {
  const key = `plugins.options.${PLUGIN_NAME}`;
  const parsed = RetrieveOptionsSchema.safeParse(rawOptions);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`${key}${issue === undefined || issue.path.length === 0 ? '' : `.${issue.path.join('.')}`}`, issue?.message ?? 'invalid options');
  }
  const options = parsed.data;
  const folder = isAbsolute(options.documents) ? options.documents : resolve(cwd, options.documents);
  let index: Promise<Bm25Index> | undefined;
  const load = async (): Promise<Bm25Index> => {
    const exists = await stat(folder).then((s) => s.isDirectory(), () => false);
    if (!exists) throw new ConfigError(`${key}.documents`, `document folder ${folder} does not exist`);
    const passages = await readCorpus(folder, options.passageChars);
    if (passages.length === 0) throw new ConfigError(`${key}.documents`, `no .md or .txt documents in ${folder}`);
    return new Bm25Index(passages);
  };

  return {
    name: 'Retrieve',
    category: 'planner',
    description: 'Finds the passages of the local document collection most relevant to the problem (BM25) and passes them on as context; put it before a solver.',
    inputSchema: StepInputSchema,
    outputSchema: StepOutputSchema,
    async run(input, ctx): Promise<StepOutput> {
      if (ctx.signal.aborted) throw new AbortError(`Retrieve (${ctx.nodeId})`, { cause: ctx.signal.reason });
      const started = performance.now();
      // A failed load is not cached: fixing the folder and retrying works without a restart.
      index ??= load().catch((error: unknown) => {
        index = undefined;
        throw error;
      });
      const bm25 = await index;
      const hits = bm25.search(`${input.problem}\n${input.instruction}`, options.topK);
      ctx.usage.record({ promptTokens: 0, completionTokens: 0, totalTokens: 0 }, performance.now() - started);
      if (hits.length === 0) return { response: 'No passage in the document collection matches this problem.', fields: { sources: '' } };
      const response = ['Retrieved passages:', ...hits.map((hit, i) => `[${i + 1}] (${hit.passage.source}) ${hit.passage.text}`)].join('\n');
      return {
        response,
        fields: {
          sources: hits.map((hit) => `${hit.passage.source}#${hit.passage.index}`).join(', '),
          scores: hits.map((hit) => hit.score.toFixed(3)).join(', '),
        },
      };
    },
  };
}
