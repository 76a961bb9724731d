// Reads a SeccompNodeStatus's digests for tests: which profiles of the cluster the node has at
// the hash their objects compile to, by rebuilding the digest from every profile in the cluster.
import { DIGEST_SALT_SECRET, readDigestSalt } from "../src/api/digest-salt.js";
import { InstallDigest } from "../src/api/install-digest.js";
import type { NodeReport } from "../src/api/node-status.js";
import { PROFILE_RESOURCE } from "../src/api/resources.js";
import type { SeccompProfile } from "../src/api/seccomp-profile.js";
import type { RestClient } from "../src/kube/rest-client.js";
import { compileObject } from "../src/profile/compile.js";

/** Per profile key, whether the node's bucket matches the cluster's objects, with the expected hash. */
export interface NodeView {
  /** The node has every profile of the key's bucket at its expected hash (and no other). */
  consistent(key: string): boolean;
  expected(key: string): string | undefined;
}

export async function nodeView(client: RestClient, report: NodeReport | undefined, catalogueNamespace = "seccomp-catalogue", operatorNamespace = "seccomp-operator-system"): Promise<NodeView> {
  const salt = await readDigestSalt(client, { namespace: operatorNamespace, name: DIGEST_SALT_SECRET });
  if (salt === undefined) throw new Error(`no digest salt Secret in ${operatorNamespace}`);
  const bucketOf = (key: string) => salt.bucketOf(key);
  const { items } = await client.listAll<SeccompProfile>(PROFILE_RESOURCE);
  const byKey = new Map(items.map((p) => [`${p.metadata.namespace}/${p.metadata.name}`, p]));
  const failed = new Set((report?.failures ?? []).map((f) => f.profile));
  const expected = new Map<string, string>();
  const digest = new InstallDigest();
  for (const [key, object] of byKey) {
    const compiled = compileObject(object, (ns, n) => byKey.get(`${ns}/${n}`), catalogueNamespace);
    if (!compiled.ok) continue;
    expected.set(key, compiled.value.rendered.hash);
    if (!failed.has(key)) digest.toggle(bucketOf(key), key, compiled.value.rendered.hash);
  }
  const reported = InstallDigest.decode(report?.installed?.digests);
  return {
    consistent: (key) => reported !== undefined && report?.installed?.saltId === salt.id && reported.bucket(bucketOf(key)).equals(digest.bucket(bucketOf(key))),
    expected: (key) => expected.get(key),
  };
}
