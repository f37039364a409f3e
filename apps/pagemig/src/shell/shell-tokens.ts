/**
 * Splits a shell command line into words the way sh does for simple commands: blanks separate
 * words, single quotes keep everything literally, double quotes keep blanks (with `\"` and `\\`
 * escapes), a backslash outside quotes escapes the next character, `#` at the start of a word
 * begins a comment, and `>` / `>>` (alone or glued to the next word) is an output redirection.
 */

/** A parsed command line. */
export interface ShellLine {
  words: string[];
  /** Target of `>` or `>>`, if any. */
  redirect: { path: string; append: boolean } | null;
}

/** Parses one line; throws an Error with sh's message for an unterminated quote or a missing redirection target. */
export function tokenize(line: string): ShellLine {
  const words: string[] = [];
  let redirect: ShellLine['redirect'] = null;
  let pendingRedirect: boolean | null = null;
  let i = 0;
  const push = (word: string) => {
    if (pendingRedirect !== null) {
      redirect = { path: word, append: pendingRedirect };
      pendingRedirect = null;
    } else words.push(word);
  };
  while (i < line.length) {
    const c = line[i]!;
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    if (c === '#') break;
    if (c === '>') {
      if (pendingRedirect !== null) throw new Error("syntax error near unexpected token `>'");
      pendingRedirect = line[i + 1] === '>';
      i += pendingRedirect ? 2 : 1;
      continue;
    }
    let word = '';
    let quoted = false;
    while (i < line.length) {
      const d = line[i]!;
      if (d === ' ' || d === '\t' || d === '>') break;
      if (d === "'") {
        const end = line.indexOf("'", i + 1);
        if (end < 0) throw new Error("unexpected EOF while looking for matching `''");
        word += line.slice(i + 1, end);
        quoted = true;
        i = end + 1;
      } else if (d === '"') {
        i++;
        quoted = true;
        for (;;) {
          if (i >= line.length) throw new Error('unexpected EOF while looking for matching `"\'');
          const e = line[i]!;
          if (e === '"') {
            i++;
            break;
          }
          if (e === '\\' && (line[i + 1] === '"' || line[i + 1] === '\\')) {
            word += line[i + 1];
            i += 2;
            continue;
          }
          word += e;
          i++;
        }
      } else if (d === '\\' && i + 1 < line.length) {
        word += line[i + 1];
        i += 2;
      } else {
        word += d;
        i++;
      }
    }
    if (word !== '' || quoted) push(word);
  }
  if (pendingRedirect !== null) throw new Error("syntax error near unexpected token `newline'");
  return { words, redirect };
}
