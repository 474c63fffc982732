import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Edits `text` in the person's editor ($VISUAL, then $EDITOR) and returns the result, or undefined
 * when none is set or it failed. Runs synchronously: the app is frozen while the editor owns the
 * terminal, which is what the person expects.
 */
export function editInExternalEditor(text: string, env: Readonly<Record<string, string | undefined>> = process.env): string | undefined {
  const command = env['VISUAL'] ?? env['EDITOR'];
  if (command === undefined || command.trim() === '') return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'flowsteer-edit-'));
  const file = join(dir, 'text.md');
  try {
    writeFileSync(file, text);
    // The command may carry arguments ("code --wait"); the file goes last.
    const [program = '', ...args] = command.trim().split(/\s+/);
    const result = spawnSync(program, [...args, file], { stdio: 'inherit' });
    if (result.status !== 0) return undefined;
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
