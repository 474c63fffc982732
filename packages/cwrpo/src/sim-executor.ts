import { WorkflowGraph, type CanvasExecutionRequest, type CanvasExecutionResult, type CanvasExecutor } from '@flowsteer/canvas';
import { WorkflowSimulator, type SimFamily, type SimTask } from './simulator.js';

/**
 * A CanvasExecutor backed by the workflow simulator: no LLM runs; the "result" states the
 * modelled chance that the workflow answers this kind of task, and its simulated token cost.
 * It is what the app uses when no model is configured, and it says so in every result.
 */
export class SimulatedExecutor implements CanvasExecutor {
  readonly #simulator = new WorkflowSimulator();

  async execute(request: CanvasExecutionRequest): Promise<CanvasExecutionResult> {
    const type = request.task.type;
    const family: SimFamily = type === 'math' ? 'math' : type === 'code' ? 'code' : 'qa';
    const task: SimTask = { id: 'interactive', family, difficulty: 0, problem: request.task.problem, type: family };
    const graph = WorkflowGraph.restore(request.graph);
    const probability = this.#simulator.successProbability(task, graph);
    const tokens = this.#simulator.tokenCost(graph);
    return {
      success: true,
      output: {
        output: `[simulated] p(correct) = ${(probability * 100).toFixed(1)}% for a ${family} task (workflow simulator, no LLM ran)`,
        simulated_probability: probability,
        simulated_tokens: tokens,
      },
    };
  }
}
