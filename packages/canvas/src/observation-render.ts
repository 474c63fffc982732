/**
 * What the policy sees after a step, rendered from the step's frame when first read: the action
 * prompt (or the operator-prompt request) and the typed state for non-LLM policies.
 */
import { finishViolation, type FinishRuleSettings, type FinishViolation } from './finish-rules.js';
import type { GraphStatistics } from './graph.js';
import type { CanvasObservationState } from './observation.js';
import type { ObservationFrame, ObservationRenderer } from './observation-frame.js';
import { buildPromptRequest } from './prompt.js';
import { renderActionPrompt } from './prompt-text.js';
import type { OperatorRoles } from './roles.js';
import type { OperatorSpec } from './vocabulary.js';
import type { CanvasState, PendingPrompt } from './env-types.js';

export interface ObservationSettings {
  readonly maxRounds: number;
  readonly specs: ReadonlyMap<string, OperatorSpec>;
  readonly roles: OperatorRoles;
  readonly finishRules: FinishRuleSettings;
}

export function pendingOperator(pending: PendingPrompt): string {
  return pending.kind === 'children' ? (pending.targets[pending.cursor]?.operator ?? '') : pending.operator;
}

export class CanvasObservationRenderer implements ObservationRenderer {
  readonly #settings: ObservationSettings;

  constructor(settings: ObservationSettings) {
    this.#settings = settings;
  }

  text(frame: ObservationFrame): string {
    const { state } = frame;
    if (state.phase === 'awaiting_prompt' && state.pending !== undefined) {
      const pending = state.pending;
      const operator = pendingOperator(pending);
      return buildPromptRequest({
        problem: state.task.problem,
        operator,
        description: this.#settings.specs.get(operator)?.description ?? `Use the ${operator} operator.`,
        ...(pending.kind === 'children' ? { context: frame.text.childContext(pending, state.lastExecutionResult) } : {}),
      });
    }
    return renderActionPrompt(frame.text.actionPromptHead(), {
      problem: state.task.problem,
      problemType: state.task.type,
      round: state.round + 1,
      maxRounds: this.#settings.maxRounds,
      dsl: frame.dsl,
      totalOperators: frame.stats.totalOperators,
      uniqueTypes: frame.stats.uniqueTypes,
      nodeIds: frame.graph.nodes.map((n) => n.id),
      ...(state.lastFeedback === undefined ? {} : { lastFeedback: state.lastFeedback }),
    });
  }

  state(frame: ObservationFrame): CanvasObservationState {
    const { state, stats } = frame;
    const awaitingPrompt = state.phase === 'awaiting_prompt';
    return {
      dsl: frame.dsl,
      phase: state.phase,
      round: state.round,
      maxRounds: this.#settings.maxRounds,
      operators: stats.operatorList,
      hasParallel: stats.hasParallel,
      hasConditional: stats.hasConditional,
      hasLoop: stats.hasLoop,
      taskType: state.task.type,
      pendingOperator: awaitingPrompt && state.pending !== undefined ? pendingOperator(state.pending) : null,
      finishAllowed: !state.finished && this.finishViolation(state, stats) === undefined,
      finished: state.finished,
    };
  }

  finishViolation(state: Pick<CanvasState, 'task' | 'lastExecutionResult'>, stats: GraphStatistics): FinishViolation | undefined {
    return finishViolation(this.#settings.finishRules, {
      operators: stats.operatorList,
      hasStructure: stats.hasParallel || stats.hasConditional || stats.hasLoop,
      problemType: state.task.type,
      ...(state.task.test === undefined ? {} : { test: state.task.test }),
      lastExecutionResult: state.lastExecutionResult,
      roles: this.#settings.roles,
    });
  }
}
