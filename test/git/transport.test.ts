// How git write-back talks to a git server: TLS verified, credentials only to the repository's
// origin (no redirect followed), a deadline on every request, the default branch from HEAD.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { gitAnswerLimit, gitHttpClient, newGitTally } from '../../lib/writeback/git/http';
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

test('a repository on a link-local or metadata address is refused before connecting; loopback and private ones are not', async () => {
  for (const url of ['http://169.254.169.254/deploy.git', 'http://[fd00:ec2::254]/deploy.git', 'http://[::ffff:169.254.169.254]/deploy.git']) {
    const git = await workspace(url);
    await assert.rejects(git.fetchBranch('main'), /resolves to .*, a link-local or metadata address: refused for git and forge API requests/, url);
  }
  const git = await workspace(plainServer.url('deploy'));
  assert.equal((await git.remoteRefs()).defaultBranch, 'trunk', 'a git server on loopback (or a private network) is reachable');
});

test("an answer larger than the cap (a quarter of the function's memory, at least 64 MiB) is cut while streaming", async () => {
  assert.equal(gitAnswerLimit({}), 64 * 1024 * 1024);
  assert.equal(gitAnswerLimit({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024' }), 256 * 1024 * 1024);
  // A valid advertisement that never ends: ref after ref, 80 MiB in all.
  const pktLine = (text: string) => `${(text.length + 4).toString(16).padStart(4, '0')}${text}`;
  let sent = 0;
  const endless = await listen(createServer((_request, response) => {
    response.writeHead(200, { 'Content-Type': 'application/x-git-upload-pack-advertisement' });
    response.write(`${pktLine('# service=git-upload-pack\n')}0000${pktLine(`${'1'.repeat(40)} HEAD\0symref=HEAD:refs/heads/main\n`)}`);
    const refs = Array.from({ length: 100 }, (_, index) => pktLine(`${'1'.repeat(40)} refs/heads/${'b'.repeat(60_000)}-${index}\n`)).join('');
    const more = () => {
      while (sent < 80 * 1024 * 1024 && response.write(refs)) sent += refs.length;
      if (sent >= 80 * 1024 * 1024) response.end();
    };
    response.on('drain', more);
    more();
  }));
  try {
    const git = await workspace(`http://127.0.0.1:${port(endless)}/deploy.git`);
    await assert.rejects(git.remoteRefs(), /git answer from http:\/\/127\.0\.0\.1:\d+\/deploy\.git\/info\/refs is larger than 64 MiB, the most read/);
  } finally {
    endless.closeAllConnections();
    endless.close();
  }
});

test('an answer cut by the deadline is an error, never a shorter answer', async () => {
  const pktLine = (text: string) => `${(text.length + 4).toString(16).padStart(4, '0')}${text}`;
  const dribbling = await listen(createServer((_request, response) => {
    response.writeHead(200, { 'Content-Type': 'application/x-git-upload-pack-advertisement' });
    response.write(`${pktLine('# service=git-upload-pack\n')}0000${pktLine(`${'1'.repeat(40)} HEAD\0symref=HEAD:refs/heads/main\n`)}`);
    const timer = setInterval(() => response.write(pktLine(`${'2'.repeat(40)} refs/heads/main\n`)), 50);
    response.on('close', () => clearInterval(timer));
  }));
  try {
    const git = await workspace(`http://127.0.0.1:${port(dribbling)}/deploy.git`, Date.now() + 500);
    await assert.rejects(git.remoteRefs(), /cannot list the branches of .*: git answer from .*\/info\/refs was cut: timed out/);
  } finally {
    dribbling.closeAllConnections();
    dribbling.close();
  }
});

function listen(server: Server): Promise<Server> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function port(server: Server): number {
  return (server.address() as AddressInfo).port;
}
