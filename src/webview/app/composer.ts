/**
 * The chat input: a textarea (Enter sends, Shift+Enter starts a new line), a recipient selector
 * (everyone or one member) and a Send button. What the user typed is never dropped: it is kept in
 * the view state as they type, cleared only after it was posted, and kept with an inline error
 * when it cannot be sent. After a direct message is sent the recipient goes back to Everyone,
 * unless the user pinned it.
 */
import { MAX_CHAT_INPUT } from '../protocol';
import type { MemberView, WebviewToHost } from '../protocol';
import { h, uniqueId } from './dom';
import { formatCount } from './format';
import { icon } from './icons';
import type { Person, ViewStateStore } from './viewState';

/** Tallest the textarea grows before it scrolls, in pixels. */
const MAX_INPUT_HEIGHT_PX = 160;
/** Show the character count once the text is this share of the limit. */
const COUNTER_FROM = 0.9;
/** Longest host error shown, in characters. */
const MAX_ERROR_CHARS = 1000;
const EVERYONE = '';

export class Composer {
  readonly element: HTMLElement;
  private readonly input: HTMLTextAreaElement;
  private readonly recipient: HTMLSelectElement;
  private readonly pin: HTMLButtonElement;
  private readonly send: HTMLButtonElement;
  private readonly error: HTMLElement;
  private readonly errorText: HTMLElement;
  private readonly counter: HTMLElement;
  private members = new Map<string, MemberView>();
  private selfId: string | undefined;
  /**
   * The recipient of the direct message just sent, which the recipient selector left for
   * Everyone: if that message comes back unsent, so does its recipient (it must not go to everyone).
   */
  private sentTo: Person | undefined;

  constructor(
    private readonly store: ViewStateStore,
    private readonly post: (message: WebviewToHost) => void,
  ) {
    const inputId = uniqueId('chat-input');
    const hintId = uniqueId('chat-hint');
    const errorId = uniqueId('chat-error');
    const recipientId = uniqueId('chat-to');

    this.input = h('textarea', {
      className: 'chat-input',
      attrs: { id: inputId, rows: '1', 'aria-label': 'Message', 'aria-describedby': `${hintId} ${errorId}`, spellcheck: 'true' },
    });
    this.input.value = store.current.draft;
    this.input.addEventListener('input', () => this.onInput());
    this.input.addEventListener('keydown', (event) => this.onKeyDown(event));

    this.recipient = h('select', { className: 'chat-recipient', attrs: { id: recipientId } });
    this.recipient.addEventListener('change', () => this.onRecipientChange());

    this.pin = h('button', { className: 'icon-button chat-pin', attrs: { type: 'button', 'aria-pressed': 'false' } }, icon('pin'));
    this.pin.addEventListener('click', () => {
      this.store.update({ recipientPinned: !this.store.current.recipientPinned });
      this.renderRecipients();
    });

    this.send = h('button', { className: 'button primary chat-send', attrs: { type: 'button' }, text: 'Send' });
    this.send.addEventListener('click', () => this.submit());

    this.errorText = h('span', { className: 'inline-error-text' });
    const dismiss = h('button', { className: 'icon-button', attrs: { type: 'button', 'aria-label': 'Dismiss error', title: 'Dismiss' }, text: '×' });
    dismiss.addEventListener('click', () => {
      this.clearError();
      this.input.focus();
    });
    this.error = h('div', { className: 'inline-error', attrs: { id: errorId, role: 'alert', hidden: '' } }, this.errorText, dismiss);
    this.counter = h('span', { className: 'chat-counter', attrs: { hidden: '' } });

    this.element = h(
      'div',
      { className: 'composer' },
      this.error,
      this.input,
      h(
        'div',
        { className: 'composer-row' },
        h('label', { className: 'chat-recipient-label', attrs: { for: recipientId }, text: 'To' }),
        this.recipient,
        this.pin,
        this.counter,
        this.send,
      ),
      h('div', { className: 'hint', attrs: { id: hintId } }, h('kbd', { text: 'Enter' }), ' to send, ', h('kbd', { text: 'Shift+Enter' }), ' for a new line'),
    );
    this.renderRecipients();
    this.onInput(false);
  }

  /** Updates who can be chosen as a direct-message recipient. */
  setMembers(members: readonly MemberView[], selfId: string | undefined): void {
    this.members = new Map(members.map((m) => [m.id, m]));
    this.selfId = selfId;
    this.renderRecipients();
  }

  /** Chooses a direct-message recipient (from the member list) and puts the cursor in the input. */
  chooseRecipient(person: Person): void {
    this.sentTo = undefined;
    this.store.update({ recipient: person });
    this.renderRecipients();
    this.input.focus();
  }

  /** Shows an error above the input; `unsent` text comes back into the input (after anything typed since). */
  showError(message: string, unsent?: string): void {
    if (unsent !== undefined && unsent !== '') {
      const typed = this.input.value;
      this.input.value = typed.trim() === '' ? unsent : `${unsent}\n${typed}`;
      this.onInput();
      if (this.sentTo !== undefined) this.store.update({ recipient: this.sentTo });
      this.sentTo = undefined;
      this.renderRecipients();
    }
    this.errorText.textContent = message.length > MAX_ERROR_CHARS ? `${message.slice(0, MAX_ERROR_CHARS)}…` : message;
    this.error.hidden = false;
    this.input.setAttribute('aria-invalid', 'true');
  }

  focus(): void {
    this.input.focus();
  }

  private clearError(): void {
    this.error.hidden = true;
    this.errorText.textContent = '';
    this.input.removeAttribute('aria-invalid');
  }

  private onKeyDown(event: KeyboardEvent): void {
    // While an input method is composing, Enter confirms the composition; it must not send.
    if (event.key !== 'Enter' || event.shiftKey || event.altKey || event.isComposing || event.keyCode === 229) return;
    event.preventDefault();
    this.submit();
  }

  private onInput(save = true): void {
    const text = this.input.value;
    if (save) this.store.update({ draft: text });
    this.send.disabled = text.trim() === '';
    const over = text.length > MAX_CHAT_INPUT;
    this.counter.hidden = text.length < MAX_CHAT_INPUT * COUNTER_FROM;
    this.counter.textContent = `${formatCount(text.length)} / ${formatCount(MAX_CHAT_INPUT)}`;
    this.counter.classList.toggle('over', over);
    this.autosize();
  }

  private autosize(): void {
    this.input.style.height = 'auto';
    this.input.style.height = `${Math.min(this.input.scrollHeight, MAX_INPUT_HEIGHT_PX)}px`;
  }

  private submit(): void {
    const text = this.input.value;
    if (text.trim() === '') return;
    if (text.length > MAX_CHAT_INPUT) {
      this.showError(`This message is ${formatCount(text.length)} characters long; the limit is ${formatCount(MAX_CHAT_INPUT)}. Shorten it or send it in parts.`);
      return;
    }
    const to = this.store.current.recipient;
    if (to !== null) {
      const member = this.members.get(to.id);
      if (member === undefined) {
        this.showError(`${to.name} is no longer in the group, so the message was not sent. Choose another recipient.`);
        return;
      }
      if (!member.online) {
        const state = member.reconnecting === true ? 'not connected right now (reconnecting…)' : 'offline';
        this.showError(`${member.name} is ${state}, so the message was not sent.`);
        return;
      }
    }
    this.post(to === null ? { type: 'sendChat', text } : { type: 'sendChat', text, to: to.id });
    this.sentTo = undefined;
    if (to !== null && !this.store.current.recipientPinned) {
      this.sentTo = to;
      this.store.update({ recipient: null });
      this.renderRecipients();
    }
    this.input.value = '';
    this.clearError();
    this.onInput();
    this.input.focus();
  }

  private onRecipientChange(): void {
    const id = this.recipient.value;
    const member = this.members.get(id);
    this.sentTo = undefined;
    this.store.update({ recipient: id === EVERYONE || member === undefined ? null : { id, name: member.name } });
    this.renderRecipients();
  }

  private renderRecipients(): void {
    const chosen = this.store.current.recipient;
    const options: HTMLOptionElement[] = [new Option('Everyone', EVERYONE)];
    const others = [...this.members.values()].filter((m) => m.id !== this.selfId).sort((a, b) => a.name.localeCompare(b.name));
    for (const m of others) {
      const label = m.fingerprint !== undefined ? `${m.name} [${m.fingerprint}]` : m.name;
      options.push(new Option(m.online ? label : `${label} (${m.reconnecting === true ? 'reconnecting…' : 'offline'})`, m.id));
    }
    // A recipient who left stays visible rather than silently turning a direct message public.
    if (chosen !== null && !this.members.has(chosen.id)) options.push(new Option(`${chosen.name} (left)`, chosen.id));
    this.recipient.replaceChildren(...options);
    this.recipient.value = chosen?.id ?? EVERYONE;
    const direct = chosen !== null;
    this.element.classList.toggle('direct', direct);
    this.input.placeholder = direct ? `Direct message to ${chosen.name}` : 'Message the group';
    // The pin only means something for a direct recipient.
    const pinned = this.store.current.recipientPinned;
    this.pin.hidden = !direct;
    this.pin.setAttribute('aria-pressed', String(pinned));
    const pinLabel = direct ? (pinned ? `Keeps sending to ${chosen.name}; click to go back to Everyone after each message` : `Keep sending to ${chosen.name} after this message`) : '';
    this.pin.setAttribute('aria-label', direct ? `Keep ${chosen.name} as the recipient` : 'Keep the recipient');
    this.pin.title = pinLabel;
  }
}
