// Kubeconfig files for the test control plane: one per identity, each a
// complete file (CA and client certificate inline) that kubectl, the
// Kubernetes components and @kubernetes/client-node all read as they are.
import { writeFile } from "node:fs/promises";
import { KubeConfig } from "@kubernetes/client-node";
import { stringify } from "yaml";
import { base64File, type KeyPair } from "./certs.js";

export const CLUSTER_NAME = "seccomp-operator-test";

export interface KubeconfigOptions {
  file: string;
  server: string;
  caFile: string;
  user: string;
  credentials: KeyPair;
}

export async function writeKubeconfig(options: KubeconfigOptions): Promise<string> {
  const context = `${options.user}@${CLUSTER_NAME}`;
  const config = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name: CLUSTER_NAME,
        cluster: {
          server: options.server,
          "certificate-authority-data": await base64File(options.caFile),
        },
      },
    ],
    users: [
      {
        name: options.user,
        user: {
          "client-certificate-data": await base64File(options.credentials.certFile),
          "client-key-data": await base64File(options.credentials.keyFile),
        },
      },
    ],
    contexts: [{ name: context, context: { cluster: CLUSTER_NAME, user: options.user } }],
    "current-context": context,
    preferences: {},
  };
  await writeFile(options.file, stringify(config), { mode: 0o600 });
  return options.file;
}

export function loadKubeConfig(file: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(file);
  return kc;
}
