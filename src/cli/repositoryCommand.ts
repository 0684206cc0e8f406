import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { DEFAULT_REPOSITORY_PORT } from '../net/limits';
import { RepositoryServer } from '../net/repositoryServer';
import { formatAddress, parseAddress } from '../net/tcp';
import { parseLogLevel, stderrLogger } from './consoleLogger';
import { announceRepository } from '../net/lanGroupServers';
import { discoveryOptionUsage, startDiscovery } from './discovery';
import { onShutdown, printEvent } from './output';

export const repositoryUsage = `team-notes repository [--host H] [--port P] [--no-discovery] [--json] [--log-level L]
  Runs a repository server: it tells newcomers who is in each group, and announces the groups it
  serves on the local network (their names only) so that members find it with nothing typed.
  --host H        address to listen on (default 0.0.0.0, every interface)
  --port P        TCP port (default ${DEFAULT_REPOSITORY_PORT}; 0 picks a free one)
${discoveryOptionUsage}
  --json          one JSON object per line on stdout
  --log-level L   trace, debug, info, warn, error or off (default info)`;

export async function runRepository(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      host: { type: 'string', default: '0.0.0.0' },
      port: { type: 'string', default: String(DEFAULT_REPOSITORY_PORT) },
      'no-discovery': { type: 'boolean', default: false },
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
  const logger = stderrLogger(parseLogLevel(values['log-level'], json ? 'warn' : 'info'));
  const server = new RepositoryServer({ logger });
  const address = await server.listen(port, listenHost);
  printEvent(json, { event: 'listening', host: address.host, port: address.port }, `Team Notes repository listening on ${formatAddress(address)}`);
  const discovery = await startDiscovery(randomBytes(12).toString('base64url'), !values['no-discovery'], logger, json);
  if (discovery !== undefined) announceRepository(discovery, server, address.port, Date.now());
  server.on('memberJoined', (group, member) =>
    printEvent(json, { event: 'joined', group, member }, `+ ${member.name} joined ${group} from ${formatAddress(member)}`),
  );
  server.on('memberLeft', (group, member, reason) =>
    printEvent(json, { event: 'left', group, member, reason }, `- ${member.name} left ${group} (${reason})`),
  );
  await shutdown;
  discovery?.close();
  await server.close();
  return 0;
}
