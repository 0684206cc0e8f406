/**
 * What a pointer event lands on, for the board's gestures: a control inside an item (which keeps its
 * own clicks), an element's own scrollbar, an element that scrolls itself under the wheel.
 */

export const isControl = (el: Element | null): boolean => el !== null && el.closest('button, a, input, textarea, select, label, [role="button"]') !== null;

/** The press is on an element's own scrollbar (a long note or a snippet's code). */
export function onScrollbar(target: Element, event: PointerEvent): boolean {
  if (!(target instanceof HTMLElement)) return false;
  const overflowX = target.scrollWidth > target.clientWidth;
  const overflowY = target.scrollHeight > target.clientHeight;
  if (!overflowX && !overflowY) return false;
  const rect = target.getBoundingClientRect();
  const scale = rect.width / Math.max(1, target.offsetWidth);
  return (overflowY && event.clientX - rect.left > target.clientWidth * scale) || (overflowX && event.clientY - rect.top > target.clientHeight * scale);
}

/** The wheel would scroll an element inside an item (which keeps it) rather than the board. */
export function scrollsItself(target: Element, event: WheelEvent, stop: Element): boolean {
  for (let el: Element | null = target; el !== null && el !== stop; el = el.parentElement) {
    if (!(el instanceof HTMLElement)) continue;
    if (el.classList.contains('board-item')) return false;
    const canY = el.scrollHeight > el.clientHeight + 1 && ((event.deltaY > 0 && el.scrollTop + el.clientHeight < el.scrollHeight - 1) || (event.deltaY < 0 && el.scrollTop > 0));
    const canX = el.scrollWidth > el.clientWidth + 1 && ((event.deltaX > 0 && el.scrollLeft + el.clientWidth < el.scrollWidth - 1) || (event.deltaX < 0 && el.scrollLeft > 0));
    if (canY || canX) return true;
  }
  return false;
}
