// Deciding on comments wherever they are shown (queue, thread view, author page,
// reports): POST /v1/queue/decisions, then an Undo for what was just decided
// (POST /v1/comments/{id}:undo) in the toast the frame keeps across redraws.
import { moderation } from './api';
import { append, clear, el } from './dom';
import { act } from './shell';

export type Action = 'approve' | 'reject' | 'edit_approve';

export interface Decision {
  comment_id: string | number;
  action: Action;
  reason?: string;
  text?: string;
}

// How the page shows what an undo changed: by default it is drawn again; a page
// with state worth keeping (the queue's filters) reloads its data instead.
const redrawPage = () => window.dispatchEvent(new HashChangeEvent('hashchange'));
let redraw: () => void = redrawPage;
export function onUndone(fn: (() => void) | null): void {
  redraw = fn ?? redrawPage;
}

const toast = el('div', { class: 'toast', role: 'status', 'data-testid': 'toast', hidden: true });
let undoable: string[] = [];  // the comments of the last decision made in this tab

// The frame puts the toast on every page (see shell.ts).
export function decisionToast(): HTMLElement {
  return toast;
}

function say(message: string, withUndo: boolean): void {
  clear(toast);
  toast.hidden = false;
  append(toast, el('span', { 'data-testid': 'toast-message' }, message),
    withUndo ? el('button', { type: 'button', 'data-action': 'undo', onclick: () => void undoLast() }, 'Undo (u)') : null,
    el('button', { type: 'button', class: 'dismiss', 'aria-label': 'Dismiss', onclick: () => { toast.hidden = true; } }, '×'));
}

const past: Record<Action, string> = { approve: 'approved', reject: 'rejected', edit_approve: 'edited and approved' };

// Sends the decisions; the toast then says what was done and offers to undo it.
export async function decide(decisions: Decision[]): Promise<void> {
  if (decisions.length === 0) return;
  await moderation('POST', 'queue/decisions', { decisions });
  undoable = decisions.map((d) => String(d.comment_id));
  const what = decisions.length === 1 ? `#${undoable[0]}` : `${decisions.length} comments`;
  // An edit replaced the text: the server cannot take it back, so no Undo is offered.
  const editable = decisions.every((d) => d.action !== 'edit_approve');
  say(`${past[decisions[0].action]}: ${what}`, editable);
  if (!editable) undoable = [];
}

// Takes back the last decision made here (each comment of it), then redraws the page.
export async function undoLast(): Promise<void> {
  const ids = undoable;
  if (ids.length === 0) return;
  undoable = [];
  await act(async () => {
    for (const id of ids) await moderation('POST', `comments/${encodeURIComponent(id)}:undo`, {});
    say(`undone: ${ids.length === 1 ? `#${ids[0]}` : `${ids.length} comments`}`, false);
    redraw();
  });
}

export function canUndo(): boolean {
  return undoable.length > 0;
}

interface Decidable {
  id: string | number;
  status?: string;
  text: string | null;
}

// Approve, Reject and Edit (then approve) for one comment outside the queue (the
// thread view, an author's page); the page redraws with the new status.
export function commentActions(comment: Decidable): HTMLElement {
  const id = String(comment.id);
  const box = el('div', { class: 'actions' });
  const run = (decision: Decision) => void act(async () => {
    await decide([decision]);
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  });
  const buttons = () => {
    clear(box);
    append(box,
      comment.status !== 'approved' ? el('button', { type: 'button', 'data-action': 'approve', onclick: () => run({ comment_id: id, action: 'approve' }) }, 'Approve') : null,
      comment.status !== 'rejected' ? el('button', { type: 'button', 'data-action': 'reject', onclick: () => run({ comment_id: id, action: 'reject' }) }, 'Reject') : null,
      comment.text !== null ? el('button', { type: 'button', 'data-action': 'edit', onclick: edit }, 'Edit') : null);
  };
  const edit = () => {
    clear(box);
    const area = el('textarea', { class: 'edit', rows: 4, 'aria-label': 'Edited text' });
    area.value = comment.text ?? '';
    const save = () => run({ comment_id: id, action: 'edit_approve', text: area.value });
    area.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) save();
      if (event.key === 'Escape') buttons();
    });
    append(box, el('div', { class: 'editor' }, area,
      el('button', { type: 'button', 'data-action': 'save-edit', onclick: save }, 'Save and approve'),
      el('button', { type: 'button', onclick: buttons }, 'Cancel')));
    queueMicrotask(() => area.focus());
  };
  buttons();
  return box;
}
