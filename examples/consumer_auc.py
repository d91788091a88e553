"""A consumer team's classifier keeps working while the embedding team ships new versions.

Usage: consumer_auc.py RUN REGISTRY LABELS
  RUN       a run directory of a backward compatible strategy (bcemb train --strategy bc-aligner ...)
  REGISTRY  a folder for a new registry
  LABELS    "item_id<TAB>0|1" lines, e.g. MovieLens genre flags (see README, Python)

The classifier is trained once on version 0's item embeddings. Every later
version is published, and the classifier scores the items it did not train on
from version-0-compatible embeddings (through the backward transforms) and,
for contrast, from the new model's own embeddings cut to version 0's width.
"""

import sys

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

import bcemb

run, registry, labels_path = sys.argv[1:4]
labels = dict(line.split("\t") for line in open(labels_path).read().splitlines() if "\t" in line)
reg = bcemb.Registry.create(registry)
reg.publish_run(run, 0)
ids, x0 = reg.embeddings("items", version=0)
known = [i for i, item in enumerate(ids) if item in labels]
train = known[::2]  # every other labelled item; the rest is for scoring
scored = set(ids[i] for i in known[1::2])
clf = LogisticRegression(max_iter=2000).fit(x0[train], [int(labels[ids[i]]) for i in train])
for k in range(bcemb.Run(run).versions):
    if k > 0:
        reg.publish_run(run, k)
    for name, version in (("compatible", 0), ("own, cut", k)):
        ids_k, x = reg.embeddings("items", version=version)
        rows = [i for i, item in enumerate(ids_k) if item in scored]
        y = [int(labels[ids_k[i]]) for i in rows]
        auc = roc_auc_score(y, clf.predict_proba(x[rows][:, : x0.shape[1]])[:, 1])
        print(f"version {k}  {name:10s}  ROC-AUC {auc:.3f}")
