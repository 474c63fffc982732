import type { ReactElement } from 'react';
import { render } from 'ink-testing-library';

export type Rendered = ReturnType<typeof render>;

/** Frames without colour codes (nx forces colour in child processes). */
export const plain = (text: string | undefined): string => (text ?? '').replace(/\u001B\[[0-9;]*m/g, '');

/** Renders like ink-testing-library and announces every frame ink writes, so a test waits on frames instead of polling. */
export function renderApp(tree: ReactElement): Rendered {
  const app = render(tree);
  const write = app.stdout.write;
  app.stdout.write = (frame: string) => {
    write(frame);
    app.stdout.emit('frame');
  };
  return app;
}

/** The first frame, the current one included, that shows `text`; fails with the last frame after `timeoutMs`. */
export function until(app: Rendered, text: string | RegExp, timeoutMs = 8000): Promise<string> {
  const matches = (frame: string): boolean => (typeof text === 'string' ? frame.includes(text) : text.test(frame));
  return new Promise((resolve, reject) => {
    const stop = (): void => {
      clearTimeout(timer);
      app.stdout.off('frame', check);
    };
    const check = (): void => {
      const current = plain(app.lastFrame());
      if (!matches(current)) return;
      stop();
      resolve(current);
    };
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`screen never showed "${String(text)}":\n${plain(app.lastFrame())}`));
    }, timeoutMs);
    app.stdout.on('frame', check);
    check();
  });
}

/** A value a callback will deliver once (onQuit, …), as a promise. */
export function deferred<T>(): { readonly promise: Promise<T>; readonly resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Types `task` at the app's first prompt and waits for the new session's screen. */
export async function startTask(app: Rendered, task = 'What is 6*7?'): Promise<string> {
  await until(app, 'Give the Flow-Director a task');
  app.stdin.write(`${task}\r`);
  return until(app, 'no turns yet');
}
