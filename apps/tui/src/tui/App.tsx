import { Box, Text, useApp, useInput } from 'ink';
import { useEffect, useRef, useState } from 'react';
import type { WorkflowNode } from '@flowsteer/canvas';
import { describeError } from '@flowsteer/core';
import { expandShorthand } from '../session/human.js';
import type { OrchestrationSession } from '../session/session.js';

export type Mode = 'step' | 'auto' | 'paused';
type InputPurpose = 'task' | 'takeover' | 'edit';

export const TASK_TYPES = ['math', 'qa', 'code', 'reasoning'] as const;

export interface AppProps {
  /** An existing session (resume), or undefined to ask for a task first. */
  readonly session?: OrchestrationSession;
  readonly start?: (problem: string, type: string) => Promise<OrchestrationSession>;
  readonly runtimeLabel: string;
  readonly runtimeHint: string;
  /** Writes exports; returns the paths written. */
  readonly exportWorkflow?: (session: OrchestrationSession) => Promise<readonly string[]>;
  readonly initialTask?: string;
  readonly initialType?: string;
  /** Delay between automatic turns, so a person can watch. */
  readonly autoDelayMs?: number;
}

const KEYS = 'space step · a auto · p pause · h take over · e edit prompt · u undo · f finish · r run · x export · q quit';

function nodeLines(node: WorkflowNode): string[] {
  switch (node.type) {
    case 'operator':
      return [`${node.id.padEnd(12)} ${node.operator}${node.prompt === undefined ? '' : '  ✎'}`];
    case 'parallel':
      return [`${node.id.padEnd(12)} parallel`, ...node.children.map((c, i) => `  ${i === node.children.length - 1 ? '└' : '├'} ${c.id.padEnd(10)} ${c.operator}`)];
    case 'conditional':
      return [
        `${node.id.padEnd(12)} ${node.condition.operator} ? ${node.trueBranch.operator} : ${node.falseBranch?.operator ?? 'done'}`,
        `  ├ check      ${node.condition.id} ${node.condition.operator}`,
        `  ${node.falseBranch === undefined ? '└' : '├'} on fail    ${node.trueBranch.id} ${node.trueBranch.operator}`,
        ...(node.falseBranch === undefined ? [] : [`  └ on pass    ${node.falseBranch.id} ${node.falseBranch.operator}`]),
      ];
    case 'loop':
      return [`${node.id.padEnd(12)} loop ×${node.count}`, ...node.children.map((c, i) => `  ${i === node.children.length - 1 ? '└' : '├'} ${c.id.padEnd(10)} ${c.operator}`)];
  }
}

function feedbackLines(feedback: string, max: number): string[] {
  return feedback
    .split('\n')
    .filter((line) => line.trim() !== '' && line !== '<feedback>' && line !== '</feedback>' && !/^=+$/.test(line))
    .slice(0, max);
}

export function App(props: AppProps): React.JSX.Element {
  const { exit } = useApp();
  const [session, setSession] = useState<OrchestrationSession | undefined>(props.session);
  const [, setVersion] = useState(0);
  const [mode, setMode] = useState<Mode>('step');
  // Work runs one piece at a time, in the order the keys were pressed; no key is dropped.
  const [pending, setPending] = useState(0);
  const busy = pending > 0;
  const queue = useRef<Promise<void>>(Promise.resolve());
  const [status, setStatus] = useState('');
  const [input, setInput] = useState<{ purpose: InputPurpose; text: string } | undefined>(props.session === undefined ? { purpose: 'task', text: props.initialTask ?? '' } : undefined);
  const [taskType, setTaskType] = useState<string>(props.initialType ?? 'math');
  const modeRef = useRef(mode);
  modeRef.current = mode;
  // The key handler reads the latest state through refs: a key can arrive between a render and
  // the effect that installs the new handler.
  const sessionRef = useRef(session);
  sessionRef.current = session;
  const inputRef = useRef(input);
  inputRef.current = input;

  useEffect(() => session?.subscribe(() => setVersion((v) => v + 1)), [session]);

  const run = (what: string, work: () => Promise<void>): Promise<void> => {
    setPending((n) => n + 1);
    queue.current = queue.current.then(async () => {
      try {
        await work();
      } catch (error) {
        setStatus(`${what} failed: ${describeError(error)}`);
        setMode('paused');
      } finally {
        setPending((n) => n - 1);
      }
    });
    return queue.current;
  };

  // Automatic mode: keep stepping until done or paused.
  useEffect(() => {
    if (mode !== 'auto' || busy || session === undefined) return;
    if (session.done) {
      setMode('step');
      setStatus('workflow finished — press r to run it');
      return;
    }
    const timer = setTimeout(() => {
      if (modeRef.current !== 'auto') return;
      void run('policy turn', async () => {
        await session.step();
      });
    }, props.autoDelayMs ?? 150);
    return () => clearTimeout(timer);
  });

  const submit = async (purpose: InputPurpose, text: string): Promise<void> => {
    if (purpose === 'task') {
      if (text.trim() === '' || props.start === undefined) return;
      await run('start', async () => {
        const started = await props.start!(text.trim(), taskType);
        setSession(started);
        setStatus(`session ${started.id} started`);
      });
      return;
    }
    if (session === undefined) return;
    if (purpose === 'edit') {
      const [nodeId = '', ...words] = text.trim().split(/\s+/);
      await run('edit prompt', async () => {
        const turn = await session.setPrompt(nodeId, words.join(' '));
        setStatus(turn?.accepted === true ? `prompt of ${nodeId} updated` : `prompt not set: ${/\[Message\]: (.*)/.exec(turn?.feedback ?? '')?.[1] ?? 'rejected'}`);
      });
      return;
    }
    await run('your turn', async () => {
      const turn = await session.human(session.awaitingPrompt ? text : expandShorthand(text));
      setStatus(turn === undefined ? 'the workflow is finished' : `your turn: ${turn.accepted ? 'accepted' : 'rejected'}`);
    });
  };

  useInput((char, key) => {
    const input = inputRef.current;
    const session = sessionRef.current;
    if (input !== undefined) {
      if (key.escape) {
        if (input.purpose !== 'task') setInput(undefined);
        return;
      }
      if (key.return) {
        const { purpose, text } = input;
        inputRef.current = undefined;
        setInput(undefined);
        void submit(purpose, text);
        return;
      }
      if (key.tab && input.purpose === 'task') {
        setTaskType((t) => TASK_TYPES[(TASK_TYPES.indexOf(t as (typeof TASK_TYPES)[number]) + 1) % TASK_TYPES.length] as string);
        return;
      }
      if (key.backspace || key.delete) {
        const next = { ...input, text: input.text.slice(0, -1) };
        inputRef.current = next;
        setInput(next);
        return;
      }
      if (char !== '' && !key.ctrl && !key.meta) {
        // Pasted text can carry the Enter with it: take what precedes it and submit.
        const newline = char.search(/[\r\n]/);
        if (newline >= 0) {
          inputRef.current = undefined;
          setInput(undefined);
          void submit(input.purpose, input.text + char.slice(0, newline));
          return;
        }
        const next = { ...input, text: input.text + char };
        inputRef.current = next;
        setInput(next);
      }
      return;
    }
    if (session === undefined) return;
    if (char === 'q') {
      exit();
      return;
    }
    switch (char) {
      case ' ':
      case 's':
        setMode('step');
        void run('policy turn', async () => {
          const turn = await session.step();
          if (turn === undefined) setStatus('the workflow is finished — press r to run it');
        });
        break;
      case 'a':
        setMode(mode === 'auto' ? 'paused' : 'auto');
        setStatus(mode === 'auto' ? 'paused' : 'running automatically — p pauses');
        break;
      case 'p':
        setMode('paused');
        setStatus('paused');
        break;
      case 'h':
        setMode('paused');
        inputRef.current = { purpose: 'takeover', text: '' };
        setInput({ purpose: 'takeover', text: '' });
        break;
      case 'e':
        setMode('paused');
        inputRef.current = { purpose: 'edit', text: '' };
        setInput({ purpose: 'edit', text: '' });
        break;
      case 'u':
        void run('undo', async () => setStatus((await session.undo()) ? 'undid the last turn' : 'nothing to undo'));
        break;
      case 'f':
        void run('finish', async () => {
          const turn = await session.finish();
          setStatus(turn?.accepted === true ? 'finished — press r to run the workflow' : `finish rejected: ${/\[Message\]: (.*)/.exec(turn?.feedback ?? '')?.[1] ?? ''}`);
        });
        break;
      case 'r':
        void run('run', async () => {
          setStatus('running the workflow…');
          const result = await session.runFinal();
          setStatus(result.success ? 'run complete' : `run failed: ${result.detail ?? ''}`);
        });
        break;
      case 'x':
        if (props.exportWorkflow !== undefined) {
          void run('export', async () => setStatus(`exported: ${(await props.exportWorkflow!(session)).join(', ')}`));
        }
        break;
      default:
        break;
    }
  });

  const header = (
    <Box flexDirection="column">
      <Text bold color="cyan">
        FlowSteer{session === undefined ? '' : ` · session ${session.id}`}
      </Text>
      <Text>{props.runtimeLabel}</Text>
      <Text dimColor>{props.runtimeHint}</Text>
    </Box>
  );

  if (session === undefined) {
    return (
      <Box flexDirection="column">
        {header}
        <Text> </Text>
        <Text>Give the Flow-Director a task (Enter to start, Tab changes the type).</Text>
        <Text>
          type: <Text color="yellow">{taskType}</Text>
        </Text>
        <Text>
          task&gt; {input?.text ?? ''}
          <Text inverse> </Text>
        </Text>
        {status === '' ? null : <Text color="red">{status}</Text>}
      </Box>
    );
  }

  const graph = session.env.graph;
  const state = session.env.state;
  const last = session.turns[session.turns.length - 1];
  const outputs = [...session.nodeOutputs().entries()].filter(([, text]) => text !== '').slice(-4);
  return (
    <Box flexDirection="column">
      {header}
      <Text>
        task [{session.task.type}]: {session.task.problem.length > 100 ? `${session.task.problem.slice(0, 100)}…` : session.task.problem}
      </Text>
      <Text>
        mode <Text color="yellow">{busy ? `${mode} (working…)` : mode}</Text> · turn {state.round}/{session.env.maxRounds} · tokens {session.tokens}
        {session.done ? ' · finished' : session.awaitingPrompt ? ' · awaiting an operator prompt' : ''}
      </Text>
      <Box flexDirection="column" borderStyle="round" paddingX={1}>
        <Text bold>Workflow: {graph.toDsl() === '' ? '(empty)' : graph.toDsl()}</Text>
        {graph.nodes.flatMap(nodeLines).map((line, i) => (
          <Text key={i}>{line}</Text>
        ))}
      </Box>
      {last === undefined ? (
        <Text dimColor>no turns yet — press space to let the policy act, or h to act yourself</Text>
      ) : (
        <Box flexDirection="column">
          <Text>
            turn {last.round} · {last.driver === 'human' ? 'you' : session.policyId} · {last.kind} ·{' '}
            <Text color={last.accepted ? 'green' : 'red'}>{last.accepted ? 'accepted' : 'rejected'}</Text>
          </Text>
          {last.reasoning === undefined ? null : <Text dimColor>reasoning: {last.reasoning.slice(0, 200)}</Text>}
          <Text>{last.kind === 'prompt' ? `prompt: ${last.text.slice(0, 160)}` : `action: ${last.text.slice(0, 160)}`}</Text>
          {feedbackLines(last.feedback, 8).map((line, i) => (
            <Text key={i} dimColor>
              {line.slice(0, 160)}
            </Text>
          ))}
        </Box>
      )}
      {outputs.length === 0 ? null : (
        <Box flexDirection="column">
          {outputs.map(([nodeId, text]) => (
            <Text key={nodeId}>
              ▸ {nodeId}: {text.replace(/\s+/g, ' ').slice(-120)}
            </Text>
          ))}
        </Box>
      )}
      {session.final === undefined ? null : (
        <Text color={session.final.success ? 'green' : 'red'}>
          answer: {session.final.success ? session.final.answer : `(failed) ${session.final.detail ?? ''}`}
        </Text>
      )}
      {status === '' ? null : <Text color="yellow">{status}</Text>}
      {input === undefined ? (
        <Text dimColor>{KEYS}</Text>
      ) : (
        <Box flexDirection="column">
          <Text dimColor>
            {input.purpose === 'edit'
              ? 'edit a prompt: NODE_ID then the new prompt (Enter applies, Esc cancels)'
              : session.awaitingPrompt
                ? 'write the prompt the canvas is waiting for (Enter sends, Esc cancels)'
                : 'your action: XML, or add X · parallel A,B · cond Verify Revise · loop A,B 2 · del ID · mod ID X · prompt ID text · finish'}
          </Text>
          <Text>
            you&gt; {input.text}
            <Text inverse> </Text>
          </Text>
        </Box>
      )}
    </Box>
  );
}
