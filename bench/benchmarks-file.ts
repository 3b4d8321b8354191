/**
 * BENCHMARKS.md holds one section per benchmark command, each between its own markers, so one
 * command rewrites only its section and leaves the others (the health judge's) as they are.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const begin = (name: string) => `<!-- ${name}:begin (written by its benchmark; edits inside are lost) -->`;
const end = (name: string) => `<!-- ${name}:end -->`;

/** `markdown` replaces the section `name`, or is appended when the file has none. */
export function writeSection(file: string, name: string, markdown: string): void {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  const block = `${begin(name)}\n${markdown.trim()}\n${end(name)}`;
  const from = text.indexOf(begin(name));
  const to = text.indexOf(end(name));
  const next =
    from >= 0 && to > from
      ? text.slice(0, from) + block + text.slice(to + end(name).length)
      : `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(file, next);
}
