#!/usr/bin/env python3
"""Writes the DBSCAN reference fixtures under Tests/AnomalyModelsTests/Fixtures/dbscan/.

Usage:  python3 scripts/make-dbscan-fixtures.py

The script re-runs itself inside a private virtual environment (/work/main/.venv-fixtures, or
$DBSCAN_FIXTURES_VENV; created on first use with `pip install scikit-learn numpy`), so the system
Python stays untouched. Every dataset comes from a fixed seed or is placed by hand, so running it
again gives the same files for the same scikit-learn version.

File format (one file per dataset, NAME.csv):

    # eps=0.5 min_samples=5 sklearn=1.9.1 algorithm=kd_tree brute_agrees=true ball_tree_agrees=true
    x0,x1,...,x{d-1},label,core
    0.25,-1.5,...,0,1
    ...

- line 1: a comment with the DBSCAN parameters (`eps` is written with Python's repr, so it reads
  back as the same double), the scikit-learn version, the neighbour algorithm the reference labels
  come from, and whether scikit-learn's brute-force and ball-tree searches gave the same labels
  (brute force computes distances as |a|^2 + |b|^2 - 2a.b and may disagree at exact-epsilon ties);
- line 2: the header;
- then one row per point: coordinates (Python repr: shortest round-trip decimal), scikit-learn's
  label (-1 = noise, cluster numbers as in `labels_`), and 1 if the point is in
  `core_sample_indices_`, else 0.

Reference labels are `DBSCAN(eps, min_samples, metric="euclidean", algorithm="kd_tree")`, which is
what `algorithm="auto"` picks for all of these datasets (fewer than 16 features, more than 11 rows).
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = Path(os.environ.get("DBSCAN_FIXTURES_VENV", ROOT / ".venv-fixtures"))
OUT = ROOT / "Tests" / "AnomalyModelsTests" / "Fixtures" / "dbscan"


def ensure_venv():
    """Re-executes this script with the venv's interpreter, creating the venv when needed."""
    if Path(sys.prefix).resolve() == VENV.resolve():
        return
    python = VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "scikit-learn", "numpy"], check=True)
    os.execv(str(python), [str(python), str(Path(__file__).resolve())] + sys.argv[1:])


ensure_venv()

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
from sklearn.cluster import DBSCAN  # noqa: E402
from sklearn.datasets import make_blobs  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402


def dbscan(X, eps, min_samples, algorithm):
    model = DBSCAN(eps=eps, min_samples=min_samples, metric="euclidean", algorithm=algorithm).fit(X)
    core = np.zeros(len(X), dtype=int)
    core[model.core_sample_indices_] = 1
    return model.labels_, core


def write(name, X, eps, min_samples):
    X = np.ascontiguousarray(np.asarray(X, dtype=np.float64))
    if X.ndim == 1:
        X = X.reshape(-1, 1)
    assert len(X) <= 2000, name
    labels, core = dbscan(X, eps, min_samples, "kd_tree")
    auto_labels, _ = dbscan(X, eps, min_samples, "auto")
    assert (auto_labels == labels).all(), f"{name}: auto differs from kd_tree"
    brute, _ = dbscan(X, eps, min_samples, "brute")
    ball, _ = dbscan(X, eps, min_samples, "ball_tree")
    d = X.shape[1]
    lines = [
        f"# eps={eps!r} min_samples={min_samples} sklearn={sklearn.__version__} algorithm=kd_tree "
        f"brute_agrees={str(bool((brute == labels).all())).lower()} "
        f"ball_tree_agrees={str(bool((ball == labels).all())).lower()}",
        ",".join([f"x{j}" for j in range(d)] + ["label", "core"]),
    ]
    for row, label, c in zip(X, labels, core):
        lines.append(",".join([repr(float(v)) for v in row] + [str(int(label)), str(int(c))]))
    (OUT / f"{name}.csv").write_text("\n".join(lines) + "\n")
    clusters = len(set(labels) - {-1})
    print(
        f"{name:18s} n={len(X):5d} d={d:2d} eps={eps!r:6s} min_samples={min_samples:3d} "
        f"clusters={clusters:3d} noise={int((labels == -1).sum()):4d} core={int(core.sum()):4d} "
        f"brute_agrees={bool((brute == labels).all())} ball_tree_agrees={bool((ball == labels).all())}"
    )
    return labels, core


def blobs_2d():
    X, _ = make_blobs(n_samples=750, centers=3, n_features=2, cluster_std=[0.5, 0.8, 0.3], random_state=3)
    rng = np.random.default_rng(1)
    noise = rng.uniform(X.min(axis=0) - 1, X.max(axis=0) + 1, size=(60, 2))
    X = np.vstack([X, noise])
    X = X[rng.permutation(len(X))]
    write("blobs_2d", X, 0.3, 8)


def uniform_noise():
    rng = np.random.default_rng(2)
    X = rng.uniform(0, 1, size=(400, 3))
    write("uniform_noise", X, 0.05, 4)


def border_points():
    """Hand-placed, dyadic coordinates, so every distance below is exact in floating point.

    eps = 0.5, min_samples = 5.
    - A: 3x3 grid at x, y in {0, 0.25, 0.5}. B: 3x3 grid at x in {1.4375, 1.6875, 1.9375}.
    - P = (1.0, 0.25) is within eps of A's core (0.5, 0.25) (at exactly eps) and of B's core
      (1.4375, 0.25) (at 0.4375, nearer), but has only 3 points in its neighbourhood: a border
      point. Row 0 is A's (0, 0), so A is cluster 0, but row 1 is B's (1.4375, 0.25), so P's
      lowest-index core neighbour and its nearest core are both in B: P must still join A.
    - Q = (0.25, -0.5) is exactly eps below A's core (0.25, 0): border of A.
    - R = (0.25, -0.5 - 2**-20) is just beyond eps of everything: noise.
    - S = (3, 3): isolated noise. T: 4 points at exactly eps from one centre with the centre
      itself: 5 points, so the centre is core and its four arms are border points.
    """
    A = [(x, y) for x in (0.0, 0.25, 0.5) for y in (0.0, 0.25, 0.5)]
    B = [(x, y) for x in (1.4375, 1.6875, 1.9375) for y in (0.0, 0.25, 0.5)]
    P, Q, R, S = (1.0, 0.25), (0.25, -0.5), (0.25, -0.5 - 2.0**-20), (3.0, 3.0)
    T = [(5.0, 5.0), (5.5, 5.0), (4.5, 5.0), (5.0, 5.5), (5.0, 4.5)]
    rest_a = [p for p in A if p != (0.0, 0.0)]
    rest_b = [p for p in B if p != (1.4375, 0.25)]
    X = [(0.0, 0.0), (1.4375, 0.25), P, Q] + rest_b + [R] + rest_a + [S] + T
    labels, core = write("border_points", X, 0.5, 5)
    index = {p: i for i, p in enumerate(X)}
    assert labels[index[P]] == 0 and core[index[P]] == 0, "P must be a border point of cluster 0"
    assert labels[index[(1.4375, 0.25)]] == 1
    assert labels[index[Q]] == 0 and core[index[Q]] == 0
    assert labels[index[R]] == -1 and labels[index[S]] == -1
    assert core[index[(5.0, 5.0)]] == 1 and labels[index[(5.5, 5.0)]] == labels[index[(5.0, 5.0)]]


def duplicates():
    """eps = 0.1, min_samples = 5: a group of 4 identical points (min_samples - 1: noise), a group
    of 5 (exactly min_samples: a cluster of core points), a group of 40, a group of 3 and a group
    of 2 within eps of each other (5 together: all core), and uniform points with a few exact
    copies, shuffled. (A duplicate group of min_samples or more makes every point within eps of it
    core, so border points do not occur next to one.)"""
    rng = np.random.default_rng(4)
    groups = [
        np.tile([6.0, 6.0], (4, 1)),
        np.tile([7.0, 7.0], (5, 1)),
        np.tile([8.0, 8.0], (40, 1)),
        np.tile([9.0, 9.0], (3, 1)),
        np.tile([9.0625, 9.0], (2, 1)),
    ]
    scattered = rng.uniform(-1, 4, size=(150, 2))
    copies = scattered[rng.integers(0, 150, size=30)]
    X = np.vstack(groups + [scattered, copies])
    X = X[rng.permutation(len(X))]
    labels, core = write("duplicates", X, 0.1, 5)
    at = lambda p: np.all(X == p, axis=1)  # noqa: E731
    assert (labels[at([6.0, 6.0])] == -1).all()
    assert (core[at([7.0, 7.0])] == 1).all()
    assert (core[at([9.0, 9.0])] == 1).all() and (core[at([9.0625, 9.0])] == 1).all()


def line_1d():
    rng = np.random.default_rng(5)
    X = np.concatenate([rng.normal(0, 1, 300), rng.normal(6, 0.5, 200), rng.uniform(-5, 12, 50)])
    X = X[rng.permutation(len(X))]
    write("line_1d", X, 0.15, 6)


def rounding_1d():
    """Decimal steps that are not exact in binary: whether |x_i - x_j| <= 0.3 holds for points
    0.3 apart is decided by rounding, which the implementation must reproduce."""
    X = np.array([k * 0.1 for k in range(40)] + [7.0 + k * 0.3 for k in range(15)] + [20.0 + 0.1 * k for k in range(0, 30, 3)])
    write("rounding_1d", X, 0.3, 3)


def blobs_10d():
    X, _ = make_blobs(n_samples=900, n_features=10, centers=4, cluster_std=1.0, random_state=11)
    rng = np.random.default_rng(6)
    noise = rng.uniform(X.min(axis=0), X.max(axis=0), size=(60, 10))
    X = np.vstack([X, noise])
    X = X[rng.permutation(len(X))]
    write("blobs_10d", X, 2.6, 10)


def standardised_7d():
    """Like the detector's windows: a skewed 7-d mixture, standardised; eps 0.5, min_samples 10."""
    rng = np.random.default_rng(7)
    base = rng.normal(0, 1, size=(1500, 7)) * [1, 2, 0.5, 1, 1, 3, 1]
    bursts = rng.normal(4, 0.3, size=(300, 7))
    outliers = rng.uniform(-8, 12, size=(100, 7))
    X = StandardScaler().fit_transform(np.vstack([base, bursts, outliers]))
    X = X[rng.permutation(len(X))]
    write("standardised_7d", X, 0.5, 10)


def grid_int():
    """Integer grids with eps exactly 1.0: axis neighbours at distance exactly 1 are in, diagonal
    ones (sqrt 2) are out; a quarter of the 2-d grid and 30 % of the 3-d grid are removed."""
    rng = np.random.default_rng(8)
    pts = np.array([(x, y) for x in range(30) for y in range(30)], dtype=float)
    pts = pts[rng.random(len(pts)) >= 0.25]
    write("grid_int_2d", pts[rng.permutation(len(pts))], 1.0, 5)
    pts = np.array([(x, y, z) for x in range(10) for y in range(10) for z in range(10)], dtype=float)
    pts = pts[rng.random(len(pts)) >= 0.3]
    write("grid_int_3d", pts[rng.permutation(len(pts))], 1.0, 5)


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    print(f"scikit-learn {sklearn.__version__}, numpy {np.__version__} -> {OUT}")
    blobs_2d()
    uniform_noise()
    border_points()
    duplicates()
    line_1d()
    rounding_1d()
    blobs_10d()
    standardised_7d()
    grid_int()


if __name__ == "__main__":
    main()
