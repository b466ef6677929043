#!/usr/bin/env bash
# Validates Kubernetes manifests against the Kubernetes API schema with no cluster: the
# npm package kubernetes-models carries the JSON schemas generated from the Kubernetes
# OpenAPI spec and validates objects against them (ajv). Installed once into
# .build/k8s-validate; needs node and npm. Usage: scripts/validate-k8s.sh FILE.yaml...
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DIR="$ROOT/.build/k8s-validate"
if [ ! -d "$DIR/node_modules/kubernetes-models" ]; then
  mkdir -p "$DIR"
  echo '{"private":true}' >"$DIR/package.json"
  (cd "$DIR" && npm install --silent --no-audit --no-fund kubernetes-models@5.1.0 js-yaml@4.1.0)
fi
cd "$DIR"
node --input-type=module - "$@" <<'JS'
import fs from "node:fs";
import yaml from "js-yaml";
let failed = false;
for (const file of process.argv.slice(2)) {
  const docs = yaml.loadAll(fs.readFileSync(file, "utf8")).filter(Boolean);
  for (const doc of docs) {
    const where = `${file}: ${doc.kind}/${doc.metadata && doc.metadata.name}`;
    let Model;
    try {
      Model = (await import(`kubernetes-models/${doc.apiVersion}/${doc.kind}`))[doc.kind];
    } catch (e) {
      console.error(`${where}: no schema for ${doc.apiVersion} ${doc.kind}`);
      failed = true;
      continue;
    }
    try {
      new Model(doc).validate();
      console.log(`${where}: valid`);
    } catch (e) {
      console.error(`${where}: ${e.message}`);
      failed = true;
    }
  }
}
process.exit(failed ? 1 : 0);
JS
