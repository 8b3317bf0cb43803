// Plain sentences for config values the schema refuses: "server_root is required", "stream_maxlen must be at least 100".
import type { z } from 'zod';

/** Where the refused value came from, for the message: a flag, an env variable or the config file. */
export interface IssueContext {
  /** Dotted key, e.g. `publisher.quiet_ms`. */
  key: string;
  /** The value as merged from every source; undefined when no source set it. */
  value: unknown;
  /** `--flag` or `ENV_NAME` when one of those set it; undefined for the file. */
  origin: string | undefined;
  filePath: string | undefined;
  /** How to set the key, e.g. `--server-root or ARTISYNC_SERVER_ROOT`. */
  howToSet: string;
}

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  int: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
  array: 'a list of strings',
  object: 'a table',
};

function shown(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
}

function requirement(issue: z.core.$ZodIssue, value: unknown): string {
  switch (issue.code) {
    case 'invalid_type':
      return `must be ${TYPE_WORDS[issue.expected] ?? issue.expected}`;
    case 'too_small':
      if (issue.origin === 'string') return 'must not be empty';
      if (issue.origin === 'array') return `must list at least ${String(issue.minimum)}`;
      return `must be at least ${String(issue.minimum)}`;
    case 'too_big':
      return `must be at most ${String(issue.maximum)}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((item) => shown(item)).join(', ')}`;
    case 'invalid_format':
      return issue.format === 'url' ? 'must be a URL such as http://hub.example:7420' : 'must be host:port, e.g. 127.0.0.1:7420';
    default:
      return value === undefined ? 'is invalid' : `is invalid (${issue.message})`;
  }
}

/** One sentence naming the key, what it must be, the value given and where it came from. */
export function describeConfigIssue(issue: z.core.$ZodIssue, context: IssueContext): string {
  const file = context.filePath === undefined ? '' : ` (config ${context.filePath})`;
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((key) => (context.key === '' ? key : `${context.key}.${key}`));
    return `unknown config key ${keys.join(', ')}${file}: check the spelling against the README's config tables`;
  }
  if (context.value === undefined) {
    const where = context.filePath === undefined ? '' : `${context.filePath}, `;
    return `${context.key} is required: set it in ${where}${context.howToSet}`;
  }
  const from = context.origin === undefined ? file : ` (from ${context.origin})`;
  return `${context.key} ${requirement(issue, context.value)}, got ${shown(context.value)}${from}`;
}
