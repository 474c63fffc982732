export * from './expression.js';
export * from './metrics.js';
export * from './datasets.js';
export * from './scoring.js';
export * from './run.js';
