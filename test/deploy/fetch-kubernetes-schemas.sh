#!/usr/bin/env bash
# Vendors the Kubernetes JSON schemas that kubeconform validates the Helm chart against, offline:
# they come from the PyPI package kubernetes-validate (which ships them for Kubernetes
# 1.25-1.37), fetched with pip like any package, unpacked into .tools/ (not committed).
#   bash test/deploy/fetch-kubernetes-schemas.sh            # idempotent
# The package's schemas carry "$id": "https://kubernetes.io/api/..." and reference
# "/api/_definitions.json" against it; kubeconform would try to fetch that URL. The $id is
# dropped and the references rewritten to "_definitions.json" beside each file, so every $ref
# resolves on disk.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
version="${KUBERNETES_VALIDATE_VERSION:-1.37.0}"
k8s="${KUBERNETES_SCHEMA_VERSION:-v1.33.0}"
dest="$root/.tools/kubernetes-json-schema"
target="$dest/$k8s-standalone-strict"
if [ -f "$target/deployment-apps-v1.json" ] && ! grep -q '"\$id"' "$target/deployment-apps-v1.json"; then
  echo "kubernetes schemas already in $target"
  exit 0
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
python3 -m pip download --quiet --no-deps --dest "$tmp" "kubernetes-validate==$version"
python3 - "$tmp" "$k8s" "$target" <<'PY'
import glob, json, os, sys, zipfile
tmp, k8s, target = sys.argv[1:]
wheel = glob.glob(os.path.join(tmp, "kubernetes_validate-*.whl"))[0]
prefix = f"kubernetes_validate/kubernetes-json-schema/{k8s}-local-strict/"
os.makedirs(target, exist_ok=True)
count = 0
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        if not name.startswith(prefix) or not name.endswith(".json"):
            continue
        text = z.read(name).decode("utf-8").replace('"/api/_definitions.json#', '"_definitions.json#')
        schema = json.loads(text)
        if isinstance(schema, dict):
            schema.pop("$id", None)
        with open(os.path.join(target, name[len(prefix):]), "w", encoding="utf-8") as f:
            json.dump(schema, f)
        count += 1
if count == 0:
    sys.exit(f"no schemas for {k8s} in {wheel}")
print(f"wrote {count} schemas to {target}")
PY
