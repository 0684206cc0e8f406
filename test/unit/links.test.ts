import { strict as assert } from 'node:assert';
import { isOpenableLink, MAX_LINK_LENGTH } from '../../src/board/links';

describe('chat links', () => {
  it('calls a link openable only when it is an absolute http or https URL with a host', () => {
    const openable = ['http://example.com', 'https://example.com/a?b=c#d', 'https://user@example.com:8443/x', 'https://[::1]/'];
    const not = ['example.com', 'ftp://example.com', 'mailto:a@example.com', 'https:example.com', 'http:/example.com', 'https://example.com/\u0000', 'https://example.com/\t'];
    assert.deepEqual(openable.filter((url) => !isOpenableLink(url)), []);
    assert.deepEqual(not.filter((url) => isOpenableLink(url)), []);
  });

  it('calls a link of more than MAX_LINK_LENGTH characters not openable', () => {
    const base = 'https://example.com/';
    assert.equal(isOpenableLink(`${base}${'x'.repeat(MAX_LINK_LENGTH - base.length)}`), true);
    assert.equal(isOpenableLink(`${base}${'x'.repeat(MAX_LINK_LENGTH - base.length + 1)}`), false);
  });
});
