/**
 * `40000` → `40,000`, `-1000000` → `-1,000,000`, `0.25` → `0.25`: digits grouped the same in every
 * locale, without `toLocaleString` (whose first call loads the locale data: tens of ms when the
 * extension starts).
 */
export function groupDigits(n: number): string {
  const [whole = '', fraction] = String(n).split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return fraction === undefined ? grouped : `${grouped}.${fraction}`;
}
