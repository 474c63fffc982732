export { Bm25Index, DEFAULT_BM25, splitPassages, tokenize, type Bm25Parameters, type Hit, type Passage } from './bm25.js';
export { PLUGIN_NAME, RetrieveOptionsSchema, createRetrieve, type RetrieveOptions } from './operator.js';
export { default as plugin } from './plugin.js';
