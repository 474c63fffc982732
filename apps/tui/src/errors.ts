/** A problem with how the command was invoked or with its input; exits 2. */
export class CliUsageError extends Error {
  override readonly name = 'CliUsageError';
}
