#!/usr/bin/python3
"""ref_logreg.py IN.csv C OUT.txt -- independent reference for tests/test_classify.c.

IN.csv: one row per sample, `label,x0,x1,...` (no header). Fits scikit-learn's
LogisticRegression(C, multinomial, lbfgs, tight tolerance) on the raw columns and writes one line
per class: intercept then coefficients, intercepts centred to sum 0 (the softmax is invariant to
a common shift; Orchard's L-BFGS keeps that sum at 0 from its zero start).
"""
import sys
import warnings

import numpy as np
from sklearn.linear_model import LogisticRegression

data = np.loadtxt(sys.argv[1], delimiter=",", ndmin=2)
C = float(sys.argv[2])
y = data[:, 0].astype(int)
X = data[:, 1:]
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    m = LogisticRegression(C=C, multi_class="multinomial", solver="lbfgs", tol=1e-12,
                           max_iter=100000).fit(X, y)
b = m.intercept_ - m.intercept_.mean()
with open(sys.argv[3], "w") as f:
    for c in range(m.coef_.shape[0]):
        f.write(" ".join("%.12g" % v for v in [b[c]] + list(m.coef_[c])) + "\n")
