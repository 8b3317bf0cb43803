// How hub and agent logs look: `log_format` = pretty (ISO times, for a person) or json (one object a line, for journald).

/** The `log_format` values; undefined means pretty on a terminal, json otherwise. */
export type LogFormat = 'pretty' | 'json';

/** The pino transport for pretty output: ISO-8601 UTC times, without pid and host noise. */
export interface PrettyTransport {
  target: 'pino-pretty';
  options: { translateTime: string; ignore: string; colorize: boolean; destination: 1 };
}

/** The format in effect: the configured one, else pretty when stdout is a terminal. */
export function effectiveLogFormat(configured: LogFormat | undefined, stdoutIsTerminal: boolean): LogFormat {
  return configured ?? (stdoutIsTerminal ? 'pretty' : 'json');
}

/** pino options for a format: `base` plus the pretty transport when pretty (json: pino writes lines to stdout itself). */
export function withLogFormat<T extends object>(base: T, configured: LogFormat | undefined, stdoutIsTerminal: boolean): T & { transport?: PrettyTransport } {
  const transport = logTransport(effectiveLogFormat(configured, stdoutIsTerminal), stdoutIsTerminal);
  return transport === undefined ? base : { ...base, transport };
}

/** The transport pino gets for a format; undefined for json. */
export function logTransport(format: LogFormat, stdoutIsTerminal: boolean): PrettyTransport | undefined {
  if (format === 'json') return undefined;
  return { target: 'pino-pretty', options: { translateTime: "UTC:yyyy-mm-dd'T'HH:MM:ss.l'Z'", ignore: 'pid,hostname', colorize: stdoutIsTerminal, destination: 1 } };
}
