/** An invalid GPT-2 configuration; `field` names the config.json key, `source` the file if any. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    message: string,
    readonly source?: string,
    readonly field?: string,
  ) {
    super(message);
  }
}
