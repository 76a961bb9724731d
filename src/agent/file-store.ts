/**
 * The node agent's file store: the only code of the operator that touches a node's file
 * system. It owns `<seccomp root>/operator/` and writes there, and nowhere else:
 *
 *   operator/<namespace>/<name>.json          stable: latest installed
 *   operator/<namespace>/<name>/<hash>.json   pinned: immutable, by content
 *
 * The seccomp root itself may be reached through symlinks an admin set up; it is resolved once,
 * when the store is opened. Below it nothing is ever a symlink: the store never follows one and
 * never writes through one; what someone planted is reported, not deleted or replaced.
 *
 * Writes are atomic: a temporary file in the target's folder (O_CREAT|O_EXCL|O_NOFOLLOW, mode set
 * with fchmod whatever the umask), all bytes, fsync, close, rename over the target, fsync the
 * folder. A reader sees the old file or the new one, never a part, and a crash leaves at worst a
 * temporary file that `removeTempFiles` clears. The stable file is a second link to the pinned
 * file of the same content (made under a temporary name, then renamed over the stable one), so
 * its bytes are written and synced once. An install syncs each folder it changed once, at its
 * end, and returns only then: what it reports installed survives a crash.
 *
 * Residual race: Node has no openat(), so paths are checked with lstat and then used by name.
 * Between the two, a writer could swap a checked folder for a symlink. Only root can write in
 * the kubelet folder, and what such a writer could gain is bounded: the temporary file is
 * created with O_EXCL|O_NOFOLLOW (never through a final symlink), folders are opened with
 * O_DIRECTORY|O_NOFOLLOW, and rename replaces a final symlink rather than following it.
 *
 * Synchronous calls, but for the fsyncs of installs: profiles are a few KiB and the cost is the
 * fsyncs, which run on libuv's threads so that many installs share the file system's journal
 * commits (10,000 profiles one after the other took minutes). Other operations may run while an
 * install waits; the agent never installs one profile twice at once (its work queue), and what
 * an install leaves in a folder while it waits (its temporary file, then its file) keeps the
 * folder from being removed as empty. Every method returns a plain Result (a Promise of one for
 * installs).
 */
import { createHash, randomBytes } from "node:crypto";
import * as nodeFs from "node:fs";
import { join } from "node:path";

import { NODE_PROFILE_ROOT } from "../api/names.js";
import { err, ok, type Result } from "../profile/result.js";
import {
  hashProblem,
  isTempFileName,
  namespaceProblem,
  nameProblem,
  parentOf,
  pinnedFileHash,
  pinnedPath,
  profileLayout,
  stableFileProfile,
  tempFileName,
} from "./file-names.js";

const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_DIRECTORY, O_NONBLOCK } = nodeFs.constants;

const FILE_MODE = 0o644;
const DIR_MODE = 0o755;
const TEMP_OPEN_FLAGS = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW;
/** O_NONBLOCK so that a FIFO swapped in after the lstat cannot hang the agent. */
const READ_OPEN_FLAGS = O_RDONLY | O_NOFOLLOW | O_NONBLOCK;
const DIR_OPEN_FLAGS = O_RDONLY | O_DIRECTORY | O_NOFOLLOW;
const READ_CHUNK = 64 * 1024;

export type StoreErrorCode = "symlink" | "not-a-directory" | "not-a-file" | "invalid-name" | "hash-mismatch" | "io";

export interface StoreError {
  code: StoreErrorCode;
  /** Relative to the seccomp root; `.` is the root itself. */
  path: string;
  message: string;
  /** The system error code (`ENOSPC`, `EIO`, ...) when a system call failed. */
  errno?: string;
}

/** The synchronous calls the store makes; `node:fs` by default, replaceable to inject faults. */
export interface FileSystem {
  openSync(path: string, flags: number, mode?: number): number;
  closeSync(fd: number): void;
  readSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number | null): number;
  writeSync(fd: number, buffer: Uint8Array, offset: number, length: number): number;
  fsyncSync(fd: number): void;
  /** As node:fs, on libuv's threads. */
  fsync(fd: number, callback: (error: NodeJS.ErrnoException | null) => void): void;
  linkSync(existingPath: string, newPath: string): void;
  fchmodSync(fd: number, mode: number): void;
  fstatSync(fd: number): nodeFs.Stats;
  lstatSync(path: string): nodeFs.Stats;
  mkdirSync(path: string, mode: number): unknown;
  readdirSync(path: string): string[];
  renameSync(oldPath: string, newPath: string): void;
  unlinkSync(path: string): void;
  rmdirSync(path: string): void;
  realpathSync(path: string): string;
}

export interface OpenOptions {
  /** Create the seccomp root (its last component only, mode 0755) when it is missing. */
  createRoot?: boolean;
  fs?: FileSystem;
}

export interface InstallOutcome {
  /** Whether any file was written. */
  changed: boolean;
  stable: "written" | "unchanged";
  /** `repaired`: the pinned file was there with other content and was rewritten. */
  pinned: "written" | "repaired" | "unchanged";
}

export interface RemoveOutcome {
  /** False when the file was already absent. */
  removed: boolean;
}

export interface StableFile {
  namespace: string;
  name: string;
  path: string;
  /** sha256 hex of the current content. */
  sha256: string;
  size: number;
  mtimeMs: number;
}

export interface PinnedFile {
  namespace: string;
  name: string;
  hash: string;
  path: string;
  size: number;
  mtimeMs: number;
  /** Whether the content's sha256 equals the hash in the file name. */
  intact: boolean;
}

export type AnomalyKind = "symlink" | "unexpected" | "unreadable";

export interface Anomaly {
  path: string;
  kind: AnomalyKind;
  message: string;
}

/** What is on disk below `operator/`, sorted by path. */
export interface StoreInventory {
  stable: StableFile[];
  pinned: PinnedFile[];
  /** Temporary files left by an interrupted write. */
  tempFiles: string[];
  /** Symlinks and entries the store did not write; reported, never followed. */
  anomalies: Anomaly[];
}

type EntryKind = "absent" | "directory" | "file" | "symlink" | "other";

export class ProfileFileStore {
  /** Resolves the seccomp root once; it must be a directory. */
  static open(seccompRoot: string, options: OpenOptions = {}): Result<ProfileFileStore, StoreError> {
    const fs = options.fs ?? nodeFs;
    let root: string;
    try {
      root = fs.realpathSync(seccompRoot);
    } catch (error) {
      if (errnoOf(error) !== "ENOENT" || options.createRoot !== true) {
        return err(systemError(error, ".", "resolve the seccomp root"));
      }
      try {
        fs.mkdirSync(seccompRoot, DIR_MODE);
        root = fs.realpathSync(seccompRoot);
        const fd = fs.openSync(root, DIR_OPEN_FLAGS);
        try {
          fs.fchmodSync(fd, DIR_MODE);
        } finally {
          fs.closeSync(fd);
        }
      } catch (createError) {
        return err(systemError(createError, ".", "create the seccomp root"));
      }
    }
    try {
      if (!fs.lstatSync(root).isDirectory()) {
        return err(storeError("not-a-directory", ".", "the seccomp root is not a directory"));
      }
    } catch (error) {
      return err(systemError(error, ".", "inspect the seccomp root"));
    }
    return ok(new ProfileFileStore(root, fs));
  }

  private constructor(
    /** The resolved seccomp root, free of symlinks. */
    readonly root: string,
    private readonly fs: FileSystem,
  ) {}

  /**
   * Installs `bytes` as the pinned file (written if absent, rewritten if its content does not
   * match `hash`) and as the stable file (linked to the pinned one if its content differs).
   * Everything on the way is checked before anything is written, so a refused install writes
   * nothing.
   */
  async install(namespace: string, name: string, hash: string, bytes: Uint8Array): Promise<Result<InstallOutcome, StoreError>> {
    const invalid = checkNames(namespace, name, hash);
    if (invalid) return err(invalid);
    const layout = profileLayout(namespace, name);
    const pinned = pinnedPath(namespace, name, hash);
    const digest = sha256(bytes);
    if (digest !== hash) {
      return err(storeError("hash-mismatch", pinned, `the content's sha256 is ${digest}, not ${hash}`));
    }

    const checked = this.checkTree([layout.root, layout.namespaceDir], [layout.stable], layout.nameDir, [pinned]);
    if (!checked.ok) return checked;

    const changedDirs = new Set<string>();
    for (const dir of [layout.root, layout.namespaceDir, layout.nameDir]) {
      const made = this.ensureDir(dir, changedDirs);
      if (!made.ok) return this.finish(made, changedDirs);
    }

    const pinnedState = await this.installFile(pinned, bytes, (current) => sha256(current) === hash, changedDirs);
    if (!pinnedState.ok) return this.finish(pinnedState, changedDirs);
    const stableState = this.linkFile(layout.stable, pinned, bytes, changedDirs);
    if (!stableState.ok) return this.finish(stableState, changedDirs);

    const pinnedOutcome = pinnedState.value === "kept" ? "unchanged" : pinnedState.value;
    const stableOutcome = stableState.value === "kept" ? "unchanged" : "written";
    return this.finish(
      ok({
        changed: pinnedOutcome !== "unchanged" || stableOutcome !== "unchanged",
        stable: stableOutcome,
        pinned: pinnedOutcome,
      }),
      changedDirs,
    );
  }

  /**
   * Installs `bytes` as a pinned file only (an older hash that workloads still pin), leaving the
   * stable file to the current version. Checked as install() checks.
   */
  async installPinned(namespace: string, name: string, hash: string, bytes: Uint8Array): Promise<Result<{ pinned: "written" | "repaired" | "unchanged" }, StoreError>> {
    const invalid = checkNames(namespace, name, hash);
    if (invalid) return err(invalid);
    const layout = profileLayout(namespace, name);
    const pinned = pinnedPath(namespace, name, hash);
    const digest = sha256(bytes);
    if (digest !== hash) return err(storeError("hash-mismatch", pinned, `the content's sha256 is ${digest}, not ${hash}`));
    const checked = this.checkTree([layout.root, layout.namespaceDir], [], layout.nameDir, [pinned]);
    if (!checked.ok) return checked;
    const changedDirs = new Set<string>();
    for (const dir of [layout.root, layout.namespaceDir, layout.nameDir]) {
      const made = this.ensureDir(dir, changedDirs);
      if (!made.ok) return this.finish(made, changedDirs);
    }
    const state = await this.installFile(pinned, bytes, (current) => sha256(current) === hash, changedDirs);
    if (!state.ok) return this.finish(state, changedDirs);
    return this.finish(ok({ pinned: state.value === "kept" ? "unchanged" : state.value }), changedDirs);
  }

  /**
   * Syncs the folders an install changed, together, then gives its result; also after a failure,
   * for what it created on the way. A failed sync makes the install fail.
   */
  private async finish<T>(result: Result<T, StoreError>, changedDirs: ReadonlySet<string>): Promise<Result<T, StoreError>> {
    const synced = await Promise.all([...changedDirs].map((dir) => this.syncDirAsync(dir)));
    const failed = synced.find((r) => !r.ok);
    return result.ok && failed !== undefined && !failed.ok ? failed : result;
  }

  /** Whether the pinned file is there as a regular file (its content is not read). */
  hasPinned(namespace: string, name: string, hash: string): boolean {
    if (checkNames(namespace, name, hash)) return false;
    const kind = this.kindOf(pinnedPath(namespace, name, hash));
    return kind.ok && kind.value === "file";
  }

  /** Removes the stable file, then the profile's and the namespace's folders if empty. */
  removeStable(namespace: string, name: string): Result<RemoveOutcome, StoreError> {
    const invalid = checkNames(namespace, name);
    if (invalid) return err(invalid);
    const layout = profileLayout(namespace, name);
    return this.removeFile([layout.root, layout.namespaceDir], layout.stable, [layout.nameDir, layout.namespaceDir]);
  }

  /** Removes one pinned file, then the profile's and the namespace's folders if empty. */
  removePinned(namespace: string, name: string, hash: string): Result<RemoveOutcome, StoreError> {
    const invalid = checkNames(namespace, name, hash);
    if (invalid) return err(invalid);
    const layout = profileLayout(namespace, name);
    return this.removeFile(
      [layout.root, layout.namespaceDir, layout.nameDir],
      pinnedPath(namespace, name, hash),
      [layout.nameDir, layout.namespaceDir],
    );
  }

  /** Lists what is on disk, hashing every profile file; follows no symlink. */
  scan(): Result<StoreInventory, StoreError> {
    const inventory: StoreInventory = { stable: [], pinned: [], tempFiles: [], anomalies: [] };
    const top = this.checkDir(NODE_PROFILE_ROOT);
    if (!top.ok) return top;
    if (!top.value) return ok(inventory);

    let namespaces: string[];
    try {
      namespaces = this.fs.readdirSync(this.abs(NODE_PROFILE_ROOT));
    } catch (error) {
      return err(systemError(error, NODE_PROFILE_ROOT, "list"));
    }
    for (const entry of namespaces) {
      const path = `${NODE_PROFILE_ROOT}/${entry}`;
      const kind = this.entryKind(path, inventory);
      if (kind === "directory" && namespaceProblem(entry) === undefined) {
        this.scanNamespace(entry, inventory);
      } else {
        noteUnexpected(inventory, path, kind);
      }
    }
    inventory.stable.sort(byPath);
    inventory.pinned.sort(byPath);
    inventory.tempFiles.sort();
    inventory.anomalies.sort(byPath);
    return ok(inventory);
  }

  /** Removes the temporary files an interrupted write left behind; returns their paths. */
  removeTempFiles(): Result<{ removed: string[] }, StoreError> {
    const scanned = this.scan();
    if (!scanned.ok) return scanned;
    const removed: string[] = [];
    const touched = new Set<string>();
    for (const path of scanned.value.tempFiles) {
      const kind = this.kindOf(path);
      if (!kind.ok) return kind;
      if (kind.value !== "file") continue;
      try {
        this.fs.unlinkSync(this.abs(path));
      } catch (error) {
        if (errnoOf(error) === "ENOENT") continue;
        return err(systemError(error, path, "remove"));
      }
      removed.push(path);
      touched.add(parentOf(path));
    }
    for (const dir of touched) {
      const synced = this.syncDir(dir);
      if (!synced.ok) return synced;
    }
    return ok({ removed });
  }

  private abs(relativePath: string): string {
    return relativePath === "." ? this.root : join(this.root, relativePath);
  }

  private kindOf(path: string): Result<EntryKind, StoreError> {
    let stats: nodeFs.Stats;
    try {
      stats = this.fs.lstatSync(this.abs(path));
    } catch (error) {
      if (errnoOf(error) === "ENOENT") return ok("absent");
      return err(systemError(error, path, "inspect"));
    }
    if (stats.isSymbolicLink()) return ok("symlink");
    if (stats.isDirectory()) return ok("directory");
    if (stats.isFile()) return ok("file");
    return ok("other");
  }

  /** Whether the folder exists; an error if something else is there. */
  private checkDir(path: string): Result<boolean, StoreError> {
    const kind = this.kindOf(path);
    if (!kind.ok) return kind;
    switch (kind.value) {
      case "absent":
        return ok(false);
      case "directory":
        return ok(true);
      case "symlink":
        return err(storeError("symlink", path, "is a symlink where a folder is expected; it is left as it is"));
      default:
        return err(storeError("not-a-directory", path, "is not a folder; it is left as it is"));
    }
  }

  /** Whether the regular file exists; an error if something else is there. */
  private checkFile(path: string): Result<boolean, StoreError> {
    const kind = this.kindOf(path);
    if (!kind.ok) return kind;
    switch (kind.value) {
      case "absent":
        return ok(false);
      case "file":
        return ok(true);
      case "symlink":
        return err(storeError("symlink", path, "is a symlink where a file is expected; it is left as it is"));
      default:
        return err(storeError("not-a-file", path, "is not a regular file; it is left as it is"));
    }
  }

  /**
   * Checks folders from the top down and, in the last of `dirs` and in `subDir`, the files.
   * Stops at the first missing folder: below it nothing exists, and lstat on a deeper path would
   * follow whatever stands in the missing folder's place.
   */
  private checkTree(dirs: string[], files: string[], subDir: string, subFiles: string[]): Result<void, StoreError> {
    for (const dir of dirs) {
      const present = this.checkDir(dir);
      if (!present.ok) return present;
      if (!present.value) return ok(undefined);
    }
    for (const file of files) {
      const present = this.checkFile(file);
      if (!present.ok) return present;
    }
    const present = this.checkDir(subDir);
    if (!present.ok) return present;
    if (!present.value) return ok(undefined);
    for (const file of subFiles) {
      const filePresent = this.checkFile(file);
      if (!filePresent.ok) return filePresent;
    }
    return ok(undefined);
  }

  /**
   * Makes the folder if it is missing. Its parent goes into `changedDirs` either way, to be
   * synced when the install ends: another install may have made it a moment ago and be waiting
   * for that sync still (a sync with nothing to write costs next to nothing).
   */
  private ensureDir(path: string, changedDirs: Set<string>): Result<void, StoreError> {
    changedDirs.add(parentOf(path));
    const present = this.checkDir(path);
    if (!present.ok) return present;
    if (present.value) return ok(undefined);
    try {
      this.fs.mkdirSync(this.abs(path), DIR_MODE);
    } catch (error) {
      if (errnoOf(error) !== "EEXIST") return err(systemError(error, path, "create folder"));
      // Created meanwhile: accept it only if it is a real folder.
      const again = this.checkDir(path);
      return again.ok ? ok(undefined) : again;
    }
    return this.withDir(path, "set the mode of", (fd) => this.fs.fchmodSync(fd, DIR_MODE));
  }

  /** Opens a folder without following a symlink, so fchmod and fsync act on the folder itself. */
  private withDir(path: string, action: string, use: (fd: number) => void): Result<void, StoreError> {
    const opened = this.openDir(path);
    if (!opened.ok) return opened;
    try {
      use(opened.value);
    } catch (error) {
      closeQuietly(this.fs, opened.value);
      return err(systemError(error, path, action));
    }
    return this.closeDir(path, opened.value);
  }

  private openDir(path: string): Result<number, StoreError> {
    try {
      return ok(this.fs.openSync(this.abs(path), DIR_OPEN_FLAGS));
    } catch (error) {
      return err(systemError(error, path, "open folder"));
    }
  }

  private closeDir(path: string, fd: number): Result<void, StoreError> {
    try {
      this.fs.closeSync(fd);
    } catch (error) {
      return err(systemError(error, path, "close folder"));
    }
    return ok(undefined);
  }

  private syncDir(path: string): Result<void, StoreError> {
    return this.withDir(path, "fsync folder", (fd) => this.fs.fsyncSync(fd));
  }

  /** Reads a regular file without following a symlink. */
  private readFile(path: string): Result<{ bytes: Buffer; mtimeMs: number }, StoreError> {
    let fd: number;
    try {
      fd = this.fs.openSync(this.abs(path), READ_OPEN_FLAGS);
    } catch (error) {
      return err(systemError(error, path, "open"));
    }
    try {
      const stats = this.fs.fstatSync(fd);
      if (!stats.isFile()) {
        return err(storeError("not-a-file", path, "is not a regular file; it is left as it is"));
      }
      const chunks: Buffer[] = [];
      for (;;) {
        const chunk = Buffer.allocUnsafe(READ_CHUNK);
        const read = this.fs.readSync(fd, chunk, 0, chunk.length, null);
        if (read === 0) break;
        chunks.push(chunk.subarray(0, read));
      }
      return ok({ bytes: Buffer.concat(chunks), mtimeMs: stats.mtimeMs });
    } catch (error) {
      return err(systemError(error, path, "read"));
    } finally {
      closeQuietly(this.fs, fd);
    }
  }

  /** Writes `bytes` at `path` unless the current content is `good`; its folder goes into `changedDirs`. */
  private async installFile(
    path: string,
    bytes: Uint8Array,
    good: (current: Buffer) => boolean,
    changedDirs: Set<string>,
  ): Promise<Result<"kept" | "written" | "repaired", StoreError>> {
    const present = this.checkFile(path);
    if (!present.ok) return present;
    if (present.value) {
      const current = this.readFile(path);
      if (!current.ok) return current;
      if (good(current.value.bytes)) return ok("kept");
    }
    const written = await this.writeAtomically(path, bytes);
    if (!written.ok) return written;
    changedDirs.add(parentOf(path));
    return ok(present.value ? "repaired" : "written");
  }

  /** Temporary file, all bytes, fsync, rename over `path`; the caller syncs the folder. */
  private async writeAtomically(path: string, bytes: Uint8Array): Promise<Result<void, StoreError>> {
    const temp = this.tempPathFor(path);
    let fd: number | undefined;
    try {
      fd = this.fs.openSync(this.abs(temp), TEMP_OPEN_FLAGS, 0o600);
    } catch (error) {
      return err(systemError(error, temp, "create temporary file"));
    }
    let step = "set the mode of";
    try {
      this.fs.fchmodSync(fd, FILE_MODE);
      step = "write";
      for (let offset = 0; offset < bytes.length; ) {
        offset += this.fs.writeSync(fd, bytes, offset, bytes.length - offset);
      }
      step = "fsync";
      await fsyncOnThreads(this.fs, fd);
      step = "close";
      const closing = fd;
      fd = undefined;
      this.fs.closeSync(closing);
      return this.renameInto(temp, path);
    } catch (error) {
      if (fd !== undefined) closeQuietly(this.fs, fd);
      this.discard(temp);
      return err(systemError(error, path, step));
    }
  }

  /**
   * Makes `path` a link to `source` (whose content is `bytes`) unless it has that content: a
   * second link under a temporary name, renamed over `path`. Nothing is written or synced but
   * the folder, which goes into `changedDirs`.
   */
  private linkFile(path: string, source: string, bytes: Uint8Array, changedDirs: Set<string>): Result<"kept" | "linked", StoreError> {
    const present = this.checkFile(path);
    if (!present.ok) return present;
    if (present.value) {
      const current = this.readFile(path);
      if (!current.ok) return current;
      if (current.value.bytes.equals(bytes)) return ok("kept");
    }
    const temp = this.tempPathFor(path);
    try {
      this.fs.linkSync(this.abs(source), this.abs(temp));
    } catch (error) {
      return err(systemError(error, temp, "link temporary file"));
    }
    const renamed = this.renameInto(temp, path);
    if (!renamed.ok) return renamed;
    changedDirs.add(parentOf(path));
    return ok("linked");
  }

  /** A temporary name in the folder of `path`, found by `removeTempFiles` if left behind. */
  private tempPathFor(path: string): string {
    const dir = parentOf(path);
    const fileName = path.slice(dir.length + 1);
    const base = fileName.slice(0, fileName.lastIndexOf("."));
    return `${dir}/${tempFileName(base, randomBytes(8).toString("hex"))}`;
  }

  /** Renames the temporary file over `path` after a last look, so that what appeared meanwhile is refused rather than replaced. */
  private renameInto(temp: string, path: string): Result<void, StoreError> {
    const target = this.checkFile(path);
    if (!target.ok) {
      this.discard(temp);
      return target;
    }
    try {
      this.fs.renameSync(this.abs(temp), this.abs(path));
    } catch (error) {
      this.discard(temp);
      return err(systemError(error, path, "rename over"));
    }
    return ok(undefined);
  }

  /** fsync of a folder on libuv's threads, for installs. */
  private async syncDirAsync(path: string): Promise<Result<void, StoreError>> {
    const opened = this.openDir(path);
    if (!opened.ok) return opened;
    try {
      await fsyncOnThreads(this.fs, opened.value);
    } catch (error) {
      closeQuietly(this.fs, opened.value);
      return err(systemError(error, path, "fsync folder"));
    }
    return this.closeDir(path, opened.value);
  }

  /** Best effort: a temporary file that cannot be removed now is found by `removeTempFiles`. */
  private discard(temp: string): void {
    try {
      this.fs.unlinkSync(this.abs(temp));
    } catch {
      // Left for removeTempFiles.
    }
  }

  private removeFile(dirs: string[], path: string, prune: string[]): Result<RemoveOutcome, StoreError> {
    for (const dir of dirs) {
      const present = this.checkDir(dir);
      if (!present.ok) return present;
      if (!present.value) return ok({ removed: false });
    }
    const present = this.checkFile(path);
    if (!present.ok) return present;
    if (present.value) {
      try {
        this.fs.unlinkSync(this.abs(path));
      } catch (error) {
        if (errnoOf(error) !== "ENOENT") return err(systemError(error, path, "remove"));
      }
      const synced = this.syncDir(parentOf(path));
      if (!synced.ok) return synced;
    }
    for (const dir of prune) {
      const pruned = this.removeDirIfEmpty(dir);
      if (!pruned.ok) return pruned;
    }
    return ok({ removed: present.value });
  }

  /** rmdir never removes a non-empty folder, and the lstat first keeps it off symlinks. */
  private removeDirIfEmpty(path: string): Result<void, StoreError> {
    const kind = this.kindOf(path);
    if (!kind.ok) return kind;
    if (kind.value !== "directory") return ok(undefined);
    try {
      this.fs.rmdirSync(this.abs(path));
    } catch (error) {
      const errno = errnoOf(error);
      if (errno === "ENOTEMPTY" || errno === "EEXIST" || errno === "ENOENT") return ok(undefined);
      return err(systemError(error, path, "remove folder"));
    }
    return this.syncDir(parentOf(path));
  }

  private scanNamespace(namespace: string, inventory: StoreInventory): void {
    const dir = `${NODE_PROFILE_ROOT}/${namespace}`;
    for (const entry of this.list(dir, inventory)) {
      const path = `${dir}/${entry}`;
      const kind = this.entryKind(path, inventory);
      const name = stableFileProfile(entry);
      if (kind === "file" && isTempFileName(entry)) {
        inventory.tempFiles.push(path);
      } else if (kind === "file" && name !== undefined) {
        const content = this.readForScan(path, inventory);
        if (content) inventory.stable.push({ namespace, name, path, sha256: sha256(content.bytes), ...content.meta });
      } else if (kind === "directory" && nameProblem(entry) === undefined) {
        this.scanName(namespace, entry, inventory);
      } else {
        noteUnexpected(inventory, path, kind);
      }
    }
  }

  private scanName(namespace: string, name: string, inventory: StoreInventory): void {
    const dir = `${NODE_PROFILE_ROOT}/${namespace}/${name}`;
    for (const entry of this.list(dir, inventory)) {
      const path = `${dir}/${entry}`;
      const kind = this.entryKind(path, inventory);
      const hash = pinnedFileHash(entry);
      if (kind === "file" && isTempFileName(entry)) {
        inventory.tempFiles.push(path);
      } else if (kind === "file" && hash !== undefined) {
        const content = this.readForScan(path, inventory);
        if (content) {
          inventory.pinned.push({ namespace, name, hash, path, intact: sha256(content.bytes) === hash, ...content.meta });
        }
      } else {
        noteUnexpected(inventory, path, kind);
      }
    }
  }

  private list(dir: string, inventory: StoreInventory): string[] {
    try {
      return this.fs.readdirSync(this.abs(dir));
    } catch (error) {
      inventory.anomalies.push({ path: dir, kind: "unreadable", message: `cannot list: ${errnoOf(error) ?? String(error)}` });
      return [];
    }
  }

  /** The entry's kind; undefined (and an anomaly) when it cannot be inspected. */
  private entryKind(path: string, inventory: StoreInventory): EntryKind | undefined {
    const kind = this.kindOf(path);
    if (kind.ok) return kind.value;
    inventory.anomalies.push({ path, kind: "unreadable", message: kind.error.message });
    return undefined;
  }

  private readForScan(
    path: string,
    inventory: StoreInventory,
  ): { bytes: Buffer; meta: { size: number; mtimeMs: number } } | undefined {
    const read = this.readFile(path);
    if (!read.ok) {
      const kind = read.error.code === "symlink" ? "symlink" : "unreadable";
      inventory.anomalies.push({ path, kind, message: read.error.message });
      return undefined;
    }
    const { bytes, mtimeMs } = read.value;
    return { bytes, meta: { size: bytes.length, mtimeMs } };
  }
}

function checkNames(namespace: string, name: string, hash?: string): StoreError | undefined {
  const problem = namespaceProblem(namespace) ?? nameProblem(name) ?? (hash === undefined ? undefined : hashProblem(hash));
  if (problem === undefined) return undefined;
  // The offending value is quoted, never used as a path.
  const given = hash === undefined ? `${namespace}/${name}` : `${namespace}/${name}@${hash}`;
  return storeError("invalid-name", NODE_PROFILE_ROOT, `${problem}: ${JSON.stringify(given)}`);
}

function noteUnexpected(inventory: StoreInventory, path: string, kind: EntryKind | undefined): void {
  if (kind === undefined || kind === "absent") return;
  if (kind === "symlink") {
    inventory.anomalies.push({ path, kind: "symlink", message: "symlink, not followed" });
  } else {
    const what = kind === "directory" ? "folder" : kind === "file" ? "file" : "special file";
    inventory.anomalies.push({ path, kind: "unexpected", message: `${what} the store did not write` });
  }
}

/** Code-point order, the same on every machine whatever the locale. */
function byPath(a: { path: string }, b: { path: string }): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function storeError(code: StoreErrorCode, path: string, message: string): StoreError {
  return { code, path, message: `${path}: ${message}` };
}

function errnoOf(error: unknown): string | undefined {
  if (typeof error === "object" && error !== null && "code" in error && typeof error.code === "string") {
    return error.code;
  }
  return undefined;
}

/** Maps a failed system call to a StoreError; the message names the relative path only. */
function systemError(error: unknown, path: string, action: string): StoreError {
  const errno = errnoOf(error);
  const code: StoreErrorCode =
    errno === "ELOOP" ? "symlink" : errno === "ENOTDIR" ? "not-a-directory" : errno === "EISDIR" ? "not-a-file" : "io";
  const reason = errno ?? (error instanceof Error ? error.message : String(error));
  return { code, path, message: `${path}: cannot ${action}: ${reason}`, ...(errno ? { errno } : {}) };
}

/** fsync on libuv's threads, so that many installs share the file system's journal commits. */
function fsyncOnThreads(fs: FileSystem, fd: number): Promise<void> {
  return new Promise((resolve, reject) => fs.fsync(fd, (error) => (error ? reject(error) : resolve())));
}

function closeQuietly(fs: FileSystem, fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    // Nothing more to do with this descriptor.
  }
}
