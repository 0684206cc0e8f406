/**
 * `team-notes export`: writes what a data folder keeps of a group (its chat, notes, code snippets
 * and images) as a Markdown file, with the images in a folder beside it. Reads the history only; no
 * network.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { NetError } from '../net/errors';
import { exportHistory } from '../net/exportFiles';
import { GroupHistory, groupHistoryFolder } from '../net/groupHistory';
import { KEY_FILE, loadOrCreateKey } from './dataFolder';
import { parseLogLevel, stderrLogger } from './consoleLogger';
import { printEvent } from './output';

export const exportUsage = `team-notes export --data DIR --group G --out FILE [--json]
  Writes the chat, notes, code snippets and images a data folder keeps of a group as Markdown.
  --data DIR        the data folder of \`team-notes chat --data DIR\`
  --group G         the group
  --out FILE        the Markdown file to write (images go in a folder beside it)
  --json            print the result as one JSON object`;

export function runExport(argv: string[]): number {
  const { values } = parseArgs({
    args: argv,
    options: { data: { type: 'string' }, group: { type: 'string' }, out: { type: 'string' }, json: { type: 'boolean', default: false }, 'log-level': { type: 'string' } },
    strict: true,
  });
  if (values.data === undefined || values.group === undefined || values.out === undefined) throw new NetError('ERR_BAD_INPUT', '--data, --group and --out are required');
  if (!existsSync(groupHistoryFolder(values.data, values.group))) throw new NetError('ERR_BAD_INPUT', `${values.data} keeps no history of the group "${values.group}"`);
  const self = existsSync(join(values.data, KEY_FILE)) ? loadOrCreateKey(values.data).id : undefined;
  const history = GroupHistory.open(values.data, values.group, self ?? '', { logger: stderrLogger(parseLogLevel(values['log-level'], 'warn')) });
  try {
    const { file, images } = exportHistory(history, values.out, self);
    printEvent(values.json, { event: 'exported', file, messages: history.size, images }, `Wrote ${file} (${history.size} messages, ${images} images).`);
  } finally {
    history.close();
  }
  return 0;
}
