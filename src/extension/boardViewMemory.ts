/**
 * Where each group's board was looking, kept by the host: a board panel closed and opened again
 * (whose page keeps no state of its own) opens at the same scroll and zoom, and items the user adds
 * without placing them land in the part of the board the user last saw.
 */
import type * as vscode from 'vscode';
import type { Area } from '../board/placement';
import type { ViewCamera } from '../webview/protocol';

/** The workspace state key, one record of view centres by group name. */
const STATE_KEY = 'teamNotes.boardViewCentres';
/** Groups remembered; the least recently viewed go first. */
const MAX_GROUPS = 50;

export interface BoardViewReport extends Area {
  zoom: number;
}

export class BoardViewMemory {
  /** The area in view, by group: this window's session only (the panel reports it again on opening). */
  private readonly areas = new Map<string, Area>();

  constructor(private readonly state: vscode.Memento) {}

  /** The board panel says where it looks now. */
  remember(group: string, view: BoardViewReport): void {
    this.areas.set(group, { x: view.x, y: view.y, width: view.width, height: view.height });
    const cameras = { ...this.cameras() };
    delete cameras[group];
    cameras[group] = { x: view.x + view.width / 2, y: view.y + view.height / 2, zoom: view.zoom };
    const names = Object.keys(cameras);
    for (const name of names.slice(0, Math.max(0, names.length - MAX_GROUPS))) delete cameras[name];
    void this.state.update(STATE_KEY, cameras);
  }

  /** Where the group's board last looked, for a new panel. */
  camera(group: string): ViewCamera | undefined {
    return Object.prototype.hasOwnProperty.call(this.cameras(), group) ? this.cameras()[group] : undefined;
  }

  /** The part of the group's board the user last saw, in this window. */
  area(group: string): Area | undefined {
    return this.areas.get(group);
  }

  private cameras(): Record<string, ViewCamera> {
    const stored = this.state.get<unknown>(STATE_KEY);
    return typeof stored === 'object' && stored !== null && !Array.isArray(stored) ? (stored as Record<string, ViewCamera>) : {};
  }
}
