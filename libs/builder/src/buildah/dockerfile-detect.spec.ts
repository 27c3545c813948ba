import { isDockerfileDefinition } from './dockerfile-detect';

describe('isDockerfileDefinition', () => {
  it.each([
    '# syntax=docker/dockerfile\nFROM scratch\n',
    '# syntax=docker/dockerfile:1\nFROM scratch\n',
    '# syntax=docker/dockerfile:1.7\n',
    '# syntax=docker/dockerfile:1.7.0\n',
    '# syntax=docker/dockerfile:1-labs\n',
    `# syntax=docker/dockerfile:1@sha256:${'a'.repeat(64)}\n`,
    '# syntax=docker.io/docker/dockerfile:1\n',
    '# SYNTAX=docker/dockerfile:1\n',
    '# Syntax=docker/dockerfile:1\n',
    '#syntax=docker/dockerfile:1\n',
    '#  syntax = docker/dockerfile:1  \n',
    '#\tsyntax=docker/dockerfile:1\n',
    '# syntax=docker/dockerfile:1\r\nFROM scratch\r\n',
    '\uFEFF# syntax=docker/dockerfile:1\n',
    '# syntax=docker/dockerfile:1',
  ])('accepts %j', (text) => {
    expect(isDockerfileDefinition(text)).toBe(true);
  });

  it.each([
    '',
    'FROM scratch\n',
    '\n# syntax=docker/dockerfile:1\n',
    ' # syntax=docker/dockerfile:1\n',
    '# escape=`\n# syntax=docker/dockerfile:1\n',
    '# syntax=docker/dockerfile:latest\n',
    '# syntax=DOCKER/DOCKERFILE:1\n',
    '# syntax=docker/dockerfile:1 extra\n',
    '# syntax=docker/dockerfile-upstream:1\n',
    '# syntax=evil.example/docker/dockerfile:1\n',
    '# syntax=docker/dockerfile:v1\n',
    '# syntax docker/dockerfile:1\n',
    '// syntax=docker/dockerfile:1\n',
    'name: image\n# syntax=docker/dockerfile:1\n',
  ])('refuses %j', (text) => {
    expect(isDockerfileDefinition(text)).toBe(false);
  });
});
