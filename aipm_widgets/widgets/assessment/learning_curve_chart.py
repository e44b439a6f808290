"""A chart of the learning curve and its power-law extrapolation (a view over ``LabelsNeeded``)."""

from __future__ import annotations

import math

import numpy as np

from ...core.assessment.learning_curve import LabelsNeeded
from .._base import figure_widget

__all__ = ["learning_curve_figure"]


def learning_curve_figure(result: LabelsNeeded):
    """A plotly ``FigureWidget``: measured scores (with fold spread), the fitted curve, the target line."""
    sizes = result.sizes
    hi_n = sizes[-1] * 20
    if math.isfinite(result.needed):
        hi_n = max(hi_n, min(result.needed * 1.5, sizes[-1] * 1000))
    grid = np.geomspace(sizes[0], hi_n, 80)
    fig = figure_widget()
    fig.add_scatter(x=sizes, y=result.mean_scores, mode="markers", name="measured (mean of folds)",
                    error_y=dict(type="data", array=result.scores.std(axis=1)), marker=dict(size=9, color="#4c78a8"))
    fig.add_scatter(x=grid, y=result.fit(grid), mode="lines", name="power-law fit", line=dict(color="#888", dash="dot"))
    fig.add_scatter(x=[grid[0], grid[-1]], y=[result.target] * 2, mode="lines", name=f"target {result.target:g}",
                    line=dict(color="#8a1c1c", dash="dash"))
    if math.isfinite(result.needed):
        fig.add_scatter(x=[result.needed], y=[result.target], mode="markers", name="labels needed",
                        marker=dict(symbol="x", size=12, color="#8a1c1c"))
    fig.update_layout(height=320, margin=dict(l=50, r=10, t=40, b=40), xaxis_type="log",
                      xaxis_title="training labels (log scale)", yaxis_title=result.metric,
                      title="Learning curve" + ("" if result.trustworthy else " (extrapolation not trustworthy)"))
    return fig
