/**
 * The doctor's report from real peer nodes on 127.0.0.1: round trips measured from pings, the
 * link's addresses and interface, and verdicts for listed members that cannot be reached.
 */
import { strict as assert } from 'node:assert';
import { networkInterfaces } from 'node:os';
import MarkdownIt from 'markdown-it';
import { doctorReport, gatherDoctorReport, memberLines, routeInterface } from '../../src/net/doctorReport';
import type { DoctorNode } from '../../src/net/doctorReport';
import { doctorMarkdown, markdownText } from '../../src/extension/doctorMarkdown';
import { TestNetwork, waitUntil } from '../helpers/net';
import { freePort } from '../helpers/ports';

describe('doctorReport', () => {
  const net = new TestNetwork();
  afterEach(() => net.closeAll());

  it('reports linked members as direct, with a round trip from ping to pong, the addresses and the loopback interface', async () => {
    const { port } = await net.repository();
    const [alice] = await net.joinedPeers(['alice', 'bob', 'carol'], port);
    const report = await gatherDoctorReport(alice!, { waitMs: 300 });
    assert.equal(report.self.name, 'alice');
    assert.deepEqual(report.members.map((m) => m.name), ['bob', 'carol']);
    for (const member of report.members) {
      assert.equal(member.state, 'linked');
      if (member.state !== 'linked') continue;
      assert.equal(member.kind, 'direct');
      assert.equal(member.via, undefined);
      assert.equal(member.rttSamples, 1);
      assert.ok(member.rttMs !== undefined && member.rttMs >= 0 && member.rttMs < 300, `rtt ${member.rttMs}`);
      assert.equal(member.localAddress, '127.0.0.1');
      assert.equal(member.remoteAddress, '127.0.0.1');
      assert.equal(member.interface, Object.entries(networkInterfaces()).find(([, a]) => a?.some((x) => x.address === '127.0.0.1'))?.[0]);
      assert.equal(member.vpn, false);
      assert.match(memberLines(member).fields.find(([l]) => l === 'round trip')![1], /ms \(median of 1\)/);
    }
  });

  it('asks the node how a link is carried, so a relayed path shows with the member relaying it', async () => {
    const { port } = await net.repository();
    const [alice, bob, carol] = await net.joinedPeers(['alice', 'bob', 'carol'], port);
    // The node as the relay work will make it: the same node, with pathOf saying carol's link goes through bob.
    const node = alice!;
    const relaying: DoctorNode = {
      id: node.id, name: node.name, group: node.group, passwordProtected: node.passwordProtected, pathStats: node.pathStats,
      members: () => node.members(), listedMembers: () => node.listedMembers(), pingLinks: () => node.pingLinks(), dialUnlinked: () => node.dialUnlinked(),
      pathOf: (id) => (id === carol!.id ? { kind: 'relayed', via: bob!.id } : { kind: 'direct' }),
      pathsSettling: () => false,
    };
    const report = await doctorReport(relaying, networkInterfaces());
    const [toBob, toCarol] = report.members;
    assert.equal(toBob!.state === 'linked' && toBob!.kind, 'direct');
    assert.equal(toCarol!.state === 'linked' && toCarol!.kind, 'relayed');
    assert.equal(toCarol!.state === 'linked' && toCarol!.via, bob!.id);
    assert.match(memberLines(toCarol!).fields[0]![1], /^relayed via bob \[[0-9a-f]{4}-[0-9a-f]{4}\]$/);
  });

  it('gives a listed member at a closed port the verdict "connection refused", with ECONNREFUSED', async () => {
    const { port } = await net.repository();
    const ghost = net.peer('ghost', port, { advertisePort: await freePort() });
    await ghost.join();
    const doctor = net.peer('doctor', port);
    await doctor.join();
    const report = await gatherDoctorReport(doctor, { waitMs: 100 });
    const member = report.members.find((m) => m.name === 'ghost')!;
    assert.equal(member.state, 'unreachable');
    if (member.state !== 'unreachable') return;
    assert.equal(member.verdict.cause, 'refused');
    assert.equal(member.failure?.errno, 'ECONNREFUSED');
    assert.equal(member.routeInterface, memberLines(member).fields.find(([l]) => l === 'route')![1].replace('via ', ''));
  });

  it('gives a member with another password the verdict "different password"', async () => {
    const { port } = await net.repository();
    await net.joinedPeers(['alice'], port, { password: 'correct horse battery staple' });
    const doctor = net.peer('doctor', port, { password: 'wrong' });
    await doctor.join();
    const report = await gatherDoctorReport(doctor, { waitMs: 100 });
    const member = report.members[0]!;
    assert.equal(member.state === 'unreachable' && member.verdict.cause, 'password');
  });

  it('dials again a member that joined later and never reached this one, for a fresh verdict', async () => {
    const { port } = await net.repository();
    const [alice] = await net.joinedPeers(['alice'], port, { password: 'correct horse battery staple' });
    // bob joins with another password: his dial to alice fails, so alice has never dialed him.
    const bob = net.peer('bob', port, { password: 'wrong' });
    await bob.join();
    await waitUntil(() => alice!.listedMembers().some((m) => m.name === 'bob'), 'alice to hear bob is listed');
    const before = await gatherDoctorReport(alice!, { waitMs: 50, redial: false });
    assert.equal(before.members[0]!.state === 'unreachable' && before.members[0]!.verdict.cause, 'notTriedYet');
    const after = await gatherDoctorReport(alice!, { waitMs: 50 });
    assert.equal(after.members[0]!.state === 'unreachable' && after.members[0]!.verdict.cause, 'password');
  });

  it('finds the interface a route would use without sending anything, and none for a name', async () => {
    const loopback = await routeInterface('127.0.0.1');
    assert.equal(typeof loopback, 'string');
    assert.equal(await routeInterface('not-an-address'), undefined);
  });

  it('renders the report as Markdown in which names from the network stay text', async () => {
    const { port } = await net.repository();
    const [alice] = await net.joinedPeers(['alice', '<img src=x onerror=alert(1)> [link](http://evil) **b**'], port);
    const markdown = doctorMarkdown(await gatherDoctorReport(alice!, { waitMs: 200 }));
    const html = new MarkdownIt({ html: true }).render(markdown);
    assert.ok(!html.includes('<img'), html);
    assert.ok(!html.includes('<a '), html);
    assert.ok(!html.includes('<strong>b</strong>'), html);
    assert.match(html, /&lt;img src=x onerror=alert\(1\)&gt; \[link\]\(http:\/\/evil\) \*\*b\*\*/);
    assert.match(html, /<li><strong>path:<\/strong> direct<\/li>/);
    // The escape is itself escaped, so the preview shows the six characters \u202e, not a bidi override.
    assert.equal(markdownText('a\u202eb\u0007'), 'a\\\\u202eb\\\\u0007');
    assert.equal(new MarkdownIt().renderInline(markdownText('a\u202eb')), 'a\\u202eb');
  });
});
