/**
 * The terminal peer's pin commands: `/pin PATH:START-END text` pins a note to lines of a file
 * (PATH relative to the current folder, which stands for the repository root), `/reply ITEM text`,
 * `/resolve ITEM` and `/reopen ITEM` take part in a pin's thread. Bots and tests use them to play
 * a member with its own version of a file.
 */
import { readFileSync, statSync } from 'node:fs';
import { checkAnchorPath, makeAnchor } from '../board/codeAnchor';
import { pinAnchorFields } from '../board/pinAnchor';
import { NetError } from '../net/errors';
import { newItemId } from '../net/ids';
import type { PinMessage } from '../net/messages';
import type { PeerNode } from '../net/peerNode';

export const pinUsage = `    /pin PATH:START-END text   pins a note to lines START-END of PATH (relative to this folder)
    /reply ITEM text            replies in the thread of pin ITEM
    /resolve ITEM, /reopen ITEM resolves or reopens the thread of pin ITEM`;

/** Largest file `/pin` reads, in bytes (as the extension). */
const MAX_PIN_FILE_BYTES = 5 * 1024 * 1024;

/** Runs a pin command; returns the message sent, or undefined when `line` is not one. */
export function runPinCommand(node: PeerNode, line: string): PinMessage | undefined {
  const pin = /^\/pin\s+(\S+?):(\d+)-(\d+)\s+([\s\S]+)$/.exec(line);
  if (pin !== null) {
    const [, path, start, end, text] = pin as unknown as [string, string, string, string, string];
    // Checked before reading: a pin names a file below this folder, never one outside it.
    const problem = checkAnchorPath(path);
    if (problem !== undefined) throw new NetError('ERR_BAD_INPUT', `Cannot pin ${path}: ${problem}.`);
    const anchor = makeAnchor(readText(path), path, Number(start), Number(end));
    return node.broadcast({ type: 'pin', op: 'add', item: newItemId(), clock: node.nextClock(), ...pinAnchorFields(anchor), text }) as PinMessage;
  }
  const reply = /^\/reply\s+(\S+)\s+([\s\S]+)$/.exec(line);
  if (reply !== null) return node.broadcast({ type: 'pin', op: 'reply', item: reply[1]!, clock: node.nextClock(), text: reply[2]! }) as PinMessage;
  const state = /^\/(resolve|reopen)\s+(\S+)\s*$/.exec(line);
  if (state !== null) return node.broadcast({ type: 'pin', op: state[1] as 'resolve' | 'reopen', item: state[2]!, clock: node.nextClock() }) as PinMessage;
  if (/^\/(pin|reply|resolve|reopen)\b/.test(line)) throw new NetError('ERR_BAD_INPUT', `Usage:\n${pinUsage}`);
  return undefined;
}

function readText(path: string): string {
  let bytes: Buffer;
  try {
    if (statSync(path).size > MAX_PIN_FILE_BYTES) throw new NetError('ERR_BAD_INPUT', `${path} is larger than ${MAX_PIN_FILE_BYTES / (1024 * 1024)} MB; pins go on source files.`);
    bytes = readFileSync(path);
  } catch (err) {
    if (err instanceof NetError) throw err;
    throw new NetError('ERR_BAD_INPUT', `Cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  if (bytes.includes(0)) throw new NetError('ERR_BAD_INPUT', `${path} is a binary file; pins go on text.`);
  return bytes.toString('utf8');
}
