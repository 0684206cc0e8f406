/**
 * The environment every Team Notes process a test starts gets: LAN discovery sends only to the
 * loopback broadcast address, on a port of this test run's own, so tests never announce on the
 * machine's real network and two runs side by side do not hear each other.
 */
import { randomInt } from 'node:crypto';

export const ISOLATED_DISCOVERY_ENV: Readonly<Record<string, string>> = {
  TEAM_NOTES_DISCOVERY_TARGETS: '127.255.255.255',
  // A process started by a test (the extension host under code-server) keeps the channel it was
  // given, so that what it starts in turn hears the same.
  TEAM_NOTES_DISCOVERY_PORT: process.env.TEAM_NOTES_DISCOVERY_PORT ?? String(randomInt(20_000, 60_000)),
};
