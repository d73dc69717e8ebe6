"""Extreme and impossible numbers: fences learnt from the training rows.

``OutlierClipper`` is a scikit-learn transformer: ``fit`` learns, per column, a range
that ordinary values stay within (``fence`` inter-quartile ranges beyond the
quartiles) and whether a zero is impossible there (a column that is otherwise
strictly positive, such as a length); ``outliers`` marks the values outside that
range and the impossible zeros; ``transform`` clips values to the range and turns
impossible zeros into missing values (filled in afterwards, like any missing value).

The class uses only NumPy and scikit-learn, so the exported script copies its source.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin


class OutlierClipper(TransformerMixin, BaseEstimator):
    """Clip numbers to a robust range learnt from the rows it is fitted on.

    Args:
        fence: how many inter-quartile ranges beyond the quartiles a value may lie
            (when the quartiles are equal, half the range of the middle 90 % is used
            instead). A column of numbers >= 0 has no lower bound but 0, and its
            upper bound is judged on a log scale (factors, not differences).
            Defaults to 5.
        zero_share: a column's zeros count as impossible when they are at most this
            share of its values, every other value is positive and the positive
            values stay away from 0 (the smallest is at least a tenth of their
            median). Defaults to 0.01.
    """

    def __init__(self, fence=5.0, zero_share=0.01):
        self.fence = fence
        self.zero_share = zero_share

    @staticmethod
    def _numbers(X):
        if hasattr(X, "to_numpy"):
            values = X.to_numpy(dtype="float64", na_value=np.nan)
        else:
            values = np.asarray(X, dtype="float64")
        return values.reshape(-1, 1) if values.ndim == 1 else values

    def fit(self, X, y=None):
        """Learn each column's range and whether its zeros are impossible."""
        values = self._numbers(X)
        if hasattr(X, "columns"):
            self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.n_features_in_ = values.shape[1]
        lows, highs, zeros = [], [], []
        for column in values.T:
            x = column[np.isfinite(column)]
            low, high, zero = -np.inf, np.inf, False
            if x.size >= 10:
                positive = x[x > 0]
                share = float(np.mean(x == 0))
                zero = bool(
                    0 < share <= self.zero_share
                    and x.min() >= 0
                    and positive.min() >= 0.1 * np.median(positive)
                )
                # Sizes, amounts and prices (numbers >= 0) spread by factors: their
                # upper bound is judged on a log scale, so a long tail of real
                # large values is not taken for outliers, while a value 10 times
                # the rest still is. Small values are not judged (zeros apart).
                logs = x.min() >= 0 and positive.size >= 10
                scaled = np.log(positive) if logs else x
                q1, q3 = np.percentile(scaled, [25, 75])
                spread = q3 - q1
                if spread == 0:  # most rows share one value: the middle 90 % then
                    p5, p95 = np.percentile(scaled, [5, 95])
                    spread = (p95 - p5) / 2
                if spread > 0:
                    low, high = q1 - self.fence * spread, q3 + self.fence * spread
                    if logs:
                        high = np.exp(high)
                    if x.min() >= 0:
                        low = 0.0
            lows.append(low)
            highs.append(high)
            zeros.append(zero)
        self.low_ = np.array(lows, dtype="float64")
        self.high_ = np.array(highs, dtype="float64")
        self.zero_missing_ = np.array(zeros, dtype=bool)
        return self

    def outliers(self, X):
        """Whether each value lies outside its column's range or is an impossible
        zero (missing values are not outliers): a boolean array shaped like X."""
        values = self._numbers(X)
        with np.errstate(invalid="ignore"):
            far = (values < self.low_) | (values > self.high_)
        return far | ((values == 0) & self.zero_missing_)

    def transform(self, X):
        """Clip each column to its range; impossible zeros become missing."""
        values = self._numbers(X)
        values = np.where((values == 0) & self.zero_missing_, np.nan, values)
        return np.clip(values, self.low_, self.high_)

    def get_feature_names_out(self, input_features=None):
        """The output columns are the input columns."""
        if input_features is not None:
            return np.asarray(input_features, dtype=object)
        if hasattr(self, "feature_names_in_"):
            return self.feature_names_in_
        return np.asarray([f"x{i}" for i in range(self.n_features_in_)], dtype=object)
