"""Enough labels? A learning curve with a power law that extrapolates how many labels reach a target.

scikit-learn's ``learning_curve`` measures the metric (ROC AUC by default) in cross-validation at
growing training sizes. Learning curves usually follow a power law, ``score(n) = top - a * n^(-b)``;
the fitted curve says how many labels would reach a target score. The uncertainty comes from a
bootstrap over the cross-validation folds (refit on resampled folds), and the answer is flagged as
not trustworthy when the fit is unstable, the target is above what the curve can reach, or the
answer lies far beyond the largest size measured.

Examples
--------
>>> sizes = np.array([100, 200, 400, 800, 1600])
>>> scores = 0.9 - 0.5 * sizes ** -0.5
>>> fit = fit_power_law(sizes, scores)
>>> round(fit.top, 3), int(round(fit.labels_for(0.89)))
(0.9, 2500)
"""

from __future__ import annotations

import html
import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputDataError
from ..text.format import count, number

__all__ = ["PowerLaw", "fit_power_law", "LabelsNeeded", "labels_needed", "cached_labels_needed", "MAX_EXTRAPOLATION"]

MAX_EXTRAPOLATION = 10.0
"""An answer more than this many times the largest training size measured is not trustworthy."""


@dataclass(frozen=True)
class PowerLaw:
    """``score(n) = top - a * n ** (-b)``."""

    top: float
    a: float
    b: float

    def __call__(self, n):
        return self.top - self.a * np.power(np.asarray(n, dtype=float), -self.b)

    def labels_for(self, target: float) -> float:
        """Training labels needed to reach ``target`` (inf when the curve never gets there)."""
        if target >= self.top or self.a <= 0 or self.b <= 0:
            return math.inf
        return float((self.a / (self.top - target)) ** (1 / self.b))


def fit_power_law(sizes, scores, *, upper: float = 1.0) -> PowerLaw:
    """Least-squares fit of ``top - a * n^-b`` (``top`` at most ``upper``, ``b`` in (0, 3])."""
    from scipy.optimize import curve_fit

    x = np.asarray(sizes, dtype=float)
    y = np.asarray(scores, dtype=float)
    if len(x) < 3:
        raise InputDataError("A learning curve needs at least 3 training sizes to fit.")

    def f(n, top, a, b):
        return top - a * np.power(n, -b)

    spread = max(y.max() - y.min(), 1e-3)
    p0 = [min(y.max() + spread * 0.5, upper), spread * x.min() ** 0.5, 0.5]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            (top, a, b), _ = curve_fit(
                f, x, y, p0=p0, bounds=([y.min() - 1.0, 0.0, 1e-3], [upper, np.inf, 3.0]), maxfev=20_000
            )
        except (RuntimeError, ValueError):
            top, a, b = float(y.max()), 0.0, 1e-3
    return PowerLaw(float(top), float(a), float(b))


@dataclass
class LabelsNeeded:
    """A learning curve, its power-law fit, and the labels needed for a target score with an interval."""

    sizes: np.ndarray
    scores: np.ndarray
    """Test scores, one row per size, one column per fold."""
    fit: PowerLaw
    target: float
    needed: float
    low: float
    high: float
    trustworthy: bool
    warnings: list[str] = field(default_factory=list)
    metric: str = "roc_auc"
    available: int = 0

    @property
    def mean_scores(self) -> np.ndarray:
        return self.scores.mean(axis=1)

    def sentence(self) -> str:
        cur = self.mean_scores[-1]
        neg = self.metric.startswith("neg_")
        name = self.metric[4:].replace("mean_absolute_error", "MAE") if neg else self.metric
        show = (lambda v: number(-v, 3)) if neg else (lambda v: number(v, 3))  # noqa: E731
        target = show(self.target)
        base = f"With {count(self.sizes[-1])} training labels the {name} is {show(cur)}. "
        if cur >= self.target:
            base += f"The target {target} is already reached."
        elif math.isinf(self.needed):
            base += (f"The fitted curve levels off at {show(self.fit.top)}, "
                     f"{'above' if neg else 'below'} the target {target}: more labels alone will not get there.")
        else:
            hi = "more than 1,000,000,000" if math.isinf(self.high) else count(self.high)
            base += (
                f"Reaching {target} needs about {count(self.needed)} labels (80% interval {count(self.low)} to {hi})."
            )
        if self.warnings:
            base += " Not trustworthy: " + " ".join(self.warnings)
        return base

    def table(self) -> pd.DataFrame:
        return pd.DataFrame({
            "training labels": self.sizes.astype(int), "mean score": self.mean_scores.round(4),
            "fold spread (sd)": self.scores.std(axis=1).round(4), "fitted": self.fit(self.sizes).round(4),
        })

    def to_record(self) -> dict[str, Any]:
        def num(v):
            return None if not math.isfinite(v) else round(float(v), 1)

        return {
            "metric": self.metric, "target": self.target, "labels_needed": num(self.needed),
            "low": num(self.low), "high": num(self.high), "trustworthy": self.trustworthy,
            "warnings": list(self.warnings), "labels_available": self.available,
            "curve": [{"n": int(n), "score": round(float(s), 4)} for n, s in zip(self.sizes, self.mean_scores)],
            "power_law": {"top": round(self.fit.top, 4), "a": round(self.fit.a, 4), "b": round(self.fit.b, 4)},
        }

    def _repr_html_(self) -> str:
        from ..text.glossary import annotate_html
        from ..text.tables import frame_html

        return annotate_html(f"<p>{html.escape(self.sentence())}</p>" + frame_html(self.table(), digits=3))

    def __repr__(self) -> str:
        return f"LabelsNeeded({self.sentence()!r})"


def _cache_key(X, y, target, metric, sizes, cv, n_boot, random_state, task) -> str:
    from ..io.result_cache import data_key

    return data_key("labels_needed", X if isinstance(X, pd.DataFrame) else np.asarray(X), np.asarray(y), float(target),
                    metric, None if sizes is None else tuple(np.asarray(sizes, float).tolist()), cv, n_boot,
                    random_state, task)


def cached_labels_needed(X: Any, y: Any, *, target: float, metric: str = "roc_auc", sizes: Any = None, cv: int = 5,
                         n_boot: int = 200, random_state: int = 0, task: str = "binary") -> LabelsNeeded | None:
    """The stored result of :func:`labels_needed` with these arguments (default model), or None."""
    from ..io.result_cache import lookup

    return lookup("labels_needed", _cache_key(X, y, target, metric, sizes, cv, n_boot, random_state, task))


def labels_needed(
    X: Any,
    y: Any,
    *,
    target: float,
    metric: str = "roc_auc",
    model: Any = None,
    sizes: Any = None,
    cv: int = 5,
    n_boot: int = 200,
    random_state: int = 0,
    task: str = "binary",
    cache: bool = True,
) -> LabelsNeeded:
    """Measure a learning curve and extrapolate the labels needed to reach ``target``.

    Parameters
    ----------
    X, y : features and labels (no missing labels).
    target : float
        The score the product needs (e.g. ROC AUC 0.92).
    metric : str
        A scikit-learn scorer name (higher is better).
    model : estimator, optional
        Default: a histogram gradient-boosted tree model.
    sizes : array-like, optional
        Training sizes (fractions or counts); default 6 sizes from 10% to 100% on a log scale.
    cv : int
        Stratified folds; the bootstrap resamples these folds.
    task : str
        ``"regression"`` for a model that predicts a number: plain folds, a gradient-boosted regressor, and the
        metric ``neg_mean_absolute_error`` (``target`` is then the MAE to reach, e.g. 3.0 minutes).
    cache : bool
        With the default model, read the result back from (and store it in) :mod:`.result_cache`, keyed by the
        data and settings (the result is deterministic).

    Returns
    -------
    LabelsNeeded
    """
    if cache and model is None:
        from ..io.result_cache import cached

        key = _cache_key(X, y, target, metric, sizes, cv, n_boot, random_state, task)
        return cached("labels_needed", key, lambda: labels_needed(
            X, y, target=target, metric=metric, sizes=sizes, cv=cv, n_boot=n_boot, random_state=random_state,
            task=task, cache=False))
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
    from sklearn.model_selection import KFold, StratifiedKFold, learning_curve

    from .label_noise import model_matrix

    Xm = model_matrix(X.reset_index(drop=True)) if isinstance(X, pd.DataFrame) else X
    y = np.asarray(y)
    if pd.isna(y).any():
        raise InputDataError("Some rows have no label; leave them out before measuring a learning curve.")
    regression = task == "regression"
    if regression:
        if metric == "roc_auc":
            metric = "neg_mean_absolute_error"
        if metric.startswith("neg_") and target > 0:
            target = -float(target)  # scikit-learn's scorers are higher-is-better: an MAE of 3 is -3
    if model is None and regression:
        model = HistGradientBoostingRegressor(max_iter=60, learning_rate=0.15, max_leaf_nodes=15, min_samples_leaf=20,
                                              early_stopping=False, categorical_features="from_dtype",
                                              random_state=random_state)
    elif model is None:
        model = HistGradientBoostingClassifier(
            max_iter=60, learning_rate=0.15, max_leaf_nodes=15, min_samples_leaf=20, early_stopping=False,
            categorical_features="from_dtype", random_state=random_state,
        )
    if sizes is None:
        sizes = np.geomspace(0.1, 1.0, 6)
    folds = (KFold if regression else StratifiedKFold)(cv, shuffle=True, random_state=random_state)
    upper = 0.0 if metric.startswith("neg_") else 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        n_abs, _, test = learning_curve(
            model, Xm, y, train_sizes=sizes, cv=folds, scoring=metric, shuffle=True, random_state=random_state
        )
    test = np.asarray(test, dtype=float)
    ok = np.isfinite(test).all(axis=1)
    n_abs, test = n_abs[ok], test[ok]
    if len(n_abs) < 3:
        raise InputDataError("Too few rows of each class to measure a learning curve; label more data first.")
    fit = fit_power_law(n_abs, test.mean(axis=1), upper=upper)
    needed = fit.labels_for(target)
    rng = np.random.default_rng(random_state)
    boots = []
    for _ in range(n_boot):
        cols = rng.integers(0, test.shape[1], test.shape[1])
        boots.append(fit_power_law(n_abs, test[:, cols].mean(axis=1), upper=upper).labels_for(target))
    boots = np.asarray(boots)
    # "lower"/"higher" pick observed values: no arithmetic on the infinite answers of curves that level off.
    low, high = float(np.quantile(boots, 0.1, method="lower")), float(np.quantile(boots, 0.9, method="higher"))
    notes = []
    largest = float(n_abs[-1])
    reached = test.mean(axis=1)[-1] >= target
    if not reached:
        if math.isinf(needed):
            notes.append(f"the fitted curve levels off below the target ({fit.top:.3f}).")
        elif needed > MAX_EXTRAPOLATION * largest:
            notes.append(
                f"the answer is {needed / largest:,.0f} times the largest training size measured ({largest:,.0f}); "
                "curves often bend before that."
            )
        if np.isinf(boots).mean() > 0.2 or (math.isfinite(high) and math.isfinite(low) and low > 0 and high / low > 10):
            notes.append("the fit changes a lot when the folds are resampled (wide interval).")
    residual = np.abs(fit(n_abs) - test.mean(axis=1)).max()
    if residual > 2 * test.std(axis=1).mean() + 0.01:
        notes.append(f"the power law fits the measured points poorly (off by up to {residual:.3f}).")
    if np.any(np.diff(test.mean(axis=1)) < -2 * test.std(axis=1).mean() - 0.005):
        notes.append("the measured curve goes down as labels are added (noisy labels or too few rows per fold).")
    return LabelsNeeded(
        n_abs.astype(float), test, fit, float(target), float(needed), low, high, not notes, notes, metric,
        available=len(y),
    )
