import type { CanvasExecutionRequest, CanvasExecutionResult, CanvasExecutor } from '@flowsteer/canvas';
import { Rng, SimulatedExecutor } from '@flowsteer/cwrpo';
import type { EnvTask } from './protocol.js';

/**
 * The test executor: no LLM runs. The workflow simulator gives the chance that this workflow
 * answers this kind of task; a draw from the session's seed decides whether the "answer" is the
 * task's ground truth or a miss, and the real metrics then score it like any executor's answer.
 * Code tasks get no code from it, so they score 0. Its numbers say nothing about real LLMs.
 */
export class SimulatedAnswerExecutor implements CanvasExecutor {
  readonly #simulator = new SimulatedExecutor();
  readonly #task: EnvTask;
  readonly #seed: number;

  constructor(task: EnvTask, seed: number) {
    this.#task = task;
    this.#seed = seed;
  }

  async execute(request: CanvasExecutionRequest): Promise<CanvasExecutionResult> {
    const simulated = await this.#simulator.execute(request);
    const output = simulated.output as { simulated_probability: number; simulated_tokens: number };
    const draw = new Rng(this.#seed).fork(request.turn).next();
    const hit = draw < output.simulated_probability && this.#task.answer !== undefined && this.#task.type !== 'code';
    return {
      success: true,
      output: {
        output: hit ? answerText(this.#task) : '[simulated] the workflow missed this time (workflow simulator, no LLM ran)',
        simulated_probability: output.simulated_probability,
        simulated_tokens: output.simulated_tokens,
      },
    };
  }
}

function answerText(task: EnvTask): string {
  const answer = task.answer ?? '';
  return task.type === 'math' ? `\\boxed{${answer}}` : answer;
}
