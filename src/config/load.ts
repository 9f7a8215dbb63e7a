import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { configSchema, type FlowtrailConfig } from './schema.js';

function describeIssue(issue: z.core.$ZodIssue): string {
  const key = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
  if (issue.code === 'unrecognized_keys') {
    const where = issue.path.length > 0 ? `${key}: ` : '';
    return `${where}unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  }
  return `${key}: ${issue.message}`;
}

export function validateConfig(raw: unknown, origin = 'configuration'): FlowtrailConfig {
  const result = configSchema.safeParse(raw ?? {});
  if (!result.success) {
    const lines = result.error.issues.map(describeIssue);
    throw new ConfigError(`invalid ${origin}:\n  ${lines.join('\n  ')}`);
  }
  return result.data;
}
