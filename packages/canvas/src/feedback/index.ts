/**
 * The feedback text the canvas returns each turn, as pure functions. Line prefixes, order and
 * messages follow the reference so trained policies and conformance vectors carry over.
 */
export { MC_TYPES, executionText, hasExecutionResult, isConcise, isMultipleChoiceType, looksLikeExecutionError, looksLong, truncate, type ExecutionValue, type ProblemType } from './values.js';
export { detectVerification, type VerificationSignal, type VerifyResult } from './verification.js';
export { extractTestError, suggestFix } from './errors.js';
export { memorySummary, recordError, type MemoryAction, type MemoryError, type MemoryState } from './memory.js';
export { formatFeedback, type CanvasView, type GenericFeedback } from './sections.js';
export { formatChildPromptRequest, formatPendingPromptRequest } from './prompt-requests.js';
export { adviseNext, type Advice, type AdvisorInput } from './advice.js';
export { formatPromptSetSuccess, type PromptSetFeedback } from './prompt-set.js';
