/**
 * The options every command that joins a group takes (`chat`, `doctor`): which group, through which
 * repository or the LAN, with which password, listening where, logging how much.
 */
import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import { NetError } from '../net/errors';

/** The `parseArgs` options of a join, to spread into a command's own. */
export const JOIN_OPTIONS = {
  group: { type: 'string' },
  name: { type: 'string' },
  repository: { type: 'string' },
  'no-discovery': { type: 'boolean', default: false },
  'password-file': { type: 'string' },
  listen: { type: 'string', default: '0.0.0.0:0' },
  json: { type: 'boolean', default: false },
  'log-level': { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

export interface JoinOptions {
  group: string;
  /** As given; each command has its own default. */
  name?: string;
  /** Undefined: find the group on the LAN. */
  repository?: string;
  discovery: boolean;
  passwordFile?: string;
  listen: string;
  json: boolean;
  logLevel?: string;
}

/**
 * Parses a command line of the join options and the command's `own` options.
 *
 * @throws NetError `ERR_BAD_INPUT` without `--group`; parseArgs' error for an unknown option.
 */
export function parseJoinCommand<O extends NonNullable<ParseArgsConfig['options']>>(argv: string[], own: O) {
  const { values } = parseArgs({ args: argv, options: { ...JOIN_OPTIONS, ...own }, strict: true });
  const v = values as Record<string, unknown>;
  if (typeof v.group !== 'string') throw new NetError('ERR_BAD_INPUT', '--group is required');
  const join: JoinOptions = {
    group: v.group,
    name: v.name as string | undefined,
    repository: v.repository as string | undefined,
    discovery: v['no-discovery'] !== true,
    passwordFile: v['password-file'] as string | undefined,
    listen: v.listen as string,
    json: v.json === true,
    logLevel: v['log-level'] as string | undefined,
  };
  return { join, values };
}
