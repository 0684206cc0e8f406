import { createHash } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { readFileSync } from 'node:fs';
import { checkImage, fitWithin } from '../board/imageInfo';
import { DEFAULT_NOTE_STYLE } from '../board/limits';
import { createInterface } from 'node:readline';
import { NetError, toNetError } from '../net/errors';
import { newItemId } from '../net/ids';
import { DEFAULT_REPOSITORY_PORT } from '../net/limits';
import { PeerNode } from '../net/peerNode';
import type { DeliveredMessage, Member } from '../net/peerNode';
import { fingerprint } from '../net/memberKey';
import { followLongestServing } from '../net/lanGroupServers';
import { discoveryOptionUsage, findOnLan, startDiscovery } from './discovery';
import { parseJoinCommand } from './joinOptions';
import type { JoinOptions } from './joinOptions';
import { formatAddress, parseAddress } from '../net/tcp';
import type { HostPort } from '../net/tcp';
import type { LanDiscovery } from '../net/lanDiscovery';
import { MemberKey } from '../net/memberKey';
import { hostname } from 'node:os';
import { accountDisplayName } from '../net/accountName';
import { GroupHistory } from '../net/groupHistory';
import type { HistoryEntry } from '../net/groupHistory';
import { loadOrCreateKey, lockDataFolder, readPassword } from './dataFolder';
import { parseLogLevel, stderrLogger } from './consoleLogger';
import { onShutdown, printError, printEvent } from './output';
import { pinUsage, runPinCommand } from './pinCommands';

export const chatUsage = `team-notes chat --group G [--name N] [--data DIR] [--password-file FILE] [--repository H:P] [--no-discovery] [--listen H:P] [--advertise IP] [--ban X]... [--json]
  Joins a group as a terminal peer. Every line you type is sent to the group.
    /to NAME text   sends text to one member (NAME is a display name or peer id; quote names with spaces)
    /members        lists the connected members
    /note text      puts a note on the group's board
    /image FILE     puts a PNG, JPEG or GIF file on the group's board
${pinUsage}
    /quit           leaves the group (so do end of input, Ctrl+C and SIGTERM)
  --group G         group to join
  --name N          display name (default: your account's real name, else your user name; the
                    machine's name instead of "root")
  --data DIR        keep this member's key and the group's history in DIR (created; files are
                    private), so a restart is the same member and shows what was said; without it
                    every run is a new member and history lives in memory only
  --password-file FILE  the group password (first line); else TEAM_NOTES_PASSWORD; else an open group
  --repository H:P  repository server, or any member's address (default: the group as found on
                    the local network, else 127.0.0.1:${DEFAULT_REPOSITORY_PORT})
${discoveryOptionUsage}
  --listen H:P      where to listen for members (default 0.0.0.0:0, any free port)
  --advertise IP    the address members should use to reach you (a host name is resolved here, once)
  --advertise-port P  the port members should dial (a port forward or proxy in front of you)
  --ban X           refuse an IP address, host name or peer id (repeatable)
  --json            one JSON object per line on stdout
  --log-level L     trace, debug, info, warn, error or off (default warn)`;

interface ChatOptions extends JoinOptions {
  name: string;
  advertise?: string;
  advertisePort?: number;
  data?: string;
  ban: string[];
}

function readOptions(argv: string[]): ChatOptions {
  const { join, values } = parseJoinCommand(argv, {
    advertise: { type: 'string' },
    'advertise-port': { type: 'string' },
    data: { type: 'string' },
    ban: { type: 'string', multiple: true, default: [] },
  });
  return {
    ...join,
    name: join.name ?? (accountDisplayName() || hostname()),
    advertise: values.advertise,
    advertisePort: values['advertise-port'] === undefined ? undefined : portNumber(values['advertise-port']),
    data: values.data,
    ban: values.ban,
  };
}

function portNumber(value: string): number {
  const port = Number(value);
  if (!/^[0-9]{1,5}$/.test(value) || port < 1 || port > 65_535) throw new NetError('ERR_BAD_INPUT', `--advertise-port ${value} is not a port number (1 to 65535)`);
  return port;
}

const memberJson = (m: Member): Record<string, unknown> => ({ id: m.id, name: m.name, fingerprint: fingerprint(m.id), host: m.host, port: m.port });

/** A member as lists show it: the name and its key's fingerprint, so two members named "bob" differ. */
const memberLabel = (m: Member): string => `${m.name} [${fingerprint(m.id)}]`;

/** The fields of a delivered message as the `--json` output shows them (image bytes as a count only). */
function messageJson(message: DeliveredMessage, from: Member): Record<string, unknown> {
  const { v: _v, from: _from, group: _group, ...fields } = message;
  return { event: 'message', ...fields, to: message.type === 'chat' ? (message.to ?? null) : undefined, from: { id: from.id, name: from.name } };
}

function messageText(message: DeliveredMessage, from: Member): string {
  const time = new Date(message.ts).toTimeString().slice(0, 8);
  switch (message.type) {
    case 'chat':
      return `[${time}] ${from.name}${message.to !== undefined ? ' (to you)' : ''}: ${message.text}`;
    case 'note':
      return `[${time}] ${from.name} ${message.op} note ${message.item}${message.text !== undefined ? `: ${message.text}` : ''}`;
    case 'snippet':
      return `[${time}] ${from.name} ${message.op} snippet ${message.path ?? message.item}${message.startLine !== undefined ? `:${message.startLine}-${message.endLine}` : ''}${message.code !== undefined ? `\n${message.code}` : ''}`;
    case 'image':
      return `[${time}] ${from.name} ${message.op} image ${message.item}${message.bytes !== undefined ? ` (${message.mime}, ${message.bytes} bytes)` : ''}`;
    case 'pin':
      return `[${time}] ${from.name} ${message.op} pin ${message.item}${message.path !== undefined ? ` on ${message.path}:${message.startLine}-${message.endLine}` : ''}${message.text !== undefined ? `: ${message.text}` : ''}`;
    case 'stroke':
      return `[${time}] ${from.name} ${message.op} stroke ${message.item}${message.points !== undefined ? ` (${message.points.length} points)` : ''}`;
  }
}

/** Prints a message kept from an earlier run, marked as history. */
function printHistoryEntry(json: boolean, history: GroupHistory, entry: HistoryEntry): void {
  const m = entry.message;
  const author: Member = { id: m.from, name: history.name(m.from) ?? fingerprint(m.from), host: '', port: 0 };
  printEvent(json, { ...messageJson(m, author), history: true }, messageText(m, author));
}

/** Where notes and images from the terminal land on the board (members drag them into place). */
const TERMINAL_DROP = { x: 40, y: 40 };

function shareNote(node: PeerNode, text: string): void {
  node.broadcast({ type: 'note', op: 'add', item: newItemId(), clock: node.nextClock(), text, ...DEFAULT_NOTE_STYLE, ...TERMINAL_DROP });
}

/** Reads, checks (type from magic bytes, size, dimensions) and shares an image file. */
function shareImage(node: PeerNode, path: string): void {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new NetError('ERR_BAD_INPUT', `Cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const checked = checkImage(bytes);
  if (!checked.ok) throw new NetError('ERR_IMAGE', checked.message);
  const size = fitWithin(checked.info.width, checked.info.height, 480);
  node.broadcast(
    {
      type: 'image', op: 'add', item: newItemId(), clock: node.nextClock(), ...TERMINAL_DROP, ...size,
      mime: checked.info.mime, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'),
    },
    bytes,
  );
}

/** Splits `/to NAME rest` where NAME may be "quoted". */
function parseDirect(line: string): { target: string; text: string } | undefined {
  const match = /^\/to\s+(?:"([^"]+)"|(\S+))\s+([\s\S]+)$/.exec(line);
  if (match === null) return undefined;
  return { target: (match[1] ?? match[2])!, text: match[3]! };
}

function findMember(node: PeerNode, target: string): Member {
  const members = node.members();
  const byId = members.find((m) => m.id === target);
  if (byId !== undefined) return byId;
  const byName = members.filter((m) => m.name === target);
  const candidates = byName.length > 0 ? byName : members.filter((m) => m.name.toLowerCase() === target.toLowerCase());
  if (candidates.length === 1) return candidates[0]!;
  if (candidates.length === 0) throw new NetError('ERR_UNKNOWN_MEMBER', `No connected member is called "${target}"`);
  throw new NetError('ERR_UNKNOWN_MEMBER', `${candidates.length} members are called "${target}"; use a peer id: ${candidates.map((m) => m.id).join(', ')}`);
}

/** The address to advertise: an IP as given, or the first address a name the user typed resolves to. */
async function advertisedAddress(value: string): Promise<string> {
  if (isIP(value) !== 0) return value;
  try {
    return (await lookup(value)).address;
  } catch {
    throw new NetError('ERR_BAD_ADDRESS', `--advertise ${value} is neither an IP address nor a name that resolves`);
  }
}

/** The address given with --repository; else the group as heard on the LAN; else the default. */
export async function repositoryAddress(options: Pick<ChatOptions, 'repository' | 'group'>, discovery: LanDiscovery | undefined, json: boolean): Promise<HostPort> {
  const fallback = { host: '127.0.0.1', port: DEFAULT_REPOSITORY_PORT };
  if (options.repository !== undefined) return parseAddress(options.repository, fallback);
  const found = await findOnLan(discovery, options.group);
  if (found === undefined) return fallback;
  const { server, groupFound } = found;
  const address = { host: server.host, port: server.port };
  const where = `${server.role === 'repository' ? 'a repository' : 'a member'} at ${formatAddress(address)}${server.via !== undefined ? ` (via ${server.via})` : ''}`;
  printEvent(
    json,
    { event: 'discovered', group: options.group, groupFound, host: server.host, port: server.port, role: server.role, via: server.via ?? null },
    groupFound ? `* found "${options.group}" on the local network: ${where}` : `* nobody is in "${options.group}" yet; starting it with the repository found on the local network, ${where}`,
  );
  return address;
}

export async function runChat(argv: string[]): Promise<number> {
  const options = readOptions(argv);
  const json = options.json;
  const logger = stderrLogger(parseLogLevel(options.logLevel, 'warn'));
  const listen = parseAddress(options.listen, { host: '0.0.0.0', port: 0 });
  const password = readPassword(options.passwordFile);
  if (options.data !== undefined) lockDataFolder(options.data);
  const key = options.data === undefined ? MemberKey.generate() : loadOrCreateKey(options.data);
  const history = options.data === undefined ? undefined : GroupHistory.open(options.data, options.group, key.id, { logger });
  // What this member kept of the group, shown before any network traffic.
  if (history !== undefined) for (const entry of history.entries()) printHistoryEntry(json, history, entry);
  const discovery = await startDiscovery(key.id, options.discovery, logger, json);
  const repository = await repositoryAddress(options, discovery, json);
  const node = new PeerNode({
    name: options.name,
    group: options.group,
    repository,
    listen,
    advertiseHost: options.advertise === undefined ? undefined : await advertisedAddress(options.advertise),
    advertisePort: options.advertisePort,
    bans: options.ban,
    logger,
    key,
    password,
    history,
  });
  // Members met while joining are announced right after the ready line, so that it comes first.
  let metWhileJoining: Member[] | undefined = [];
  const announceJoined = (member: Member): void => printEvent(json, { event: 'joined', member: memberJson(member) }, `* ${memberLabel(member)} joined`);
  node.on('memberJoined', (member) => (metWhileJoining !== undefined ? metWhileJoining.push(member) : announceJoined(member)));
  node.on('memberLeft', (member, reason) => printEvent(json, { event: 'left', member: memberJson(member), reason }, `* ${memberLabel(member)} left (${reason})`));
  node.on('message', (message, from) => printEvent(json, messageJson(message, from), messageText(message, from)));
  node.on('connectionError', (error) => printError(json, error.code, error.message));
  node.on('repositoryLost', (error) => printError(json, error.code, `${error.message}; members stay connected, reconnecting`));
  node.on('repositoryRestored', () => printEvent(json, { event: 'repository', state: 'restored' }, '* repository connection restored'));
  const relayed = new Set<string>();
  node.on('pathChanged', (member, path) => {
    const via = node.members().find((m) => m.id === path.via);
    const wasRelayed = relayed.delete(member.id);
    if (path.kind === 'relayed') relayed.add(member.id);
    const text = path.kind === 'relayed' ? `* ${memberLabel(member)} is reached through ${via === undefined ? path.via : memberLabel(via)}` : wasRelayed ? `* ${memberLabel(member)} is reached directly again` : [];
    printEvent(json, { event: 'path', member: memberJson(member), kind: path.kind, via: path.via ?? null }, text);
  });
  node.on('memberReconnecting', (member) => printEvent(json, { event: 'reconnecting', member: memberJson(member) }, `* reconnecting to ${memberLabel(member)}`));
  node.on('catchUp', (received, pending) => {
    if (!pending) printEvent(json, { event: 'caughtUp', received }, `* caught up (${received} messages from the members)`);
  });
  if (json) node.on('delivered', (memberId, upTo) => printEvent(json, { event: 'delivered', member: memberId, upTo }, ''));

  // Listen for SIGINT/SIGTERM from the start, so that a signal during the join still leaves properly.
  let endInput: () => void = () => {};
  const inputDone = new Promise<void>((resolve) => (endInput = resolve));
  const shutdown = onShutdown(inputDone);
  try {
    await node.join();
  } catch (err) {
    const error = toNetError(err);
    printError(json, error.code, error.message);
    discovery?.close();
    history?.close();
    return 1;
  }
  // Newcomers on the LAN find the group through this member too (its listener answers `register`).
  discovery?.serve('member', options.advertisePort ?? node.listenAddress!.port, [{ group: node.group, passwordRequired: node.passwordProtected }]);
  // Two repositories heard serving this group: the group meets on the one that has served it longest.
  if (discovery !== undefined) followLongestServing(discovery, node, logger);
  const address = formatAddress(node.listenAddress!);
  printEvent(
    json,
    { event: 'ready', id: node.id, fingerprint: fingerprint(node.id), name: node.name, group: node.group, listen: address, passwordProtected: node.passwordProtected, members: node.members().map(memberJson) },
    `Joined "${node.group}" as ${node.name} [${fingerprint(node.id)}]; listening on ${address}. ${
      node.passwordProtected
        ? 'Password-protected group; links are encrypted.'
        : 'Open group: links are encrypted, but anyone on this network who knows the group name can join (set TEAM_NOTES_PASSWORD for a password).'
    } Type to chat, /to NAME text for one member, /quit to leave.`,
  );
  const met = metWhileJoining;
  metWhileJoining = undefined;
  for (const member of met) if (node.members().some((m) => m.id === member.id)) announceJoined(member);

  const input = createInterface({ input: process.stdin, terminal: false });
  input.once('close', endInput);
  const quit = endInput;
  input.on('line', (line) => {
    if (!node.joined) return;
    try {
      if (line.trim() === '') return;
      if (line.trim() === '/quit') return quit();
      if (line.trim() === '/members') {
        const members = node.members();
        // One line per member, each made terminal-safe by printEvent (names are the members' own).
        printEvent(json, { event: 'members', members: members.map(memberJson) }, members.length === 0 ? '* nobody else is here' : members.map((m) => `* ${memberLabel(m)} ${m.id} at ${formatAddress(m)}`));
        return;
      }
      if (line.startsWith('/note ')) {
        shareNote(node, line.slice('/note '.length));
        return;
      }
      if (line.startsWith('/image ')) {
        shareImage(node, line.slice('/image '.length).trim());
        return;
      }
      const pinned = runPinCommand(node, line);
      if (pinned !== undefined) {
        printEvent(json, { event: 'sent', type: 'pin', op: pinned.op, item: pinned.item, id: pinned.id }, `* ${pinned.op} pin ${pinned.item}`);
        return;
      }
      if (line.startsWith('/to')) {
        const direct = parseDirect(line);
        if (direct === undefined) throw new NetError('ERR_BAD_INPUT', 'Usage: /to NAME text');
        node.chat(direct.text, findMember(node, direct.target).id);
        return;
      }
      node.chat(line);
    } catch (err) {
      const error = toNetError(err, 'ERR_BAD_INPUT');
      printError(json, error.code, error.message);
    }
  });
  await shutdown;
  input.close();
  discovery?.close();
  await node.leave();
  history?.close();
  printEvent(json, { event: 'closed' }, `Left "${node.group}".`);
  return 0;
}
