export * from './suite.js';
export * from './answers.js';
export * from './report.js';
