import { splitCommandWords } from './command-words';

describe('splitCommandWords (commands for images without a shell)', () => {
  it.each([
    ['redis-server --version', ['redis-server', '--version']],
    ['  a\tb  ', ['a', 'b']],
    [`echo 'a b' "c \\"d\\" \\\\" e\\ f`, ['echo', 'a b', 'c "d" \\', 'e f']],
    [`x'y'"z"`, ['xyz']],
    [`printf ''`, ['printf', '']],
  ])('%s', (command, argv) => {
    expect(splitCommandWords(command)).toEqual({ ok: true, argv });
  });

  it.each([
    ['a | b', 'it uses shell syntax ("|")'],
    ['a && b', 'it uses shell syntax ("&")'],
    ['a > /tmp/x', 'it uses shell syntax (">")'],
    ['echo $HOME', 'it uses shell syntax ("$")'],
    ['echo "$HOME"', 'it uses shell syntax ($ inside double quotes)'],
    ['ls *', 'it uses shell syntax ("*")'],
    ['a\nb', 'it uses shell syntax (a newline)'],
    ['# comment', 'it uses shell syntax (a comment)'],
    ['FOO=1 app', 'it uses shell syntax (a variable assignment)'],
    ["echo 'open", 'a single quote is not closed'],
    ['echo "open', 'a double quote is not closed'],
    ['echo \\', 'it ends with a backslash'],
    ['   ', 'it is empty'],
  ])('refuses %j', (command, why) => {
    expect(splitCommandWords(command)).toEqual({ ok: false, why });
  });

  it('keeps quoted shell characters literally', () => {
    expect(splitCommandWords(`grep -E 'a|b' "x;y" c\\*d`)).toEqual({
      ok: true,
      argv: ['grep', '-E', 'a|b', 'x;y', 'c*d'],
    });
  });
});
