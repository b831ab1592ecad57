// The engine's one error type: a code the signaling layer maps to a client-facing error frame.
export type EngineErrorCode =
  | 'unsupported'
  | 'invalid_state'
  | 'not_found'
  | 'invalid_parameters'
  | 'cannot_consume'
  | 'limit_reached'
  | 'engine_unavailable';

export class EngineError extends Error {
  override readonly name = 'EngineError';
  constructor(
    readonly code: EngineErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export const unsupported = (what: string, engine: string) =>
  new EngineError('unsupported', `${what} is not supported by the ${engine} engine`);
