#!/usr/bin/env python3
"""Builds the fuzz harnesses' seed corpora into OUT/<harness>/ from what the repository already
holds (nothing large is committed): scripts/fuzz.sh runs it before every fuzzing run.

  yaml         examples/, the bad-input corpus, test fixtures, policies/, Fuzz/seeds/yaml
  json         response and request bodies of ../shared/k8s-transcripts/*.http, Fuzz/seeds/json
  watch-lines  the watch streams of the transcripts (084-090), JSON bodies as one-line events
  policy       {{ }} expressions of policies/, docs/policies.md, Tests/FindingsTests, Fuzz/seeds/policy
  kubeconfig   kubeconfig literals in Tests/ and Sources/ (interpolations replaced), Fuzz/seeds/kubeconfig
  signatures   Fuzz/seeds/signatures (SSH signatures, allowed_signers, OpenPGP keyrings, gpgv status lines)

usage: scripts/fuzz-seeds.py OUT [TRANSCRIPTS]
"""
import hashlib
import json
import os
import re
import sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
out = sys.argv[1]
transcripts = sys.argv[2] if len(sys.argv) > 2 else os.path.join(root, "..", "shared", "k8s-transcripts")
MAX = 256 * 1024  # seeds larger than this only slow libFuzzer down (max_len cuts them anyway)
counts = {}


def seed(harness, data):
    if isinstance(data, str):
        data = data.encode()
    if not data or len(data) > MAX:
        return
    folder = os.path.join(out, harness)
    os.makedirs(folder, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()
    path = os.path.join(folder, name)
    if not os.path.exists(path):
        with open(path, "wb") as f:
            f.write(data)
        counts[harness] = counts.get(harness, 0) + 1


def files(folder, suffixes):
    folder = os.path.join(root, folder)
    for dirpath, _, names in os.walk(folder):
        for name in sorted(names):
            if name.endswith(suffixes):
                yield os.path.join(dirpath, name)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def hand_written(harness):
    for path in files(os.path.join("Fuzz", "seeds", harness), ("",)):
        seed(harness, read(path))


# YAML: every YAML file the repository holds as input or example.
for folder in ("examples", "Tests/ReconcileCLITests/BadInput", "Tests/ReconcileCoreTests/Fixtures", "policies", "charts"):
    for path in files(folder, (".yaml", ".yml")):
        seed("yaml", read(path))
hand_written("yaml")

# Transcripts: bodies (after the blank line that ends the headers) of requests and responses.
if os.path.isdir(transcripts):
    for name in sorted(os.listdir(transcripts)):
        if not name.endswith(".http"):
            continue
        text = read(os.path.join(transcripts, name))
        for part in re.split(rb"^### response\n", text, flags=re.M):
            head, sep, body = part.partition(b"\n\n")
            body = body.strip(b"\n")
            if not sep or not body:
                continue
            if b"Transfer-Encoding: chunked" in head and b"watch" in text.split(b"\n", 2)[1]:
                seed("watch-lines", body + b"\n")
                for line in body.split(b"\n")[:20]:
                    seed("json", line)
                continue
            if body[:1] in (b"{", b"["):
                seed("json", body)
                try:
                    compact = json.dumps(json.loads(body), separators=(",", ":"), ensure_ascii=False).encode()
                    seed("json", compact)
                    seed("watch-lines", b'{"type":"ADDED","object":' + compact + b"}\r\n")
                except ValueError:
                    pass  # a body that is not JSON is still a seed as it is
else:
    print(f"fuzz-seeds: {transcripts} not found: json and watch-lines start from Fuzz/seeds only", file=sys.stderr)
hand_written("json")
hand_written("watch-lines")

# Policy expressions: the text inside {{ }} and the foreach list expressions.
for folder, suffixes in (("policies", (".yaml",)), ("docs", (".md",)), ("Tests/FindingsTests", (".swift",)), ("examples", (".yaml",))):
    for path in files(folder, suffixes):
        text = read(path).decode("utf-8", "replace")
        for expression in re.findall(r"\{\{(.*?)\}\}", text):
            seed("policy", expression.strip())
        for expression in re.findall(r"^\s*-?\s*list:\s*\"?([^\"\n]+)\"?\s*$", text, flags=re.M):
            seed("policy", expression.strip())
        for expression in re.findall(r"evaluate\(\"((?:[^\"\\]|\\.)*)\"", text):
            seed("policy", expression)
hand_written("policy")

# Kubeconfigs: Swift multi-line string literals that look like one, dedented as Swift does, with
# interpolations replaced by a base64 text (they are certificates and paths).
for folder in ("Tests", "Sources"):
    for path in files(folder, (".swift",)):
        text = read(path).decode("utf-8", "replace")
        for body, indent in re.findall(r'"""\n(.*?)\n([ \t]*)"""', text, flags=re.S):
            if "clusters:" not in body and "kind: Config" not in body:
                continue
            lines = [line[len(indent):] if line.startswith(indent) else line.lstrip() for line in body.split("\n")]
            literal = re.sub(r"\\\((?:[^()]|\([^()]*\))*\)", "dGVzdA==", "\n".join(lines))
            seed("kubeconfig", literal + "\n")
hand_written("kubeconfig")
hand_written("signatures")

for harness in ("yaml", "json", "watch-lines", "policy", "kubeconfig", "signatures"):
    os.makedirs(os.path.join(out, harness), exist_ok=True)
print("fuzz-seeds: " + ", ".join(f"{h} {counts.get(h, 0)}" for h in ("yaml", "json", "watch-lines", "policy", "kubeconfig", "signatures")), file=sys.stderr)
