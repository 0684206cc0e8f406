/**
 * The extension's settings, read in one place, typed. Declared with their descriptions in
 * package.json (`contributes.configuration`).
 */
import * as vscode from 'vscode';
import { DEFAULT_REPOSITORY_PORT } from '../net/limits';

export interface Settings {
  /** Empty when not chosen yet. */
  displayName: string;
  /** `host:port` of the repository server. */
  repositoryAddress: string;
  /** True when the user set the repository address (in any scope): LAN discovery then does not choose one. */
  repositoryAddressSet: boolean;
  /** Find groups on the LAN and announce the joined one. */
  discovery: boolean;
  listenHost: string;
  listenPort: number;
  /** Empty: the address the repository sees. */
  advertiseHost: string;
  bannedPeers: string[];
  /** Notify about direct messages and mentions while the board is not visible. */
  notifications: boolean;
}

const section = 'teamNotes';

export function readSettings(): Settings {
  const config = vscode.workspace.getConfiguration(section);
  const text = (key: string, fallback: string): string => {
    const value = config.get<unknown>(key);
    return typeof value === 'string' ? value.trim() : fallback;
  };
  const port = config.get<unknown>('listenPort');
  const bans = config.get<unknown>('bannedPeers');
  const address = config.inspect<unknown>('repositoryAddress');
  return {
    displayName: text('displayName', ''),
    repositoryAddress: text('repositoryAddress', `127.0.0.1:${DEFAULT_REPOSITORY_PORT}`) || `127.0.0.1:${DEFAULT_REPOSITORY_PORT}`,
    listenHost: text('listenHost', '0.0.0.0') || '0.0.0.0',
    listenPort: typeof port === 'number' && Number.isInteger(port) && port >= 0 && port <= 65535 ? port : 0,
    advertiseHost: text('advertiseHost', ''),
    repositoryAddressSet: [address?.globalValue, address?.workspaceValue, address?.workspaceFolderValue].some((v) => typeof v === 'string' && v.trim() !== ''),
    discovery: config.get<unknown>('discovery') !== false,
    notifications: config.get<unknown>('notifications') !== false,
    bannedPeers: Array.isArray(bans) ? bans.filter((b): b is string => typeof b === 'string' && b.trim() !== '').map((b) => b.trim()) : [],
  };
}

/** Remembers the display name the user chose, for every workspace. */
export function saveDisplayName(name: string): Thenable<void> {
  return vscode.workspace.getConfiguration(section).update('displayName', name, vscode.ConfigurationTarget.Global);
}

/** Calls `listener` whenever a Team Notes setting changes. */
export function onDidChangeSettings(listener: (settings: Settings) => void): vscode.Disposable {
  return vscode.workspace.onDidChangeConfiguration((event) => {
    if (event.affectsConfiguration(section)) listener(readSettings());
  });
}

/** Adds a peer id to the ban list in the user settings (the live ban list picks it up). */
export async function banPeer(id: string): Promise<void> {
  const config = vscode.workspace.getConfiguration('teamNotes');
  const current = config.get<unknown>('bannedPeers');
  const list = Array.isArray(current) ? current.filter((b): b is string => typeof b === 'string') : [];
  if (!list.includes(id)) await config.update('bannedPeers', [...list, id], vscode.ConfigurationTarget.Global);
}
