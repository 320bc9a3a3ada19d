"""Bayesian linear regression with a conjugate Normal-Inverse-Gamma prior, updated online.

The JITAI sampler needs a posterior it can update after every proximal outcome, in O(d^2),
and persist as plain numbers. With theta | s2 ~ N(m, s2 * S) and s2 ~ IG(a, b), one
observation (x, y) gives, by Sherman-Morrison (Bishop 2006, PRML 3.3; Murphy 2012, 7.6.3):
k = S x / (1 + x'S x); m += k (y - x'm); S -= k x'S; a += 1/2;
b += (y - x'm_old)^2 / (2 (1 + x'S_old x)). The noise variance is thus estimated, not
assumed; marginally theta follows a multivariate t with 2a degrees of freedom.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]


class PosteriorError(ValueError):
    """A posterior state or observation of the wrong shape or range."""


class BayesianLinearRegression:
    """Online conjugate Bayesian linear regression (scikit-learn style: ``fit`` returns self).

    ``prior_mean`` and ``prior_scale`` (standard deviations of theta in units of the noise
    SD) set the Gaussian prior; ``noise_shape`` and ``noise_scale`` the inverse-gamma prior
    on the noise variance (mean ``noise_scale / (noise_shape - 1)``).
    """

    def __init__(
        self,
        prior_mean: FloatArray,
        prior_scale: FloatArray,
        noise_shape: float = 2.0,
        noise_scale: float = 1.0,
    ) -> None:
        self.prior_mean = np.asarray(prior_mean, dtype=np.float64)
        self.prior_scale = np.asarray(prior_scale, dtype=np.float64)
        if self.prior_mean.shape != self.prior_scale.shape or self.prior_mean.ndim != 1:
            raise PosteriorError("prior_mean and prior_scale must be vectors of one length")
        if np.any(self.prior_scale <= 0) or noise_shape <= 1 or noise_scale <= 0:
            raise PosteriorError("prior scales must be > 0 and noise_shape > 1")
        self.noise_shape = noise_shape
        self.noise_scale = noise_scale
        self.reset()

    def reset(self) -> BayesianLinearRegression:
        """Return to the prior."""
        self.mean_ = self.prior_mean.copy()
        self.covariance_ = np.diag(self.prior_scale**2)
        self.shape_ = self.noise_shape
        self.rate_ = self.noise_scale
        self.n_updates_ = 0
        return self

    @property
    def dimension(self) -> int:
        return int(self.prior_mean.shape[0])

    @property
    def noise_variance_(self) -> float:
        """The posterior mean of the noise variance."""
        return self.rate_ / (self.shape_ - 1.0)

    def partial_fit(self, x: FloatArray, y: float) -> BayesianLinearRegression:
        """Update the posterior with one observation."""
        row = np.asarray(x, dtype=np.float64)
        if row.shape != (self.dimension,) or not np.all(np.isfinite(row)):
            raise PosteriorError(f"x must be a finite vector of length {self.dimension}")
        if not np.isfinite(y):
            raise PosteriorError("y must be finite")
        spread = self.covariance_ @ row
        denominator = 1.0 + float(row @ spread)
        residual = float(y) - float(row @ self.mean_)
        gain = spread / denominator
        self.mean_ = self.mean_ + gain * residual
        covariance = self.covariance_ - np.outer(gain, spread)
        self.covariance_ = (covariance + covariance.T) / 2.0
        self.shape_ += 0.5
        self.rate_ += residual**2 / (2.0 * denominator)
        self.n_updates_ += 1
        return self

    def fit(self, x: FloatArray, y: FloatArray) -> BayesianLinearRegression:
        """Reset to the prior, then update with every row in order."""
        self.reset()
        for row, target in zip(np.asarray(x), np.asarray(y), strict=True):
            self.partial_fit(row, float(target))
        return self

    def sample(
        self, rng: np.random.Generator, n_draws: int, block: slice | None = None
    ) -> FloatArray:
        """Draws of theta (or of ``theta[block]``) from the multivariate-t posterior."""
        where = block if block is not None else slice(0, self.dimension)
        mean = self.mean_[where]
        covariance = self.covariance_[where, where] * self.noise_variance_
        factor = np.linalg.cholesky(covariance + 1e-12 * np.eye(mean.shape[0]))
        normal = rng.standard_normal((n_draws, mean.shape[0]))
        # Multivariate t with 2a degrees of freedom: a normal over sqrt(chi2 / dof).
        dof = 2.0 * self.shape_
        scale = np.sqrt(dof / rng.chisquare(dof, size=(n_draws, 1)))
        draws: FloatArray = mean + (normal @ factor.T) * scale
        return draws

    def to_state(self) -> dict[str, Any]:
        """A JSON-able snapshot of prior and posterior."""
        return {
            "prior_mean": self.prior_mean.tolist(),
            "prior_scale": self.prior_scale.tolist(),
            "noise_shape": self.noise_shape,
            "noise_scale": self.noise_scale,
            "mean": self.mean_.tolist(),
            "covariance": self.covariance_.tolist(),
            "shape": self.shape_,
            "rate": self.rate_,
            "n_updates": self.n_updates_,
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> BayesianLinearRegression:
        """The inverse of ``to_state``; rejects a snapshot whose shapes disagree."""
        model = cls(
            np.asarray(state["prior_mean"], dtype=np.float64),
            np.asarray(state["prior_scale"], dtype=np.float64),
            float(state["noise_shape"]),
            float(state["noise_scale"]),
        )
        mean = np.asarray(state["mean"], dtype=np.float64)
        covariance = np.asarray(state["covariance"], dtype=np.float64)
        d = model.dimension
        if mean.shape != (d,) or covariance.shape != (d, d):
            raise PosteriorError("posterior mean or covariance has the wrong shape")
        model.mean_, model.covariance_ = mean, covariance
        model.shape_, model.rate_ = float(state["shape"]), float(state["rate"])
        model.n_updates_ = int(state["n_updates"])
        return model
