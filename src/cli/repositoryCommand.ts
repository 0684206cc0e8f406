import { parseArgs } from 'node:util';
import { DEFAULT_REPOSITORY_PORT } from '../net/limits';
import { RepositoryServer } from '../net/repositoryServer';
import { formatAddress, parseAddress } from '../net/tcp';
import { parseLogLevel, stderrLogger } from './consoleLogger';
import { onShutdown, printEvent } from './output';

export const repositoryUsage = `team-notes repository [--host H] [--port P] [--json] [--log-level L]
  Runs a repository server: it tells newcomers who is in each group.
  --host H        address to listen on (default 0.0.0.0, every interface)
  --port P        TCP port (default ${DEFAULT_REPOSITORY_PORT}; 0 picks a free one)
  --json          one JSON object per line on stdout
  --log-level L   trace, debug, info, warn, error or off (default info)`;

export async function runRepository(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      host: { type: 'string', default: '0.0.0.0' },
      port: { type: 'string', default: String(DEFAULT_REPOSITORY_PORT) },
      json: { type: 'boolean', default: false },
      'log-level': { type: 'string' },
    },
    strict: true,
  });
  // An IPv6 host (`::`) goes in brackets, or its colons would be read as the port's.
  const host = values.host.includes(':') && !values.host.startsWith('[') ? `[${values.host}]` : values.host;
  const { host: listenHost, port } = parseAddress(`${host}:${values.port}`, { host: '0.0.0.0', port: DEFAULT_REPOSITORY_PORT });
  const json = values.json;
  const shutdown = onShutdown();
  const server = new RepositoryServer({ logger: stderrLogger(parseLogLevel(values['log-level'], json ? 'warn' : 'info')) });
  const address = await server.listen(port, listenHost);
  printEvent(json, { event: 'listening', host: address.host, port: address.port }, `Team Notes repository listening on ${formatAddress(address)}`);
  server.on('memberJoined', (group, member) =>
    printEvent(json, { event: 'joined', group, member }, `+ ${member.name} joined ${group} from ${formatAddress(member)}`),
  );
  server.on('memberLeft', (group, member, reason) =>
    printEvent(json, { event: 'left', group, member, reason }, `- ${member.name} left ${group} (${reason})`),
  );
  await shutdown;
  await server.close();
  return 0;
}
