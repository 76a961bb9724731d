import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import * as nodeFs from "node:fs";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { pinnedLocalhostPath, stableLocalhostPath } from "../../src/api/node-paths.js";
import {
  ProfileFileStore,
  type FileSystem,
  type StoreError,
  type StoreErrorCode,
} from "../../src/agent/file-store.js";
import type { Result } from "../../src/profile/result.js";

const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const STORE_MODULE = new URL("../../src/agent/file-store.ts", import.meta.url).href;

const NS = "team-a";
const NAME = "web.v1";

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function profile(tag: string, padding = 0): Buffer {
  return Buffer.from(`${JSON.stringify({ defaultAction: "SCMP_ACT_ERRNO", tag, padding: "x".repeat(padding) })}\n`);
}

const A = profile("a");
const B = profile("b");
const HA = sha256(A);
const HB = sha256(B);

function unwrap<T>(result: Result<T, StoreError>): T {
  if (!result.ok) assert.fail(`unexpected error: ${JSON.stringify(result.error)}`);
  return result.value;
}

function expectError(result: Result<unknown, StoreError>, code: StoreErrorCode, path?: string): StoreError {
  if (result.ok) assert.fail(`expected ${code}, got ${JSON.stringify(result.value)}`);
  assert.equal(result.error.code, code, result.error.message);
  if (path !== undefined) assert.equal(result.error.path, path);
  assert.ok(!result.error.message.includes(tmpdir()), "messages name relative paths only");
  return result.error;
}

/** Everything below `dir`, without following symlinks: kind, mode and content hash. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string): void => {
    for (const entry of readdirSync(join(dir, rel)).sort()) {
      const path = rel === "" ? entry : `${rel}/${entry}`;
      const full = join(dir, path);
      const stats = lstatSync(full);
      const mode = (stats.mode & 0o7777).toString(8);
      if (stats.isSymbolicLink()) {
        out[path] = `link:${readlinkSync(full)}`;
      } else if (stats.isDirectory()) {
        out[path] = `dir:${mode}`;
        walk(path);
      } else {
        out[path] = `file:${mode}:${sha256(readFileSync(full))}`;
      }
    }
  };
  walk("");
  return out;
}

function modeOf(path: string): number {
  return statSync(path).mode & 0o7777;
}

function errnoError(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`injected ${code}`), { code });
}

/** Runs an ES module snippet in a separate Node process that can import the TypeScript sources. */
interface ChildRun {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function runNode(code: string): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], {
      cwd: REPO_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (status, signal) => resolve({ status, signal, stdout, stderr }));
  });
}

describe("agent file store", () => {
  let base: string;
  let seccomp: string;
  let outside: string;
  let previousUmask: number;

  const at = (rel: string): string => join(seccomp, rel);
  const open = (fs?: FileSystem): ProfileFileStore => unwrap(ProfileFileStore.open(seccomp, fs ? { fs } : {}));
  const tempFilesIn = (dir: string): string[] =>
    existsSync(dir) ? readdirSync(dir).filter((entry) => entry.endsWith(".tmp")) : [];

  beforeEach(() => {
    // The store must set modes itself, whatever the umask of the agent.
    previousUmask = process.umask(0o077);
    base = realpathSync(mkdtempSync(join(tmpdir(), "file-store-")));
    mkdirSync(join(base, "data", "kubelet", "seccomp"), { recursive: true });
    // The kubelet root reached through a symlink, as an admin may set it up.
    symlinkSync(join(base, "data", "kubelet"), join(base, "kubelet"));
    seccomp = join(base, "kubelet", "seccomp");
    outside = join(base, "outside");
    mkdirSync(join(outside, "sub"), { recursive: true });
    writeFileSync(join(outside, "secret.json"), "outside file\n");
    writeFileSync(join(outside, "sub", "keep.json"), "outside too\n");
  });

  afterEach(() => {
    process.umask(previousUmask);
    rmSync(base, { recursive: true, force: true });
  });

  describe("open", () => {
    it("resolves the seccomp root through symlinks once", () => {
      const store = open();
      assert.equal(store.root, join(base, "data", "kubelet", "seccomp"));
    });

    it("refuses a missing root unless asked to create it, and a root that is a file", () => {
      const missing = join(base, "data", "kubelet", "other");
      expectError(ProfileFileStore.open(missing), "io", ".");
      const created = unwrap(ProfileFileStore.open(missing, { createRoot: true }));
      assert.equal(created.root, missing);
      assert.equal(modeOf(missing), 0o755);
      writeFileSync(join(base, "file"), "x");
      expectError(ProfileFileStore.open(join(base, "file")), "not-a-directory", ".");
    });
  });

  describe("install", () => {
    it("writes both files with the exact bytes, modes 0644 and 0755, despite the umask", async () => {
      const store = open();
      const outcome = unwrap(await store.install(NS, NAME, HA, A));
      assert.deepEqual(outcome, { changed: true, stable: "written", pinned: "written" });

      assert.deepEqual(readFileSync(at(stableLocalhostPath(NS, NAME))), A);
      assert.deepEqual(readFileSync(at(pinnedLocalhostPath(NS, NAME, HA))), A);
      for (const dir of ["operator", `operator/${NS}`, `operator/${NS}/${NAME}`]) {
        assert.equal(modeOf(at(dir)), 0o755, dir);
      }
      assert.equal(modeOf(at(stableLocalhostPath(NS, NAME))), 0o644);
      assert.equal(modeOf(at(pinnedLocalhostPath(NS, NAME, HA))), 0o644);
      assert.deepEqual(tempFilesIn(at(`operator/${NS}`)), []);
      assert.deepEqual(tempFilesIn(at(`operator/${NS}/${NAME}`)), []);
    });

    it("reports no change when nothing changed", async () => {
      const store = open();
      unwrap(await store.install(NS, NAME, HA, A));
      const before = snapshot(seccomp);
      const mtime = statSync(at(stableLocalhostPath(NS, NAME))).mtimeMs;
      assert.deepEqual(unwrap(await store.install(NS, NAME, HA, A)), { changed: false, stable: "unchanged", pinned: "unchanged" });
      assert.deepEqual(snapshot(seccomp), before);
      assert.equal(statSync(at(stableLocalhostPath(NS, NAME))).mtimeMs, mtime);
    });

    it("rewrites the stable file on change and keeps older pinned files", async () => {
      const store = open();
      unwrap(await store.install(NS, NAME, HA, A));
      assert.deepEqual(unwrap(await store.install(NS, NAME, HB, B)), { changed: true, stable: "written", pinned: "written" });
      assert.deepEqual(readFileSync(at(stableLocalhostPath(NS, NAME))), B);
      assert.deepEqual(readFileSync(at(pinnedLocalhostPath(NS, NAME, HA))), A);
      assert.deepEqual(readFileSync(at(pinnedLocalhostPath(NS, NAME, HB))), B);
      // Rolling back: the old pinned file is still good, only the stable file changes.
      assert.deepEqual(unwrap(await store.install(NS, NAME, HA, A)), { changed: true, stable: "written", pinned: "unchanged" });
      assert.deepEqual(readFileSync(at(stableLocalhostPath(NS, NAME))), A);
    });

    it("rewrites a pinned file whose content does not match its hash", async () => {
      const store = open();
      unwrap(await store.install(NS, NAME, HA, A));
      writeFileSync(at(pinnedLocalhostPath(NS, NAME, HA)), "{ truncated");
      // The stable file is a link to the same file, so it is repaired too.
      assert.deepEqual(unwrap(await store.install(NS, NAME, HA, A)), { changed: true, stable: "written", pinned: "repaired" });
      assert.deepEqual(readFileSync(at(pinnedLocalhostPath(NS, NAME, HA))), A);
      assert.deepEqual(readFileSync(at(stableLocalhostPath(NS, NAME))), A);
      assert.equal(modeOf(at(pinnedLocalhostPath(NS, NAME, HA))), 0o644);
    });

    it("refuses bytes whose sha256 is not the hash, writing nothing", async () => {
      const store = open();
      expectError(await store.install(NS, NAME, HB, A), "hash-mismatch", pinnedLocalhostPath(NS, NAME, HB));
      assert.deepEqual(snapshot(seccomp), {});
    });

    it("refuses invalid names, writing nothing", async () => {
      const store = open();
      const badNamespaces = ["", "../x", "a/b", "Upper", "x".repeat(64), ".", "..", "a.b", "-a", "a-", "a b", "a\0b"];
      const badNames = ["", "../x", "a/b", "Upper", "a".repeat(251), ".", "..", ".hidden", "a..b", "a\0b", "a/../b"];
      const badHashes = ["", HA.toUpperCase(), HA.slice(1), `${HA}0`, "../../../../etc/passwd", `${HA.slice(2)}/.`];
      for (const namespace of badNamespaces) {
        expectError(await store.install(namespace, NAME, HA, A), "invalid-name");
        expectError(store.removeStable(namespace, NAME), "invalid-name");
        expectError(store.removePinned(namespace, NAME, HA), "invalid-name");
      }
      for (const name of badNames) {
        expectError(await store.install(NS, name, HA, A), "invalid-name");
        expectError(store.removeStable(NS, name), "invalid-name");
        expectError(store.removePinned(NS, name, HA), "invalid-name");
      }
      for (const hash of badHashes) {
        expectError(await store.install(NS, NAME, hash, A), "invalid-name");
        expectError(store.removePinned(NS, NAME, hash), "invalid-name");
      }
      assert.deepEqual(snapshot(seccomp), {});
    });

    it("refuses a name whose folder would be another profile's stable file, and the reverse", async () => {
      // `foo`'s stable file is `foo.json`, which is also where `foo.json`'s folder would go.
      const store = open();
      unwrap(await store.install(NS, "foo", HA, A));
      expectError(await store.install(NS, "foo.json", HB, B), "not-a-directory", `operator/${NS}/foo.json`);
      assert.deepEqual(readFileSync(at(stableLocalhostPath(NS, "foo"))), A);

      unwrap(await store.install(NS, "bar.json", HA, A));
      expectError(await store.install(NS, "bar", HB, B), "not-a-file", `operator/${NS}/bar.json`);
      assert.deepEqual(readFileSync(at(pinnedLocalhostPath(NS, "bar.json", HA))), A);
    });

    it("does not hold one install up while another waits for its fsync", async () => {
      // The file system commits the fsyncs of installs that wait at once together: one after
      // the other, 10,000 profiles took minutes.
      let releaseFirst: (() => void) | undefined;
      const held: FileSystem = {
        ...nodeFs,
        fsync: (fd, callback) => {
          if (releaseFirst === undefined && nodeFs.fstatSync(fd).isFile()) releaseFirst = () => nodeFs.fsync(fd, callback);
          else nodeFs.fsync(fd, callback);
        },
      };
      const store = open(held);
      const first = store.install(NS, "first", HA, A);
      assert.deepEqual(unwrap(await store.install(NS, "second", HB, B)), { changed: true, stable: "written", pinned: "written" });
      assert.equal(existsSync(at(stableLocalhostPath(NS, "first"))), false, "the first is still waiting");
      releaseFirst!();
      assert.equal(unwrap(await first).changed, true);
      assert.deepEqual(readFileSync(at(stableLocalhostPath(NS, "first"))), A);
    });

    it("installs many profiles of one namespace at once, each complete", async () => {
      const store = open();
      const contents = Array.from({ length: 40 }, (_, i) => profile(`p${i}`));
      const results = await Promise.all(contents.map((bytes, i) => store.install(NS, `p${i}`, sha256(bytes), bytes)));
      for (const [i, result] of results.entries()) {
        assert.equal(unwrap(result).changed, true);
        assert.deepEqual(readFileSync(at(stableLocalhostPath(NS, `p${i}`))), contents[i]);
        assert.deepEqual(readFileSync(at(pinnedLocalhostPath(NS, `p${i}`, sha256(contents[i]!)))), contents[i]);
      }
      assert.deepEqual(unwrap(store.scan()).tempFiles, []);
    });

    it("accepts the longest names", async () => {
      const store = open();
      const namespace = "n".repeat(63);
      const name = `${"a".repeat(124)}.${"b".repeat(125)}`;
      assert.equal(name.length, 250);
      assert.equal(unwrap(await store.install(namespace, name, HA, A)).changed, true);
      assert.deepEqual(readFileSync(at(stableLocalhostPath(namespace, name))), A);
      assert.deepEqual(readFileSync(at(pinnedLocalhostPath(namespace, name, HA))), A);
    });

    describe("planted symlinks are refused and nothing outside changes", () => {
      const cases: { what: string; plant: () => void; path: string; installFirst?: boolean }[] = [
        { what: "operator -> outside folder", plant: () => symlinkSync(outside, at("operator")), path: "operator" },
        {
          what: "operator/<ns> -> outside folder",
          plant: () => {
            mkdirSync(at("operator"));
            symlinkSync(outside, at(`operator/${NS}`));
          },
          path: `operator/${NS}`,
        },
        {
          what: "operator/<ns>/<name> -> outside folder",
          plant: () => {
            mkdirSync(at(`operator/${NS}`), { recursive: true });
            symlinkSync(outside, at(`operator/${NS}/${NAME}`));
          },
          path: `operator/${NS}/${NAME}`,
        },
        {
          what: "stable file -> outside file",
          plant: () => {
            mkdirSync(at(`operator/${NS}`), { recursive: true });
            symlinkSync(join(outside, "secret.json"), at(stableLocalhostPath(NS, NAME)));
          },
          path: stableLocalhostPath(NS, NAME),
        },
        {
          what: "stable file -> missing outside file",
          plant: () => {
            mkdirSync(at(`operator/${NS}`), { recursive: true });
            symlinkSync(join(outside, "new.json"), at(stableLocalhostPath(NS, NAME)));
          },
          path: stableLocalhostPath(NS, NAME),
        },
        {
          what: "pinned file -> outside file",
          plant: () => {
            mkdirSync(at(`operator/${NS}/${NAME}`), { recursive: true });
            symlinkSync(join(outside, "secret.json"), at(pinnedLocalhostPath(NS, NAME, HA)));
          },
          path: pinnedLocalhostPath(NS, NAME, HA),
        },
        {
          what: "pinned file -> missing outside file",
          plant: () => {
            mkdirSync(at(`operator/${NS}/${NAME}`), { recursive: true });
            symlinkSync(join(outside, "new.json"), at(pinnedLocalhostPath(NS, NAME, HA)));
          },
          path: pinnedLocalhostPath(NS, NAME, HA),
        },
        {
          what: "stable file -> outside file, over an installed profile",
          installFirst: true,
          plant: () => {
            rmSync(at(stableLocalhostPath(NS, NAME)));
            symlinkSync(join(outside, "secret.json"), at(stableLocalhostPath(NS, NAME)));
          },
          path: stableLocalhostPath(NS, NAME),
        },
      ];

      for (const { what, plant, path, installFirst } of cases) {
        it(what, async () => {
          const store = open();
          if (installFirst) unwrap(await store.install(NS, NAME, HB, B));
          plant();
          const outsideBefore = snapshot(outside);
          const insideBefore = snapshot(seccomp);

          expectError(await store.install(NS, NAME, HA, A), "symlink", path);
          if (!path.endsWith(`${HA}.json`)) expectError(await store.install(NS, NAME, HB, B), "symlink", path);

          assert.deepEqual(snapshot(outside), outsideBefore);
          assert.deepEqual(snapshot(seccomp), insideBefore, "refused before writing anything");
        });
      }
    });

    it("refuses a file where a folder should be, and a folder where a file should be", async () => {
      const store = open();
      writeFileSync(at("operator"), "planted");
      expectError(await store.install(NS, NAME, HA, A), "not-a-directory", "operator");
      rmSync(at("operator"));

      mkdirSync(at("operator"));
      writeFileSync(at(`operator/${NS}`), "planted");
      expectError(await store.install(NS, NAME, HA, A), "not-a-directory", `operator/${NS}`);
      rmSync(at(`operator/${NS}`));

      mkdirSync(at(`operator/${NS}`));
      writeFileSync(at(`operator/${NS}/${NAME}`), "planted");
      expectError(await store.install(NS, NAME, HA, A), "not-a-directory", `operator/${NS}/${NAME}`);
      rmSync(at(`operator/${NS}/${NAME}`));

      mkdirSync(at(stableLocalhostPath(NS, NAME)));
      writeFileSync(at(`${stableLocalhostPath(NS, NAME)}/inside`), "planted");
      const before = snapshot(seccomp);
      expectError(await store.install(NS, NAME, HA, A), "not-a-file", stableLocalhostPath(NS, NAME));
      assert.deepEqual(snapshot(seccomp), before);
    });
  });

  describe("failed writes keep the previous file and leave no temporary file", () => {
    const nsDir = (): string => at(`operator/${NS}`);
    const nameDir = (): string => at(`operator/${NS}/${NAME}`);

    it("the disk fills up mid-write", async () => {
      unwrap(await open().install(NS, NAME, HA, A));
      let calls = 0;
      const full: FileSystem = {
        ...nodeFs,
        writeSync: (fd, buffer, offset, length) => {
          calls += 1;
          if (calls === 1) return nodeFs.writeSync(fd, buffer, offset, Math.ceil(length / 2));
          throw errnoError("ENOSPC");
        },
      };
      const error = expectError(await open(full).install(NS, NAME, HB, B), "io", pinnedLocalhostPath(NS, NAME, HB));
      assert.equal(error.errno, "ENOSPC");
      assert.equal(calls, 2);
      assert.deepEqual(readFileSync(at(stableLocalhostPath(NS, NAME))), A);
      assert.equal(existsSync(at(pinnedLocalhostPath(NS, NAME, HB))), false);
      assert.deepEqual(tempFilesIn(nameDir()), []);
    });

    it("fsync fails", async () => {
      unwrap(await open().install(NS, NAME, HA, A));
      const failing: FileSystem = {
        ...nodeFs,
        fsync: (fd, callback) => {
          // Fail the file's fsync (not a folder's): the new pinned file's.
          if (nodeFs.fstatSync(fd).isFile()) callback(errnoError("EIO"));
          else nodeFs.fsync(fd, callback);
        },
      };
      const error = expectError(await open(failing).install(NS, NAME, HB, B), "io", pinnedLocalhostPath(NS, NAME, HB));
      assert.equal(error.errno, "EIO");
      assert.deepEqual(readFileSync(at(stableLocalhostPath(NS, NAME))), A);
      assert.equal(existsSync(at(pinnedLocalhostPath(NS, NAME, HB))), false);
      assert.deepEqual(tempFilesIn(nameDir()), []);
    });

    it("a folder's fsync fails: the install fails, though its files are in place", async () => {
      const failing: FileSystem = {
        ...nodeFs,
        fsync: (fd, callback) => (nodeFs.fstatSync(fd).isDirectory() ? callback(errnoError("EIO")) : nodeFs.fsync(fd, callback)),
      };
      const error = expectError(await open(failing).install(NS, NAME, HA, A), "io");
      assert.equal(error.errno, "EIO");
      assert.deepEqual(tempFilesIn(nameDir()), []);
      assert.deepEqual(tempFilesIn(nsDir()), []);
      // Retried, it reports the files it finds good as unchanged.
      assert.deepEqual(unwrap(await open().install(NS, NAME, HA, A)), { changed: false, stable: "unchanged", pinned: "unchanged" });
    });

    it("the rename fails because a non-empty folder took the target's place", async () => {
      unwrap(await open().install(NS, NAME, HA, A));
      const planted = at(pinnedLocalhostPath(NS, NAME, HB));
      const racing: FileSystem = {
        ...nodeFs,
        renameSync: (from, to) => {
          if (realpathSync(join(to, "..")) === realpathSync(join(planted, "..")) && to.endsWith(`${HB}.json`)) {
            mkdirSync(planted);
            writeFileSync(join(planted, "inside"), "planted");
          }
          nodeFs.renameSync(from, to);
        },
      };
      const error = expectError(await open(racing).install(NS, NAME, HB, B), "not-a-file", pinnedLocalhostPath(NS, NAME, HB));
      assert.equal(error.errno, "EISDIR");
      assert.deepEqual(readFileSync(at(stableLocalhostPath(NS, NAME))), A);
      assert.deepEqual(readFileSync(join(planted, "inside"), "utf8"), "planted");
      assert.deepEqual(tempFilesIn(nameDir()), []);
      assert.deepEqual(tempFilesIn(nsDir()), []);
    });

    it("a symlink appears at the target just before the rename", async () => {
      unwrap(await open().install(NS, NAME, HA, A));
      const target = at(stableLocalhostPath(NS, NAME));
      const outsideBefore = snapshot(outside);
      let links = 0;
      const racing: FileSystem = {
        ...nodeFs,
        linkSync: (existing, made) => {
          nodeFs.linkSync(existing, made);
          // The stable file's temporary link is made after all checks.
          links++;
          rmSync(target);
          symlinkSync(join(outside, "secret.json"), target);
        },
      };
      expectError(await open(racing).install(NS, NAME, HB, B), "symlink", stableLocalhostPath(NS, NAME));
      assert.equal(links, 1);
      assert.equal(readlinkSync(target), join(outside, "secret.json"));
      assert.deepEqual(readFileSync(at(pinnedLocalhostPath(NS, NAME, HB))), B);
      assert.deepEqual(snapshot(outside), outsideBefore);
      assert.deepEqual(tempFilesIn(nsDir()), []);
    });

    it("the agent is killed mid-write: the old file stays, the temporary file is found and removed", async function () {
      this.timeout(30_000);
      unwrap(await open().install(NS, NAME, HA, A));
      const run = await runNode(`
        import * as fs from "node:fs";
        const { ProfileFileStore } = await import(${JSON.stringify(STORE_MODULE)});
        const crashing = { ...fs, fsync: () => process.kill(process.pid, "SIGKILL") };
        const opened = ProfileFileStore.open(${JSON.stringify(seccomp)}, { fs: crashing });
        if (!opened.ok) throw new Error(opened.error.message);
        const bytes = Buffer.from(${JSON.stringify(B.toString("base64"))}, "base64");
        await opened.value.install(${JSON.stringify(NS)}, ${JSON.stringify(NAME)}, ${JSON.stringify(HB)}, bytes);
        console.log("not killed");
      `);
      assert.equal(run.signal, "SIGKILL", run.stderr);
      assert.equal(run.stdout, "");

      const store = open();
      assert.deepEqual(readFileSync(at(stableLocalhostPath(NS, NAME))), A);
      assert.equal(existsSync(at(pinnedLocalhostPath(NS, NAME, HB))), false);
      const leftovers = unwrap(store.scan()).tempFiles;
      assert.equal(leftovers.length, 1);
      assert.match(leftovers[0] ?? "", new RegExp(`^operator/${NS}/${NAME}/\\.${HB}\\.[0-9a-f]{16}\\.tmp$`));

      assert.deepEqual(unwrap(store.removeTempFiles()).removed, leftovers);
      assert.deepEqual(unwrap(store.scan()).tempFiles, []);
      assert.deepEqual(tempFilesIn(nameDir()), []);
      assert.equal(unwrap(await store.install(NS, NAME, HB, B)).changed, true);
    });
  });

  it("a reader never sees partial content while another process installs thousands of times", async function () {
    this.timeout(180_000);
    const rounds = 2000;
    // Different sizes and contents, both larger than one read chunk of most readers.
    const x = profile("x", 96 * 1024);
    const y = profile("y", 40 * 1024);
    const store = open();
    unwrap(await store.install(NS, NAME, sha256(x), x));
    const stable = at(stableLocalhostPath(NS, NAME));

    // The contents go through files: one argument of a command line is limited to 128 KiB.
    writeFileSync(join(base, "x"), x);
    writeFileSync(join(base, "y"), y);
    const writer = runNode(`
      import { readFileSync } from "node:fs";
      const { ProfileFileStore } = await import(${JSON.stringify(STORE_MODULE)});
      const opened = ProfileFileStore.open(${JSON.stringify(seccomp)});
      if (!opened.ok) throw new Error(opened.error.message);
      const contents = [readFileSync(${JSON.stringify(join(base, "y"))}), readFileSync(${JSON.stringify(join(base, "x"))})];
      const hashes = [${JSON.stringify(sha256(y))}, ${JSON.stringify(sha256(x))}];
      for (let i = 0; i < ${rounds}; i++) {
        const result = await opened.value.install(${JSON.stringify(NS)}, ${JSON.stringify(NAME)}, hashes[i % 2], contents[i % 2]);
        if (!result.ok || !result.value.changed) throw new Error(JSON.stringify(result));
      }
      console.log("done");
    `);
    let finished = false;
    const done = writer.finally(() => {
      finished = true;
    });

    let reads = 0;
    let seenX = 0;
    let seenY = 0;
    while (!finished) {
      for (let i = 0; i < 50; i++) {
        const content = readFileSync(stable);
        reads += 1;
        if (content.equals(x)) seenX += 1;
        else if (content.equals(y)) seenY += 1;
        else assert.fail(`partial or foreign content after ${reads} reads: ${content.length} bytes`);
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    const result = await done;
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout.trim(), "done");
    assert.ok(seenX > 0 && seenY > 0, `saw x ${seenX} times and y ${seenY} times in ${reads} reads`);
    assert.deepEqual(readFileSync(stable), x);
    assert.deepEqual(tempFilesIn(at(`operator/${NS}`)), []);
  });

  describe("scan", () => {
    it("reports nothing when the store is empty", () => {
      assert.deepEqual(unwrap(open().scan()), { stable: [], pinned: [], tempFiles: [], anomalies: [] });
    });

    it("reports stable, pinned and temporary files and anomalies, following no symlink", async () => {
      const store = open();
      unwrap(await store.install(NS, NAME, HA, A));
      unwrap(await store.install(NS, NAME, HB, B));
      unwrap(await store.install("team-b", "db", HA, A));
      // A new file, not the one the stable file links to.
      rmSync(at(pinnedLocalhostPath("team-b", "db", HA)));
      writeFileSync(at(pinnedLocalhostPath("team-b", "db", HA)), "corrupted");
      writeFileSync(at(`operator/${NS}/.${NAME}.0123456789abcdef.tmp`), "half");
      writeFileSync(at(`operator/${NS}/${NAME}/.${HA}.fedcba9876543210.tmp`), "half");
      symlinkSync(outside, at("operator/linked"));
      symlinkSync(join(outside, "secret.json"), at(`operator/${NS}/evil.json`));
      symlinkSync(join(outside, "secret.json"), at(`operator/${NS}/${NAME}/${"0".repeat(64)}.json`));
      writeFileSync(at("operator/README"), "stray");
      mkdirSync(at("operator/Bad_Namespace"));
      writeFileSync(at(`operator/${NS}/notes.txt`), "stray");
      mkdirSync(at(`operator/${NS}/${NAME}/nested`));
      const outsideBefore = snapshot(outside);

      const inventory = unwrap(store.scan());
      const stat = (rel: string) => statSync(at(rel));
      const stable = (namespace: string, name: string, sha: string, size: number) => {
        const path = stableLocalhostPath(namespace, name);
        return { namespace, name, path, sha256: sha, size, mtimeMs: stat(path).mtimeMs };
      };
      assert.deepEqual(inventory.stable, [stable(NS, NAME, HB, B.length), stable("team-b", "db", HA, A.length)]);
      const pinned = (namespace: string, name: string, hash: string, size: number, intact: boolean) => {
        const path = pinnedLocalhostPath(namespace, name, hash);
        return { namespace, name, hash, path, size, mtimeMs: stat(path).mtimeMs, intact };
      };
      const expectedPinned = [pinned(NS, NAME, HA, A.length, true), pinned(NS, NAME, HB, B.length, true)].sort((p, q) =>
        (p.path < q.path ? -1 : 1),
      );
      assert.deepEqual(inventory.pinned, [...expectedPinned, pinned("team-b", "db", HA, "corrupted".length, false)]);
      assert.deepEqual(inventory.tempFiles, [
        `operator/${NS}/.${NAME}.0123456789abcdef.tmp`,
        `operator/${NS}/${NAME}/.${HA}.fedcba9876543210.tmp`,
      ]);
      assert.deepEqual(
        inventory.anomalies.map(({ path, kind }) => ({ path, kind })),
        [
          { path: "operator/Bad_Namespace", kind: "unexpected" },
          { path: "operator/README", kind: "unexpected" },
          { path: `operator/${NS}/evil.json`, kind: "symlink" },
          { path: `operator/${NS}/notes.txt`, kind: "unexpected" },
          { path: `operator/${NS}/${NAME}/${"0".repeat(64)}.json`, kind: "symlink" },
          { path: `operator/${NS}/${NAME}/nested`, kind: "unexpected" },
          { path: "operator/linked", kind: "symlink" },
        ].sort((p, q) => (p.path < q.path ? -1 : 1)),
      );
      assert.deepEqual(snapshot(outside), outsideBefore);
    });

    it("refuses to scan through a symlinked operator folder", () => {
      symlinkSync(outside, at("operator"));
      expectError(open().scan(), "symlink", "operator");
    });
  });

  it("removeTempFiles removes only temporary files", async () => {
    const store = open();
    unwrap(await store.install(NS, NAME, HA, A));
    const temp = `operator/${NS}/.${NAME}.0123456789abcdef.tmp`;
    writeFileSync(at(temp), "half");
    // A symlink named like a temporary file is reported, not removed.
    symlinkSync(join(outside, "secret.json"), at(`operator/${NS}/.${NAME}.fedcba9876543210.tmp`));
    assert.deepEqual(unwrap(store.removeTempFiles()).removed, [temp]);
    assert.equal(existsSync(at(temp)), false);
    assert.ok(lstatSync(at(`operator/${NS}/.${NAME}.fedcba9876543210.tmp`)).isSymbolicLink());
    assert.deepEqual(readFileSync(at(stableLocalhostPath(NS, NAME))), A);
    assert.deepEqual(unwrap(store.removeTempFiles()).removed, []);
  });

  describe("remove", () => {
    it("deletes files, then the folders that became empty", async () => {
      const store = open();
      unwrap(await store.install(NS, NAME, HA, A));
      unwrap(await store.install(NS, NAME, HB, B));
      unwrap(await store.install(NS, "other", HA, A));

      assert.deepEqual(unwrap(store.removePinned(NS, NAME, HA)), { removed: true });
      assert.equal(existsSync(at(pinnedLocalhostPath(NS, NAME, HA))), false);
      assert.ok(existsSync(at(`operator/${NS}/${NAME}`)), "still holds the pinned file of B");
      assert.deepEqual(unwrap(store.removePinned(NS, NAME, HA)), { removed: false });

      assert.deepEqual(unwrap(store.removePinned(NS, NAME, HB)), { removed: true });
      assert.equal(existsSync(at(`operator/${NS}/${NAME}`)), false);
      assert.deepEqual(unwrap(store.removeStable(NS, NAME)), { removed: true });
      assert.equal(existsSync(at(stableLocalhostPath(NS, NAME))), false);
      assert.ok(existsSync(at(`operator/${NS}`)), "still holds the other profile");

      assert.deepEqual(unwrap(store.removeStable(NS, "other")), { removed: true });
      assert.ok(existsSync(at(`operator/${NS}`)), "still holds the other profile's pinned file");
      assert.deepEqual(unwrap(store.removePinned(NS, "other", HA)), { removed: true });
      assert.equal(existsSync(at(`operator/${NS}`)), false);
      assert.ok(existsSync(at("operator")), "the agent's own folder stays");

      assert.deepEqual(unwrap(store.removeStable("gone", NAME)), { removed: false });
      assert.deepEqual(unwrap(store.removePinned("gone", NAME, HA)), { removed: false });
    });

    it("never removes a folder that holds something else", async () => {
      const store = open();
      unwrap(await store.install(NS, NAME, HA, A));
      writeFileSync(at(`operator/${NS}/${NAME}/stray`), "x");
      unwrap(store.removePinned(NS, NAME, HA));
      unwrap(store.removeStable(NS, NAME));
      assert.equal(readFileSync(at(`operator/${NS}/${NAME}/stray`), "utf8"), "x");
    });

    it("refuses symlinks and changes nothing outside", async () => {
      const store = open();
      unwrap(await store.install(NS, NAME, HA, A));
      const outsideBefore = snapshot(outside);

      rmSync(at(stableLocalhostPath(NS, NAME)));
      symlinkSync(join(outside, "secret.json"), at(stableLocalhostPath(NS, NAME)));
      expectError(store.removeStable(NS, NAME), "symlink", stableLocalhostPath(NS, NAME));
      assert.ok(lstatSync(at(stableLocalhostPath(NS, NAME))).isSymbolicLink());

      rmSync(at(pinnedLocalhostPath(NS, NAME, HA)));
      symlinkSync(join(outside, "secret.json"), at(pinnedLocalhostPath(NS, NAME, HA)));
      expectError(store.removePinned(NS, NAME, HA), "symlink", pinnedLocalhostPath(NS, NAME, HA));

      rmSync(at(`operator/${NS}/${NAME}`), { recursive: true });
      symlinkSync(join(outside, "sub"), at(`operator/${NS}/${NAME}`));
      expectError(store.removePinned(NS, NAME, "0".repeat(64)), "symlink", `operator/${NS}/${NAME}`);

      rmSync(at(`operator/${NS}`), { recursive: true });
      symlinkSync(outside, at(`operator/${NS}`));
      expectError(store.removeStable(NS, "secret"), "symlink", `operator/${NS}`);
      expectError(store.removePinned(NS, NAME, HA), "symlink", `operator/${NS}`);

      assert.deepEqual(snapshot(outside), outsideBefore);
    });
  });
});
