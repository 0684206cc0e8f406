/**
 * The elements of the chat log: a message bubble (sender, time, direct marking, text with links
 * and mentions, how far an own message has reached) and the one-line notices that a member joined
 * or left. The log decides where they go; this module only draws them.
 */
import type { ChatEntry, PresenceLine } from '../protocol';
import { chatTextNodes, mentionsSelf } from './chatText';
import { h } from './dom';
import { expandableText } from './expandableText';
import { formatCount, formatTime } from './format';
import { icon } from './icons';

/** Characters of a message shown before "Show all". */
const CHAT_PREVIEW_CHARS = 2000;

function timeElement(ts: number): HTMLElement | undefined {
  const time = formatTime(ts);
  return time.short === '' ? undefined : h('time', { className: 'chat-time', attrs: { datetime: time.iso, title: time.label }, text: time.short });
}

/**
 * A message bubble. `selfName` is the user's display name: a message from someone else that
 * mentions it is marked (`mentions-you`) and the mention highlighted.
 */
export function drawMessage(entry: ChatEntry, selfName: string | undefined): HTMLElement {
  const meta = h('div', { className: 'chat-meta' });
  if (entry.to !== undefined && !entry.own) {
    meta.append(h('span', { className: 'chat-sender' }, 'from ', h('bdi', { text: entry.from.name })), h('span', { className: 'chat-direct', text: '(direct)' }));
  } else {
    meta.append(h('bdi', { className: 'chat-sender', text: entry.own ? 'You' : entry.from.name }));
    if (entry.to !== undefined) meta.append(h('span', { className: 'chat-direct' }, 'to ', h('bdi', { text: entry.to.name })));
  }
  const mentioned = !entry.own && mentionsSelf(entry.text, selfName);
  if (mentioned) meta.append(h('span', { className: 'chat-mentions-you', text: 'mentions you' }));
  const time = timeElement(entry.ts);
  if (time !== undefined) meta.append(time);
  const classes = ['chat-message', entry.own ? 'own' : 'other'];
  if (entry.to !== undefined) classes.push('direct');
  if (mentioned) classes.push('mentions-you');
  const name = entry.own ? undefined : selfName;
  const text = expandableText(entry.text, { previewChars: CHAT_PREVIEW_CHARS, className: 'chat-text', render: (shown, cut) => chatTextNodes(shown, name, cut) });
  const el = h('div', { className: classes.join(' ') }, meta, text.element);
  el.dataset.id = entry.id;
  return el;
}

/**
 * Draws (or redraws in place) the delivery line of an own message in its bubble `el`; returns the
 * line, which the caller passes back as `line` next time.
 */
export function drawDelivery(el: HTMLElement, entry: ChatEntry, line: HTMLElement | undefined): HTMLElement | undefined {
  if (!entry.own || entry.delivery === undefined) return line;
  if (line === undefined) {
    // Its own live region, switched off: the log announces a new message, not every step of its delivery.
    line = h('div', { className: 'chat-delivery', attrs: { 'aria-live': 'off' } });
    el.append(line);
  }
  const { delivered, of } = entry.delivery;
  const direct = entry.to !== undefined && of === 1;
  line.removeAttribute('title');
  if (of === 0) {
    line.dataset.state = 'sent';
    line.title = 'Sent; no other member was there to receive it';
    line.textContent = 'sent';
  } else if (delivered < of) {
    line.dataset.state = 'pending';
    line.textContent = direct ? 'sending…' : `delivered to ${formatCount(delivered)} of ${formatCount(of)}`;
  } else {
    line.dataset.state = 'delivered';
    const label = direct && entry.to !== undefined ? `Delivered to ${entry.to.name}` : `Delivered to everyone (${formatCount(of)})`;
    line.replaceChildren(h('span', { className: 'chat-delivered', attrs: { role: 'img', 'aria-label': label, title: label } }, icon('check', 'icon chat-delivered-icon')));
  }
  return line;
}

const PRESENCE_WORDS: Record<PresenceLine['change'], string> = {
  joined: 'joined',
  left: 'left',
  lost: 'left (connection lost)',
};

/** "Bob joined", "Carol left": a quiet line between the messages. */
export function drawPresence(line: PresenceLine): HTMLElement {
  const el = h('div', { className: `chat-presence ${line.change}` }, h('bdi', { className: 'chat-presence-name', text: line.member.name }), ` ${PRESENCE_WORDS[line.change]}`, timeElement(line.ts));
  el.dataset.id = line.id;
  return el;
}
