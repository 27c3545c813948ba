import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@patch-factory/testing';
import { buildCommitMessage, readTrailer, RUN_TRAILER, STREAM_TRAILER } from './commit-message';
import type { DefinitionUpdate } from './patch-change';
import { renderPullRequestBody, readStreamMarker, streamMarker } from './pull-request-text';

const RUN = 'run_01J0Z3W2Y8K8Q0X1V5T6R7S8P9';

interface BotCommit {
  subject: string;
  updates: Array<DefinitionUpdate & { image: string }>;
}

describe('commit messages', () => {
  it('have the update bot’s subjects for the real bot commits', () => {
    const lines = readFileSync(join(repoRoot(), '..', 'shared', 'corpus', 'dhi-bot-updates.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean);
    let compared = 0;
    const mismatches: string[] = [];
    for (const line of lines) {
      const commit = JSON.parse(line) as BotCommit;
      const first = commit.updates[0];
      // Two corpus commits name an include file at the catalog root as their "image": not a stream.
      if (!first || first.image.startsWith('.')) continue;
      const message = buildCommitMessage({
        runId: RUN,
        stream: { image: first.image, os: 'debian-13', stream: 'latest' },
        updates: commit.updates.map((u) => ({ ref: u.ref, file: u.file, vars: u.vars })),
        files: [{ path: first.file, content: 'x: 1\n' }],
      });
      compared++;
      const expected = commit.subject.replace(/ \(#\d+\)$/, '');
      if (message.subject !== expected) mismatches.push(`${message.subject} != ${expected}`);
    }
    expect(compared).toBeGreaterThanOrEqual(798);
    expect(mismatches).toEqual([]);
  });

  it('carry the variable diff and the run trailer', () => {
    const m = buildCommitMessage({
      runId: RUN,
      stream: { image: 'php', os: 'debian-13', stream: '8.4' },
      updates: [
        {
          ref: 'php-src',
          file: 'image/php/debian-13/8.4.yaml',
          vars: [
            { name: 'PHP_VERSION', old: '8.4.10', new: '8.4.11' },
            { name: 'PHP_SHA256', old: 'aa', new: 'bb' },
            { name: 'KEPT', old: '1', new: '1' },
          ],
        },
      ],
      files: [{ path: 'image/php/debian-13/8.4.yaml', content: 'x\n' }],
    });
    expect(m.text).toBe(
      'php: update php-src in debian-13/8.4.yaml\n\nPHP_VERSION: 8.4.10 -> 8.4.11\nPHP_SHA256: aa -> bb\n\n' +
        `Patch-Factory-Run: ${RUN}\nPatch-Factory-Stream: php/debian-13/8.4\n`,
    );
    expect(readTrailer(m.text, RUN_TRAILER)).toBe(RUN);
    expect(readTrailer(m.text, STREAM_TRAILER)).toBe('php/debian-13/8.4');
  });

  it('name the stream definition when updates touch several files', () => {
    const m = buildCommitMessage({
      runId: RUN,
      stream: { image: 'app', os: 'debian-13', stream: '2' },
      updates: [
        { ref: 'dhi/python:3.13-debian13', file: 'image/app/debian-13/2.yaml', vars: [] },
        { ref: 'dhi/python:3.13-debian13-dev', file: 'image/app/debian-13/.app.inc.yaml', vars: [] },
      ],
      files: [{ path: 'image/app/debian-13/2.yaml', content: 'x\n' }],
    });
    expect(m.subject).toBe('app: update 2 packages in debian-13/2.yaml');
    expect(m.body).toBe('No variable changed.');
  });

  it('pull request bodies quote values and carry the stream marker', () => {
    const stream = { image: 'php', os: 'debian-13', stream: '8.4' };
    const body = renderPullRequestBody(
      {
        runId: RUN,
        stream,
        updates: [{ ref: 'php-src', file: 'image/php/debian-13/8.4.yaml', vars: [{ name: 'V', old: '1', new: '2' }] }],
        files: [{ path: 'image/php/debian-13/8.4.yaml', content: '' }],
      },
      'high',
      ['see <script>alert(1)</script> | `x`'],
    );
    expect(body).toContain('| `V` | `1` | `2` |');
    expect(body).toContain('Severity: **high**');
    expect(body).not.toMatch(/<script>/);
    expect(readStreamMarker(`${body}\n\n${streamMarker(stream)}`)).toBe('php/debian-13/8.4');
  });
});
