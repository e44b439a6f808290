"""Label noise: which rows are probably mislabeled, and roughly how many are.

Confident learning (Northcutt et al., 2021, as implemented by cleanlab's ``find_label_issues``): a model
is fitted in cross-validation, so every row gets a predicted probability from a model that never saw
it; rows whose given label the model finds very unlikely, beyond what each class's typical confidence
explains, are flagged. The flagged share estimates the noise rate; its interval (Wilson) covers the
sampling uncertainty of that share, not the detector's own mistakes, so read it as "about".

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> X = pd.DataFrame({"x": rng.normal(size=600)})
>>> y = (X["x"] > 0).astype(int).to_numpy()
>>> y[:15] = 1 - y[:15]  # 15 wrong labels
>>> noise = find_label_noise(X, y, cv=3)
>>> bool(len(set(noise.indices) & set(range(15))) >= 10)
True
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .spec import disguised_null_mask, numeric_values
from ..errors import InputDataError
from ..text.format import count, interval, percent
from ..stats.intervals import wilson_interval

__all__ = ["LabelNoise", "find_label_noise", "cached_label_noise", "model_matrix"]

MIN_ROWS = 50
WEAK_AUC = 0.8
WEAK_ACCURACY = 0.85
"""Below these cross-validated scores the detector's model cannot tell a wrong label from a row its features do not
explain, so the flagged share is read as an upper bound."""


@dataclass
class LabelNoise:
    """Rows flagged as probably mislabeled, most suspicious first, and the estimated noise rate."""

    indices: np.ndarray
    """Positions (0-based, in the data given) of flagged rows, most suspicious first."""
    n: int
    rate: float
    low: float
    high: float
    suspicious: pd.DataFrame
    """The most suspicious rows: id (if given), given label, model's probability of that label."""
    pred_probs: np.ndarray = field(repr=False)
    cv_auc: float | None = None
    method: str = "cleanlab.find_label_issues on cross-validated probabilities"
    cv_accuracy: float | None = None
    """Share of labels the detector's own model predicts right in cross-validation (how well the features explain them)."""

    @property
    def detector_is_weak(self) -> bool:
        """The features explain the labels too poorly for the flagged share to estimate wrong labels (an upper bound)."""
        if self.cv_auc is not None:
            return self.cv_auc < WEAK_AUC
        return self.cv_accuracy is not None and self.cv_accuracy < WEAK_ACCURACY

    @property
    def count(self) -> int:
        return len(self.indices)

    def sentence(self) -> str:
        text = (
            f"About {percent(self.rate, 2)} of {count(self.n)} labels look wrong (95% interval "
            f"{interval(self.low, self.high, lambda x: percent(x, 2))}; {count(self.count)} rows flagged for review)."
        )
        if self.detector_is_weak:
            how = (f"separates the two classes with ROC AUC {self.cv_auc:.2f}" if self.cv_auc is not None
                   else f"predicts {percent(self.cv_accuracy, 1)} of the labels right")
            text += (f" But the model that looks for them {how} from these features (cross-validated), so many flagged "
                     "rows may be ones the features cannot explain rather than wrong labels: read the share as an upper "
                     "bound and check a sample of the flagged rows by hand.")
        return text

    def to_record(self) -> dict[str, Any]:
        ids = self.suspicious["id"].astype(str).tolist()[:50] if "id" in self.suspicious else [int(i) for i in self.indices[:50]]
        return {
            "rows_checked": self.n, "flagged": self.count, "rate": round(self.rate, 5),
            "low": round(self.low, 5), "high": round(self.high, 5), "method": self.method,
            "cv_auc": None if self.cv_auc is None else round(self.cv_auc, 4), "most_suspicious": ids,
            "cv_accuracy": None if self.cv_accuracy is None else round(self.cv_accuracy, 4),
            "upper_bound": self.detector_is_weak,
        }

    def _repr_html_(self) -> str:
        from ..text.glossary import annotate_html
        from ..text.tables import frame_html

        return annotate_html(f"<p>{html.escape(self.sentence())}</p>" + frame_html(self.suspicious.head(20), digits=3))

    def __repr__(self) -> str:
        return f"LabelNoise({self.sentence()!r})"


def model_matrix(frame: pd.DataFrame) -> pd.DataFrame:
    """Features ready for a gradient-boosted model: numbers as floats (disguised nulls as NaN), text as categories."""
    X = pd.DataFrame(index=frame.index)
    for col in frame.columns:
        s = frame[col]
        if s.dtype.kind == "M":
            continue
        values = numeric_values(s)
        if values is not None:
            X[col] = values.astype("float64")
        else:
            clean = s.astype(object).where(~(s.isna().to_numpy() | disguised_null_mask(s)))
            top = clean.value_counts().index[:200]  # rare levels pooled: the model caps categories at 255
            X[col] = pd.Categorical(clean.where(clean.isin(top), "(other)").where(clean.notna()))
    if X.shape[1] == 0:
        raise InputDataError("No usable feature columns (numbers or categories) to fit a model on.")
    return X


def _cache_key(X, y, ids, cv, top, random_state) -> str:
    from ..io.result_cache import data_key

    return data_key("label_noise", X, pd.Series(np.asarray(y)), None if ids is None else pd.Series(np.asarray(ids)),
                    cv, top, random_state)


def cached_label_noise(X: pd.DataFrame, y: Any, *, ids: Any = None, cv: int = 5, top: int = 25,
                       random_state: int = 0) -> LabelNoise | None:
    """The stored result of :func:`find_label_noise` with these arguments (default model), or None."""
    from ..io.result_cache import lookup

    return lookup("label_noise", _cache_key(X, y, ids, cv, top, random_state))


def find_label_noise(
    X: pd.DataFrame,
    y: Any,
    *,
    ids: Any = None,
    cv: int = 5,
    top: int = 25,
    model: Any = None,
    random_state: int = 0,
    cache: bool = True,
) -> LabelNoise:
    """Flag probably mislabeled rows with confident learning (cleanlab) on cross-validated probabilities.

    Parameters
    ----------
    X : DataFrame
        Feature columns only (no label, id or score).
    y : array-like
        Labels (two or more classes; missing labels are not allowed: drop those rows first).
    ids : array-like, optional
        Row identifiers shown in the list of suspicious rows.
    cv : int
        Cross-validation folds for the out-of-fold probabilities.
    model : estimator, optional
        A scikit-learn classifier with ``predict_proba`` (default: a histogram gradient-boosted tree model).
    cache : bool
        With the default model, read the result back from (and store it in) :mod:`.result_cache`, keyed by the
        data and settings: the result is deterministic, and the second page load need not wait for it.

    Returns
    -------
    LabelNoise
    """
    if cache and model is None:
        from ..io.result_cache import cached

        return cached("label_noise", _cache_key(X, y, ids, cv, top, random_state),
                      lambda: find_label_noise(X, y, ids=ids, cv=cv, top=top, random_state=random_state, cache=False))
    from cleanlab.filter import find_label_issues
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    y_series = pd.Series(np.asarray(y))
    if y_series.isna().any():
        raise InputDataError(
            f"{int(y_series.isna().sum()):,} rows have no label; leave them out before looking for wrong labels."
        )
    if len(y_series) != len(X):
        raise InputDataError(f"The features have {len(X):,} rows but the labels {len(y_series):,}.")
    classes, codes = np.unique(y_series.to_numpy(), return_inverse=True)
    counts = np.bincount(codes)
    if len(classes) < 2:
        raise InputDataError("The labels hold a single class; there is nothing to compare.")
    if len(y_series) < MIN_ROWS or counts.min() < cv:
        raise InputDataError(
            f"Too few rows to look for wrong labels ({len(y_series)} rows, {counts.min()} in the rarest class); "
            f"need at least {MIN_ROWS} rows and {cv} of each class."
        )
    Xm = model_matrix(X.reset_index(drop=True))
    if model is None:
        model = HistGradientBoostingClassifier(
            max_iter=60, learning_rate=0.15, max_leaf_nodes=15, min_samples_leaf=40, early_stopping=False,
            categorical_features="from_dtype", random_state=random_state,
        )
    folds = StratifiedKFold(cv, shuffle=True, random_state=random_state)
    probs = cross_val_predict(model, Xm, codes, cv=folds, method="predict_proba")
    ranked = np.asarray(
        find_label_issues(labels=codes, pred_probs=probs, return_indices_ranked_by="self_confidence"), dtype=int
    )
    n = len(codes)
    lo, hi = wilson_interval(len(ranked), n)
    auc = None
    if len(classes) == 2:
        auc = float(roc_auc_score(codes, probs[:, 1]))
    given_p = probs[np.arange(n), codes]
    table = pd.DataFrame({
        "row": ranked[:top],
        "given label": [classes[codes[i]].item() if hasattr(classes[codes[i]], "item") else classes[codes[i]] for i in ranked[:top]],
        "model's probability of that label": np.round(given_p[ranked[:top]], 4),
    })
    if ids is not None:
        table.insert(0, "id", np.asarray(ids)[ranked[:top]])
    accuracy = float((probs.argmax(1) == codes).mean())
    return LabelNoise(ranked, n, len(ranked) / n, float(lo), float(hi), table, probs, auc, cv_accuracy=accuracy)
