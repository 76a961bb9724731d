import { closeSync, fstatSync, openSync, readSync, statSync } from "node:fs";

/**
 * Follows auditd's log as `tail -F` does: new lines since the last read, across rotations.
 * auditd rotates by renaming audit.log to audit.log.1 and opening a new audit.log; the open
 * descriptor still reads the renamed file, so its last lines are read before the new file is
 * opened from its start. A file that shrank (truncated in place) is read again from its start.
 */
export class AuditLogTail {
  private fd: number | undefined;
  private inode = 0;
  private offset = 0;
  private partial = "";
  private readonly chunk = Buffer.alloc(256 * 1024);
  /** Rotations followed, for the logs. */
  rotations = 0;

  /** Starts at the end of the file: what was logged before the recorder ran is not read. */
  constructor(private readonly path: string) {
    this.open(true);
  }

  /** Complete lines appended since the last call. */
  read(): string[] {
    if (this.fd === undefined) this.open(false);
    if (this.fd === undefined) return [];
    const lines = this.drain();
    const now = statOrUndefined(this.path);
    if (now !== undefined && now.ino !== this.inode) {
      // Rotated: the old file's tail is in `lines` already; the new one is read from its start.
      this.rotations++;
      closeSync(this.fd);
      this.fd = undefined;
      this.partial = "";
      this.open(false);
      lines.push(...this.drain());
    } else if (now !== undefined && now.size < this.offset) {
      this.offset = 0;
      this.partial = "";
      lines.push(...this.drain());
    }
    return lines;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private open(atEnd: boolean): void {
    try {
      this.fd = openSync(this.path, "r");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
      throw error;
    }
    const stat = fstatSync(this.fd);
    this.inode = stat.ino;
    this.offset = atEnd ? stat.size : 0;
  }

  private drain(): string[] {
    const out: string[] = [];
    for (;;) {
      const n = readSync(this.fd!, this.chunk, 0, this.chunk.length, this.offset);
      if (n === 0) break;
      this.offset += n;
      const text = this.partial + this.chunk.toString("utf8", 0, n);
      const lines = text.split("\n");
      this.partial = lines.pop()!;
      out.push(...lines.filter((l) => l.length > 0));
    }
    return out;
  }
}

function statOrUndefined(path: string): { ino: number; size: number } | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}
