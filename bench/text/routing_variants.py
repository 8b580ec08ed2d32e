#!/usr/bin/env python3
"""Stronger scikit-learn pipelines for routing than baseline.py's (docs/benchmarks-text.md).

Same Blue House split as baseline.py (train = begin month Jan-Jul 2020, test = Aug-Sep). Word
unigrams+bigrams and within-word character 1-3-grams as two TF-IDF blocks (each L2-normalised),
with and without balanced class weights; linear SVM and logistic regression; complement naive
Bayes on words. Prints one line per variant: name, macro-F1, accuracy.

Usage: python3 bench/text/routing_variants.py [--data ../shared/data]
"""
import argparse
import json
import os

import numpy as np
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.naive_bayes import ComplementNB
from sklearn.svm import LinearSVC


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.path.join("..", "shared", "data"))
    args = ap.parse_args()
    rows = []
    with open(f"{args.data}/petitions/bluehouse/petitions_2020_korkeep.jsonl", encoding="utf-8") as f:
        for line in f:
            if line.strip():
                d = json.loads(line)
                rows.append((d["title"] + "\n" + d["content"], d["category"], int(d["begin"][5:7])))
    xt = [t for t, _, m in rows if m <= 7]
    yt = [c for _, c, m in rows if m <= 7]
    xe = [t for t, _, m in rows if m >= 8]
    ye = [c for _, c, m in rows if m >= 8]
    words = TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True, min_df=2,
                            token_pattern=r"(?u)\b\w+\b")
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True, min_df=2,
                            max_features=1_000_000)
    w_tr, w_te = words.fit_transform(xt), None
    w_te = words.transform(xe)
    c_tr, c_te = chars.fit_transform(xt), chars.transform(xe)
    both_tr, both_te = hstack([w_tr, c_tr]).tocsr(), hstack([w_te, c_te]).tocsr()

    def report(name, pred):
        acc = float(np.mean([a == b for a, b in zip(ye, pred)]))
        print(f"{name}\t{f1_score(ye, pred, average='macro'):.4f}\t{acc:.4f}", flush=True)

    report("cnb words alpha=0.1", ComplementNB(alpha=0.1).fit(w_tr, yt).predict(w_te))
    for c in (0.1, 0.3, 1.0):
        report(f"svm words+chars balanced C={c}",
               LinearSVC(C=c, class_weight="balanced").fit(both_tr, yt).predict(both_te))
    report("svm words+chars unbalanced C=0.3", LinearSVC(C=0.3).fit(both_tr, yt).predict(both_te))
    report("svm words balanced C=0.3",
           LinearSVC(C=0.3, class_weight="balanced").fit(w_tr, yt).predict(w_te))
    report("logreg words+chars balanced C=10",
           LogisticRegression(C=10.0, class_weight="balanced", max_iter=300)
           .fit(both_tr, yt).predict(both_te))


if __name__ == "__main__":
    main()
