import { FlowSteerError, type FlowSteerErrorCode } from '@flowsteer/core';

/** Stable reasons a request is refused; the `reason` field of every error body. */
export type EnvErrorReason =
  | 'BAD_REQUEST'
  | 'UNAUTHORIZED'
  | 'NOT_FOUND'
  | 'EPISODE_OVER'
  | 'SESSION_BUSY'
  | 'TOO_LARGE'
  | 'TOO_MANY_SESSIONS'
  | 'SHUTTING_DOWN'
  | 'PROTOCOL_MISMATCH'
  | 'INTERNAL';

const STATUS: Readonly<Record<EnvErrorReason, number>> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  NOT_FOUND: 404,
  EPISODE_OVER: 409,
  SESSION_BUSY: 409,
  TOO_LARGE: 413,
  TOO_MANY_SESSIONS: 429,
  SHUTTING_DOWN: 503,
  PROTOCOL_MISMATCH: 400,
  INTERNAL: 500,
};

const CODE: Readonly<Record<EnvErrorReason, FlowSteerErrorCode>> = {
  BAD_REQUEST: 'VALIDATION_FAILED',
  UNAUTHORIZED: 'VALIDATION_FAILED',
  NOT_FOUND: 'NOT_FOUND',
  EPISODE_OVER: 'ACTION_REJECTED',
  SESSION_BUSY: 'ACTION_REJECTED',
  TOO_LARGE: 'VALIDATION_FAILED',
  TOO_MANY_SESSIONS: 'VALIDATION_FAILED',
  SHUTTING_DOWN: 'ABORTED',
  PROTOCOL_MISMATCH: 'VALIDATION_FAILED',
  INTERNAL: 'VALIDATION_FAILED',
};

/** A refused environment request: an HTTP status plus a machine-readable reason. */
export class EnvRequestError extends FlowSteerError {
  readonly status: number;
  readonly reason: EnvErrorReason;

  constructor(reason: EnvErrorReason, message: string) {
    super(CODE[reason], message, { details: { reason } });
    this.reason = reason;
    this.status = STATUS[reason];
  }
}
