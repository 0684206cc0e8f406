/**
 * The test API that Team Notes' `activate()` returns (see src/extension), as the in-editor suite
 * uses it. Declared here, not imported, so the suite checks the contract rather than restating the
 * implementation's types.
 */
import type * as vscode from 'vscode';

export interface MemberView {
  id: string;
  name: string;
  fingerprint?: string;
  online: boolean;
}

export interface ChatView {
  id: string;
  from: { id: string; name: string };
  text: string;
  ts: number;
  own: boolean;
  to?: string;
  /** Own messages of this session: how many of the members it went to hold it. */
  delivery?: { delivered: number; of: number };
}

export type BoardItemView =
  | { kind: 'snippet'; id: string; code: string; language: string; path: string; startLine: number; endLine: number }
  | { kind: 'note'; id: string; text?: string }
  | { kind: string; id: string };

export interface Snapshot {
  session: { state: 'idle' | 'joining' | 'joined'; group?: string; self?: { id: string; name: string }; repository?: string; catchUp?: { received: number } };
  members: MemberView[];
  chat: ChatView[];
  board: BoardItemView[];
}

/** What the host did with one board panel message. */
export type WebviewMessageOutcome =
  | { outcome: 'done'; type: string }
  | { outcome: 'refused'; code: string; type?: string; field?: string }
  | { outcome: 'failed'; type: string; code: string; message: string };

export interface TeamNotesApi {
  snapshot(): Snapshot;
  onDidChange: vscode.Event<void>;
  /** The last error a command showed the user, with its code. */
  lastError(): { code: string; message: string } | undefined;
  /** Chat messages received while the board was not visible. */
  unread(): number;
  /** Test mode only: hands a raw object to the open board panel's message handler, as its webview would. */
  testOnlyReceiveWebviewMessage?(raw: unknown): Promise<WebviewMessageOutcome>;
  /** Test mode only: the Members view's badge (shown on the Team Notes activity bar icon). */
  testOnlyMembersBadge?(): { value: number; tooltip: string } | undefined;
  /** Test mode only: the chat's join and leave lines of this membership, oldest first. */
  testOnlyPresenceLines?(): { id: string; member: { id: string; name: string }; change: string; ts: number }[];
  /** Test mode only: each snippet card's status in this checkout, once the checks due have run. */
  testOnlySnippetStatuses?(): Promise<{ id: string; status: string; startLine?: number; endLine?: number }[]>;
  /** Test mode only: the pins' comment threads as placed in this window's editors. */
  testOnlyPinThreads?(): PinThreadView[];
  /** Test mode only: how many lines of the document the gutter offers a new pin on now. */
  testOnlyCommentingLines?(document: vscode.TextDocument): Promise<number>;
}

/** A pin's comment thread as placed: 1-based lines, the label, and the comments' Markdown (note first). */
export interface PinThreadView {
  pin: string;
  file: string;
  startLine: number;
  endLine: number;
  label?: string;
  resolved: boolean;
  outdated: boolean;
  /** When several places match, all of them (the member may choose one). */
  candidates?: { startLine: number; endLine: number }[];
  comments: string[];
}

export const extensionId = 'team-notes.team-notes';
