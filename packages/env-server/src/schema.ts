/**
 * JSON Schema (2020-12) of protocol `flowsteer.env/1`, served at GET /v1/schema. Each request and
 * response shape is a `$defs` entry; the tests validate real server traffic against it.
 */
const str = { type: 'string' } as const;
const num = { type: 'number' } as const;
const bool = { type: 'boolean' } as const;
const protocol = { const: 'flowsteer.env/1' } as const;

export const PROTOCOL_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://flowsteer.dev/schemas/env/1.json',
  title: 'FlowSteer environment protocol flowsteer.env/1',
  $defs: {
    Task: {
      type: 'object',
      required: ['problem'],
      properties: {
        id: str,
        problem: { type: 'string', minLength: 1 },
        type: { enum: ['math', 'qa', 'code', 'mc', 'reasoning'] },
        source: str,
        answer: str,
        tests: str,
        entryPoint: str,
        prompt: str,
      },
    },
    ResetRequest: {
      type: 'object',
      required: ['task'],
      properties: {
        protocol,
        task: { $ref: '#/$defs/Task' },
        seed: { type: 'integer', minimum: 0, maximum: 4294967295 },
        schedule: { enum: ['reference', 'reference-loop-bug', 'milestones', 'correctness'] },
        scoring: { enum: ['strict', 'official'] },
        compact: bool,
      },
    },
    StepRequest: {
      type: 'object',
      required: ['session', 'action'],
      properties: { protocol, session: str, action: str },
    },
    BatchRequest: {
      type: 'object',
      required: ['requests'],
      properties: { protocol, requests: { type: 'array', items: { type: 'object' } } },
    },
    RolloutRequest: {
      allOf: [{ $ref: '#/$defs/ResetRequest' }],
      properties: { rollout: { type: 'object', properties: { id: str, policyBaseUrl: str, rewardUrl: str }, additionalProperties: false } },
    },
    ChatMessage: {
      type: 'object',
      required: ['role', 'content'],
      properties: { role: { enum: ['system', 'user', 'assistant', 'tool'] }, content: str },
    },
    Observation: {
      type: 'object',
      // `messages` is left out of the observations of a session reset with `compact: true`.
      required: ['turn', 'text', 'awaitingPrompt'],
      additionalProperties: false,
      properties: { turn: { type: 'integer', minimum: 0 }, text: str, messages: { type: 'array', items: { $ref: '#/$defs/ChatMessage' } }, awaitingPrompt: bool },
    },
    StepInfo: {
      type: 'object',
      required: ['round', 'kind', 'accepted', 'phase', 'dsl', 'executed', 'finished', 'forcedFinish'],
      properties: { round: { type: 'integer' }, kind: { enum: ['action', 'prompt'] }, accepted: bool, phase: { enum: ['building', 'awaiting_prompt'] }, dsl: str, executed: bool, finished: bool, forcedFinish: bool },
    },
    Breakdown: {
      type: 'object',
      required: ['schedule', 'components', 'structure', 'released', 'correctness', 'total', 'finished', 'forcedFinish', 'forcedFinishPenalty', 'rounds', 'dsl', 'metric', 'prediction', 'extracted'],
      additionalProperties: false,
      properties: {
        schedule: str,
        components: { type: 'object', additionalProperties: num },
        structure: num,
        released: bool,
        correctness: { type: 'number', minimum: 0, maximum: 1 },
        total: num,
        finished: bool,
        forcedFinish: bool,
        forcedFinishPenalty: { type: 'number', minimum: 0 },
        rounds: { type: 'integer', minimum: 0 },
        dsl: str,
        metric: { enum: ['math', 'f1', 'em', 'mc', 'pass@1'] },
        prediction: str,
        extracted: str,
        scoreDetail: str,
      },
    },
    ResetResponse: {
      type: 'object',
      required: ['protocol', 'session', 'seed', 'schedule', 'observation'],
      additionalProperties: false,
      properties: { protocol, session: str, seed: { type: 'integer' }, schedule: str, observation: { $ref: '#/$defs/Observation' } },
    },
    StepResponse: {
      type: 'object',
      required: ['protocol', 'session', 'observation', 'feedback', 'done', 'action', 'info', 'reward'],
      additionalProperties: false,
      properties: {
        protocol,
        session: str,
        observation: { $ref: '#/$defs/Observation' },
        feedback: str,
        done: bool,
        action: str,
        info: { $ref: '#/$defs/StepInfo' },
        reward: num,
        breakdown: { $ref: '#/$defs/Breakdown' },
      },
    },
    ErrorResponse: {
      type: 'object',
      required: ['protocol', 'error', 'reason'],
      additionalProperties: false,
      properties: {
        protocol,
        error: str,
        reason: { enum: ['BAD_REQUEST', 'UNAUTHORIZED', 'NOT_FOUND', 'EPISODE_OVER', 'SESSION_BUSY', 'TOO_LARGE', 'TOO_MANY_SESSIONS', 'SHUTTING_DOWN', 'PROTOCOL_MISMATCH', 'INTERNAL'] },
      },
    },
    BatchResponse: {
      type: 'object',
      required: ['protocol', 'results'],
      additionalProperties: false,
      properties: {
        protocol,
        results: { type: 'array', items: { type: 'object', required: ['status', 'body'], additionalProperties: false, properties: { status: { type: 'integer' }, body: { type: 'object' } } } },
      },
    },
    HealthResponse: {
      type: 'object',
      required: ['protocol', 'ok', 'sessions', 'maxSessions'],
      additionalProperties: false,
      properties: { protocol, ok: bool, sessions: { type: 'integer', minimum: 0 }, maxSessions: { type: 'integer', minimum: 1 } },
    },
    RolloutResponse: {
      type: 'object',
      required: ['protocol', 'session', 'reward', 'breakdown', 'turns'],
      additionalProperties: false,
      properties: {
        protocol,
        session: str,
        rolloutId: str,
        reward: num,
        breakdown: { $ref: '#/$defs/Breakdown' },
        turns: {
          type: 'array',
          items: {
            type: 'object',
            required: ['turn', 'awaitingPrompt', 'completion', 'accepted'],
            additionalProperties: false,
            properties: { turn: { type: 'integer' }, awaitingPrompt: bool, completion: str, tokenIds: { type: 'array', items: { type: 'integer' } }, logprobs: { type: 'array', items: num }, accepted: bool },
          },
        },
        rewardPosted: bool,
        rewardPostError: str,
      },
    },
  },
} as const;
