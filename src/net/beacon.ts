/**
 * The LAN discovery beacon: one UDP datagram in which a repository or a member says which groups it
 * serves, at which TCP port of the address the datagram came from, and whether each needs a
 * password. Never message content, names of people or keys beyond the sender's peer id.
 *
 *   <beacon v="1" from="PEER-ID" role="repository" port="46800" since="1764669600000" ask="no">
 *     <offer group="design" password="yes"/>     (yes, no, or unknown: a repository cannot know)
 *   </beacon>
 *
 * `since` (when that repository started serving, ms since the epoch) lets two repositories of one
 * group agree which stays; `ask="yes"` asks every listener to answer at once instead of at its
 * next beat. The document goes through the same XML layer as every message (`xmlScanner.ts`),
 * with its own small schema here: anything else is refused with a coded error.
 */
import { NetError } from './errors';
import { enumKind, GROUP, ID, intKind, PORT } from './messageKinds';
import type { Kind } from './messageKinds';
import { PROTOCOL_VERSION } from './messages';
import { ATTR, buildDocument, decodeAttribute, parseDocument, TEXT, XML_SPACE } from './xmlScanner';
import type { XmlObject } from './xmlScanner';

/** Largest beacon in bytes: one datagram that fits an Ethernet frame with room for tunnels. */
export const MAX_BEACON_BYTES = 1200;
/** Most groups one beacon offers (a repository serving more announces the first ones). */
export const MAX_BEACON_OFFERS = 16;

export type BeaconRole = 'repository' | 'member';

export interface BeaconOffer {
  group: string;
  /** Undefined when the sender cannot know: a repository never learns the group password. */
  passwordRequired: boolean | undefined;
}

export interface Beacon {
  from: string;
  role: BeaconRole;
  port: number;
  since: number;
  ask: boolean;
  offers: BeaconOffer[];
}

const ROLE = enumKind<BeaconRole>(['repository', 'member']);
const YES_NO = enumKind(['yes', 'no'] as const);
const PASSWORD = enumKind(['yes', 'no', 'unknown'] as const);
const SINCE = intKind(0, Number.MAX_SAFE_INTEGER);
const VERSION: Kind<string> = enumKind([PROTOCOL_VERSION]);

const ROOT_ATTRIBUTES = new Set(['v', 'from', 'role', 'port', 'since', 'ask']);
const OFFER_ATTRIBUTES = new Set(['group', 'password']);

function badBeacon(message: string): NetError {
  return new NetError('ERR_BAD_BEACON', message);
}

/** The datagram for `beacon`; its offers are cut to what fits {@link MAX_BEACON_BYTES}. */
export function encodeBeacon(beacon: Beacon): Buffer {
  const write = <V>(kind: Kind<V>, value: unknown, field: string): string => {
    const raw = kind.write(value);
    if (raw === undefined) throw new NetError('ERR_BAD_INPUT', `beacon ${field}: must be ${kind.rule}`);
    return raw;
  };
  const root: XmlObject = {
    [`${ATTR}v`]: PROTOCOL_VERSION,
    [`${ATTR}from`]: write(ID, beacon.from, 'from'),
    [`${ATTR}role`]: write(ROLE, beacon.role, 'role'),
    [`${ATTR}port`]: write(PORT, beacon.port, 'port'),
    [`${ATTR}since`]: write(SINCE, beacon.since, 'since'),
    [`${ATTR}ask`]: beacon.ask ? 'yes' : 'no',
  };
  const offers = beacon.offers.slice(0, MAX_BEACON_OFFERS).map((offer) => ({
    [`${ATTR}group`]: write(GROUP, offer.group, 'group'),
    [`${ATTR}password`]: offer.passwordRequired === undefined ? 'unknown' : offer.passwordRequired ? 'yes' : 'no',
  }));
  // Fewer offers until it fits: group names are at most 64 characters, so a few always do.
  for (let n = offers.length; ; n -= 1) {
    const bytes = Buffer.from(buildDocument('beacon', n > 0 ? { ...root, offer: offers.slice(0, n) } : root), 'utf8');
    if (bytes.length <= MAX_BEACON_BYTES || n === 0) return bytes;
  }
}

/**
 * The beacon in a datagram.
 *
 * @throws NetError `ERR_BAD_BEACON` for anything but a beacon of this schema, `ERR_BAD_XML` for
 * what the XML layer refuses.
 */
export function decodeBeacon(datagram: Uint8Array): Beacon {
  if (datagram.length > MAX_BEACON_BYTES) throw badBeacon(`A beacon of ${datagram.length} bytes is above the limit of ${MAX_BEACON_BYTES}`);
  const tree = parseDocument(datagram);
  if (!isObject(tree) || Object.keys(tree).length !== 1 || !isObject(tree.beacon)) throw badBeacon('The root element must be <beacon>');
  const root = tree.beacon;
  const read = <V>(element: XmlObject, allowed: ReadonlySet<string>, name: string, kind: Kind<V>, where: string): V => {
    const raw = element[`${ATTR}${name}`];
    const decoded = typeof raw === 'string' ? decodeAttribute(raw) : undefined;
    const value = decoded === undefined ? undefined : kind.read(decoded);
    if (!allowed.has(name) || value === undefined) throw badBeacon(`${where} ${name}: must be ${kind.rule}`);
    return value;
  };
  for (const key of Object.keys(root)) {
    if (key === TEXT && typeof root[key] === 'string' && XML_SPACE.test(root[key])) continue; // whitespace between elements
    const known = key.startsWith(ATTR) ? ROOT_ATTRIBUTES.has(key.slice(ATTR.length)) : key === 'offer';
    if (!known) throw badBeacon(`<beacon> has no ${key.startsWith(ATTR) ? 'attribute' : 'element'} "${key.replace(ATTR, '').slice(0, 32)}"`);
  }
  read(root, ROOT_ATTRIBUTES, 'v', VERSION, '<beacon>');
  const rawOffers = root.offer ?? [];
  if (!Array.isArray(rawOffers) || rawOffers.length > MAX_BEACON_OFFERS) throw badBeacon(`<beacon> holds at most ${MAX_BEACON_OFFERS} <offer> elements`);
  const offers = rawOffers.map((offer: unknown): BeaconOffer => {
    if (!isObject(offer) || Object.keys(offer).some((key) => !key.startsWith(ATTR) || !OFFER_ATTRIBUTES.has(key.slice(ATTR.length)))) {
      throw badBeacon('<offer> takes only the attributes group and password');
    }
    const password = read(offer, OFFER_ATTRIBUTES, 'password', PASSWORD, '<offer>');
    return { group: read(offer, OFFER_ATTRIBUTES, 'group', GROUP, '<offer>'), passwordRequired: password === 'unknown' ? undefined : password === 'yes' };
  });
  if (new Set(offers.map((o) => o.group)).size !== offers.length) throw badBeacon('<beacon> offers a group twice');
  return {
    from: read(root, ROOT_ATTRIBUTES, 'from', ID, '<beacon>'),
    role: read(root, ROOT_ATTRIBUTES, 'role', ROLE, '<beacon>'),
    port: read(root, ROOT_ATTRIBUTES, 'port', PORT, '<beacon>'),
    since: read(root, ROOT_ATTRIBUTES, 'since', SINCE, '<beacon>'),
    ask: read(root, ROOT_ATTRIBUTES, 'ask', YES_NO, '<beacon>') === 'yes',
    offers,
  };
}

function isObject(value: unknown): value is XmlObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
