import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { accountDisplayName, realNameFromPasswd } from '../../src/net/accountName';

describe('the display name suggested from the account', () => {
  const passwd = [
    'root:x:0:0:root:/root:/bin/bash',
    'ada:x:1000:1000:Ada Lovelace,Room 1,555-0100,,:/home/ada:/bin/bash',
    'bob:x:1001:1001:&,,,:/home/bob:/bin/sh',
    'svc:x:1002:1002::/srv:/usr/sbin/nologin',
  ].join('\n');

  it('reads the real name from the GECOS field, the user name for "&", and nothing when it is empty', () => {
    assert.equal(realNameFromPasswd(passwd, 1000), 'Ada Lovelace');
    assert.equal(realNameFromPasswd(passwd, 1001), 'Bob');
    assert.equal(realNameFromPasswd(passwd, 1002), undefined);
    assert.equal(realNameFromPasswd(passwd, 4242), undefined);
  });

  it('suggests the real name of this account, and never "root"', () => {
    const dir = mkdtempSync(join(tmpdir(), 'team-notes-passwd-'));
    try {
      const { uid, username } = userInfo();
      const file = join(dir, 'passwd');
      writeFileSync(file, `${username}:x:${uid}:${uid}:Grace Hopper,,,:/home/x:/bin/sh\n`);
      assert.equal(accountDisplayName(file), 'Grace Hopper');
      writeFileSync(file, `${username}:x:${uid}:${uid}:root:/root:/bin/sh\n`);
      assert.equal(accountDisplayName(file), ['root', 'administrator', 'admin'].includes(username.toLowerCase()) ? '' : username);
      assert.notEqual(accountDisplayName(join(dir, 'missing')).toLowerCase(), 'root');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
