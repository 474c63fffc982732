import { parentPort, workerData } from 'node:worker_threads';
import { loadPyodide } from 'pyodide';
import { PYODIDE_GUARD_PY, RUNNER_PY } from './python.js';

interface WorkerInit {
  readonly indexURL: string;
  readonly interruptBuffer: SharedArrayBuffer;
}

interface Job {
  readonly id: number;
  readonly code: string;
  readonly stdin: string;
}

const init = workerData as WorkerInit;
const port = parentPort;
if (port === null) throw new Error('pyodide-worker must run in a worker thread');

const py = await loadPyodide({ indexURL: init.indexURL, stdout: () => undefined, stderr: () => undefined });
const interrupt = new Uint8Array(init.interruptBuffer);
py.setInterruptBuffer(interrupt);
py.runPython(RUNNER_PY);
const run = py.globals.get('_flowsteer_run') as (code: string, stdin: string) => string;
py.runPython(PYODIDE_GUARD_PY);

port.on('message', (job: Job) => {
  interrupt[0] = 0;
  let payload: unknown;
  try {
    payload = JSON.parse(run(job.code, job.stdin));
  } catch (error) {
    payload = { status: 'error', stdout: '', stderr: String(error), errorType: 'SandboxError' };
  }
  const heapBytes = (py as unknown as { _module: { HEAP8: { length: number } } })._module.HEAP8.length;
  port.postMessage({ id: job.id, result: payload, heapBytes });
});
port.postMessage({ ready: true });
