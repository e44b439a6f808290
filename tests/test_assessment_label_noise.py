"""Label noise on the demo data: confident learning recovers the 80 labels the card says were flipped."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from aipm_widgets.core.errors import InputDataError
from aipm_widgets.core.assessment.label_noise import find_label_noise


@pytest.fixture(scope="module")
def pre_launch():
    from aipm_widgets.core import demo

    df = demo.load_fraud()
    pre = df[(df["timestamp"] < demo.demo_card()["fraud"]["launch_date"]) & df["is_fraud"].notna()]
    return pre.drop_duplicates("transaction_id").reset_index(drop=True)


@pytest.fixture(scope="module")
def noise(pre_launch):
    from aipm_widgets.core import demo

    return find_label_noise(pre_launch[demo.FRAUD_FEATURES], pre_launch["is_fraud"].astype(int),
                            ids=pre_launch["transaction_id"], cv=3)


def test_every_card_item_is_found_as_in_the_notebook(pre_launch, noise):
    """The notebook's check table (section 3): every injected problem of the demo card is found."""
    from aipm_widgets.core import demo
    from aipm_widgets.core.assessment.report import assess
    from aipm_widgets.core.assessment.card_check import compare_with_card

    fraud = demo.load_fraud()
    a = assess(fraud, label="is_fraud", id_column="transaction_id", time_column="timestamp", ignore=("score",))
    table = compare_with_card(a, flagged_ids=pre_launch["transaction_id"].to_numpy()[noise.indices])
    assert len(table) == 7
    assert table["found"].all(), table.to_string()


def test_flipped_labels_are_recovered(pre_launch, noise):
    from aipm_widgets.core import demo

    flipped = set(demo.demo_card()["fraud"]["injected_quality_problems"]["label_errors"]["transaction_ids"])
    flagged = pre_launch["transaction_id"].to_numpy()[noise.indices]
    recovered = len(set(flagged) & flipped)
    top200 = len(set(flagged[:200]) & flipped)
    print(f"\nlabel noise: flagged {noise.count} of {noise.n}; recovered {recovered}/80 flipped ids "
          f"({recovered / 80:.0%}); {top200} in the 200 most suspicious; {noise.sentence()}")
    assert recovered >= 60, f"only {recovered} of the 80 flipped labels were flagged"
    assert top200 >= 50
    assert noise.low <= noise.rate <= noise.high
    assert list(noise.suspicious.columns)[:2] == ["id", "row"]


def test_too_few_rows_and_missing_labels_are_errors():
    X = pd.DataFrame({"x": np.arange(20.0)})
    with pytest.raises(InputDataError, match="Too few rows"):
        find_label_noise(X, [0, 1] * 10)
    with pytest.raises(InputDataError, match="no label"):
        find_label_noise(X, [0, 1, None] * 6 + [0, 1])


def test_a_weak_detector_says_the_flagged_share_is_an_upper_bound():
    """Labels the features barely explain (and no wrong label planted): the share is said to be an upper bound;
    labels the features explain well: no such caveat. Generated routing of parcels, not a demo."""
    import numpy as np
    import pandas as pd

    from aipm_widgets.core.assessment.label_noise import WEAK_ACCURACY, find_label_noise

    rng = np.random.default_rng(3)
    n = 1500
    depot = rng.choice(["north", "south", "east", "west"], n)
    X = pd.DataFrame({"weight_kg": rng.gamma(2, 2, n), "postcode_zone": rng.integers(0, 9, n)})
    strong = np.where(X["postcode_zone"] < 3, "north", np.where(X["postcode_zone"] < 6, "south", "east"))
    weak = find_label_noise(X, depot, cv=3)
    assert weak.cv_accuracy < WEAK_ACCURACY and weak.detector_is_weak
    assert "upper bound" in weak.sentence() and f"{weak.cv_accuracy:.1%}" in weak.sentence()
    assert weak.to_record()["upper_bound"] is True
    good = find_label_noise(X, strong, cv=3)
    assert not good.detector_is_weak and "upper bound" not in good.sentence()
