// How git write-back talks to a git server: TLS verified, credentials only to the repository's
// origin (no redirect followed), a deadline on every request, the default branch from HEAD.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { gitHttpClient, newGitTally } from '../../lib/writeback/git/http';
import { GitWorkspace } from '../../lib/writeback/git/repository';
import { startGitServer, type GitServer } from '../support/git-server';

const AUTH = { Authorization: `Basic ${Buffer.from('bot:transport-secret').toString('base64')}` };
let tlsServer: GitServer;
let plainServer: GitServer;

before(async () => {
  [tlsServer, plainServer] = await Promise.all([startGitServer({ tls: true, users: { bot: 'transport-secret' } }), startGitServer({ users: { bot: 'transport-secret' } })]);
  await tlsServer.createRepository('deploy', { 'a.yaml': 'a: 1\n' });
  await plainServer.createRepository('deploy', { 'a.yaml': 'a: 1\n' }, { branch: 'trunk' });
});

after(async () => {
  await Promise.all([tlsServer?.stop(), plainServer?.stop()]);
});

async function workspace(url: string, deadline?: number): Promise<GitWorkspace> {
  const parsed = new URL(url);
  return GitWorkspace.open(parsed, gitHttpClient(parsed, { timeoutMs: 10_000, deadline }, newGitTally()), AUTH);
}

test('a certificate no trusted CA signed is refused', async () => {
  const git = await workspace(tlsServer.url('deploy'));
  await assert.rejects(git.fetchBranch('main'), /cannot fetch branch main of https:\/\/127\.0\.0\.1:\d+\/deploy\.git: git request .* failed: TLS certificate not trusted \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\); add its CA with NODE_EXTRA_CA_CERTS/);
  assert.equal(tlsServer.counts.requests, 0, 'nothing reached the server');
});

test('a redirect is not followed: the credentials never reach the other host', async () => {
  const seen: (string | undefined)[] = [];
  const other = await listen(createServer((request, response) => {
    seen.push(request.headers.authorization);
    response.writeHead(404).end();
  }));
  const redirecting = await listen(createServer((request, response) => {
    response.writeHead(302, { Location: `http://127.0.0.1:${port(other)}${request.url ?? '/'}` }).end();
  }));
  try {
    const git = await workspace(`http://127.0.0.1:${port(redirecting)}/deploy.git`);
    await assert.rejects(git.fetchBranch('main'), /was redirected \(302\); set git-repository to the final URL/);
    assert.deepEqual(seen, []);
  } finally {
    redirecting.close();
    other.close();
  }
});

test('the remote default branch comes from HEAD; a request after the deadline is not sent', async () => {
  const git = await workspace(plainServer.url('deploy'));
  const refs = await git.remoteRefs();
  assert.equal(refs.defaultBranch, 'trunk');
  assert.deepEqual([...refs.branches], ['trunk']);
  await assert.rejects(git.fetchBranch('nope'), /cannot fetch branch nope/);
  const late = await workspace(plainServer.url('deploy'), Date.now() - 1);
  const before = plainServer.counts.requests;
  await assert.rejects(late.fetchBranch('trunk'), /no time left/);
  assert.equal(plainServer.counts.requests, before);
});

function listen(server: Server): Promise<Server> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function port(server: Server): number {
  return (server.address() as AddressInfo).port;
}
