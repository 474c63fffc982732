/**
 * Reference reproduction: parsers and data that reproduce the Python reference for conformance
 * and for analysing reference runs. The canvas itself does not need them.
 */
export { parseDslReference } from './canvas-dsl.js';
export { parseDslExecutorReference, type ExecutorParse, type ExecutorStage } from './executor-dsl.js';
export { REFERENCE_ROLE_LISTS, type RoleName } from './library.js';
export { ECMASCRIPT_SEMANTICS, PYTHON_SEMANTICS, textSemantics, type RegexSemantics, type TextSemantics } from '../parsing/text-semantics.js';
