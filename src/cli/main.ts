/**
 * `team-notes`: the terminal tools of Team Notes, built on the same src/net code as the extension.
 *   team-notes repository ...   an always-on repository server
 *   team-notes chat ...         a terminal peer (for bots, servers, tests and benchmarks)
 *   team-notes export ...       a group's history as Markdown
 *   team-notes doctor ...       why members can or cannot reach each other
 */
import { isNetError } from '../net/errors';
import { chatUsage, runChat } from './chatCommand';
import { doctorUsage, runDoctor } from './doctorCommand';
import { exportUsage, runExport } from './exportCommand';
import { terminalSafe } from './output';
import { repositoryUsage, runRepository } from './repositoryCommand';

const usage = `Usage:\n  ${repositoryUsage}\n\n  ${chatUsage}\n\n  ${exportUsage}\n\n  ${doctorUsage}\n`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'repository') return runRepository(rest);
  if (command === 'chat') return runChat(rest);
  if (command === 'export') return runExport(rest);
  if (command === 'doctor') return runDoctor(rest);
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(usage);
    return command === undefined ? 2 : 0;
  }
  process.stderr.write(`Unknown command "${terminalSafe(command)}".\n${usage}`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    // Bad arguments and network errors are the user's to fix: a clear line, no stack trace.
    // Anything else is a bug in this program and keeps its stack.
    const argumentError = err instanceof Error && String((err as NodeJS.ErrnoException).code).startsWith('ERR_PARSE_ARGS');
    // A message may quote remote input (a member's name, a refused field): terminalSafe, and a
    // stack keeps its lines but each is made safe on its own.
    if (isNetError(err) || argumentError) {
      process.stderr.write(`team-notes: ${isNetError(err) ? err.code : 'ERR_BAD_INPUT'}: ${terminalSafe((err as Error).message)}\n`);
    } else {
      process.stderr.write(`team-notes: unexpected failure: ${(err instanceof Error ? (err.stack ?? err.message) : String(err)).split('\n').map(terminalSafe).join('\n')}\n`);
    }
    process.exitCode = 1;
  },
);
