#!/usr/bin/env python3
"""Data sets and reference implementations for `make bench-models`.

Subcommands (bench-models.sh drives them; every one prints a JSON object on stdout):

  generate --out DIR        writes the data sets (seeded, deterministic) and DIR/params.json
  dbscan   --data F --eps E --min-points K --labels-out F --repeat N
                            scikit-learn DBSCAN(eps, min_samples, algorithm='auto', n_jobs=1),
                            best fit time of N; labels one per line (-1 = noise)
  vae      --data F --epochs 50 --batch 64 --hidden 32 --latent 4 [--repeat N]
                            reference VAE training time (PyTorch when importable, else NumPy)
  retrain  --data F [--repeat N]
                            reference of AnomalyEnsemble.train on 5k x 7 windows (below)
  score    --data F [--calls N]
                            reference of AnomalyEnsemble.score for one vector (below)
  line     NAME --swift F --reference F [--swift-labels F --reference-labels F --params F]
                            prints one result line from the two sides' JSON outputs; for
                            DBSCAN it compares the labels (equal up to a renumbering of the
                            clusters; otherwise mismatched_points counts the points off)

Data file format (shared with the Swift side, Benchmarks/models/ModelBench):
  int64 rows, int64 columns (little-endian), then rows * columns float64 (little-endian),
  row-major. Labels files are text, one integer per line, -1 for noise.

Data sets:
  dbscan_{10k,50k,100k}.bin  n points in 7-d: a mixture of 6 anisotropic Gaussian blobs (random
                             rotations, axis scales 0.3-1.0, centres in [-10, 10]^7, unequal
                             weights; the same geometry at every size) plus 2 % uniform noise
                             over the blobs' bounding box (padded), then standardised (sklearn
                             StandardScaler). eps per size: the median distance to the
                             30th-nearest neighbour over 2000 sampled points, so the mean
                             eps-neighbourhood stays near 80-110 points at every size (printed);
                             min_samples = 10. DBSCAN then finds ~6-16 clusters, 10-15 % noise.
  vae_10k.bin                10k sequences of width 70: sliding windows of 10 steps over a smooth
                             7-d AR(2) process (mixed through a fixed matrix), standardised.
  windows_5k.bin             5k x 7 traffic-like windows in time order: log-normal rates that
                             follow a slow daily cycle and switch between three regimes, with
                             AR(1) noise (what the monitor would feed the ensemble).

The "retrain" reference does what AnomalyEnsemble.train (Sources/AnomalyModels) does, with the
same sizes: a seeded 20 % hold-out; StandardScaler + automatic eps (0.95 quantile of the
5th-neighbour distance of 1000 sampled points, sklearn NearestNeighbors) + sklearn DBSCAN
(min_samples 5) on the 4000 fitting rows, then DBSCAN scores (distance to the nearest core point
/ eps, sklearn KDTree) of the 1000 held-out rows; a robust (median/IQR) scaler, sequences of 10 steps
(5000 x 70) and the same VAE (50 epochs, batch 64) on the 4000 fitting sequences, then
reconstruction errors of the held-out sequences; median/MAD over the last 600 fitting rows and
the held-out modified z-scores; the three calibrations sorted.

The "score" reference is the NumPy single-vector path of AnomalyEnsemble.score on that model:
scale, nearest core point (sklearn KDTree.query), a sequence of 10 steps through the VAE's
deterministic forward pass, modified z-scores, three percentiles (np.searchsorted) and the
combination. Latency is the median of many single calls (time.perf_counter_ns around each).
"""

import argparse
import json
import os
import struct
import sys
import time

# Single-thread comparisons: set before NumPy loads OpenBLAS (bench-models.sh exports them too).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import numpy as np  # noqa: E402

SIZES = {"10k": 10_000, "50k": 50_000, "100k": 100_000}
DIMENSION = 7
SEQUENCE = 10
MIN_SAMPLES = 10


# ---------------------------------------------------------------------------- data files

def write_matrix(path, array):
    array = np.ascontiguousarray(array, dtype="<f8")
    rows, cols = array.shape
    with open(path, "wb") as f:
        f.write(struct.pack("<qq", rows, cols))
        f.write(array.tobytes())


def read_matrix(path):
    with open(path, "rb") as f:
        rows, cols = struct.unpack("<qq", f.read(16))
        data = np.frombuffer(f.read(rows * cols * 8), dtype="<f8")
    if data.size != rows * cols:
        raise SystemExit(f"{path}: truncated ({data.size} of {rows * cols} values)")
    return data.reshape(rows, cols).astype(np.float64)


def read_labels(path):
    with open(path) as f:
        return np.array([int(line) for line in f if line.strip()], dtype=np.int64)


def limit_threads():
    try:
        from threadpoolctl import threadpool_limits
        return threadpool_limits(limits=1)
    except ImportError:  # the environment variables above still hold
        return None


# ---------------------------------------------------------------------------- generation

def random_rotation(rng, d):
    q, r = np.linalg.qr(rng.standard_normal((d, d)))
    return q * np.sign(np.diag(r))


def dbscan_points(n, seed):
    """The same blob geometry at every size (seed 100); `seed` draws the points."""
    from sklearn.preprocessing import StandardScaler
    geometry = np.random.default_rng(100)
    rng = np.random.default_rng(seed)
    blobs = 6
    centers = geometry.uniform(-10, 10, size=(blobs, DIMENSION))
    shapes = [(geometry.uniform(0.3, 1.0, size=DIMENSION), random_rotation(geometry, DIMENSION))
              for _ in range(blobs)]
    weights = np.array([0.30, 0.22, 0.18, 0.14, 0.10, 0.06])
    noise = int(round(0.02 * n))
    counts = rng.multinomial(n - noise, weights)
    parts = []
    for b in range(blobs):
        axes, rotation = shapes[b]
        z = rng.standard_normal((counts[b], DIMENSION)) * axes
        parts.append(centers[b] + z @ rotation.T)
    clustered = np.vstack(parts)
    low, high = clustered.min(axis=0), clustered.max(axis=0)
    pad = 0.1 * (high - low)
    parts.append(rng.uniform(low - pad, high + pad, size=(noise, DIMENSION)))
    points = np.vstack(parts)
    points = points[rng.permutation(n)]
    return StandardScaler().fit_transform(points)


def choose_eps(points, seed):
    """Median distance to the 30th nearest neighbour (the point itself counted) over a sample."""
    from sklearn.neighbors import NearestNeighbors
    rng = np.random.default_rng(seed)
    sample = points[rng.choice(len(points), size=min(2000, len(points)), replace=False)]
    distances, _ = NearestNeighbors(n_neighbors=30).fit(points).kneighbors(sample)
    return float(np.round(np.median(distances[:, -1]), 4))


def mean_neighbourhood(points, eps, seed):
    from sklearn.neighbors import NearestNeighbors
    rng = np.random.default_rng(seed)
    sample = points[rng.choice(len(points), size=min(2000, len(points)), replace=False)]
    counts = NearestNeighbors(radius=eps).fit(points).radius_neighbors(sample, return_distance=False)
    return float(np.mean([len(c) for c in counts]))


def vae_sequences(n, seed):
    rng = np.random.default_rng(seed)
    steps = n + SEQUENCE - 1
    x = np.zeros((steps, DIMENSION))
    # A smooth AR(2) per latent channel (complex roots: slow oscillations), mixed into 7 features.
    phi1, phi2 = 1.6, -0.7
    for t in range(2, steps):
        x[t] = phi1 * x[t - 1] + phi2 * x[t - 2] + 0.3 * rng.standard_normal(DIMENSION)
    mixing = rng.standard_normal((DIMENSION, DIMENSION)) / np.sqrt(DIMENSION)
    x = x @ mixing + 0.05 * rng.standard_normal((steps, DIMENSION))
    x = (x - x.mean(axis=0)) / x.std(axis=0)
    windows = np.lib.stride_tricks.sliding_window_view(x, SEQUENCE, axis=0)  # (n, 7, 10)
    return np.ascontiguousarray(windows.transpose(0, 2, 1).reshape(n, SEQUENCE * DIMENSION))


def traffic_windows(n, seed):
    rng = np.random.default_rng(seed)
    # Features: packets/s, bytes/s, unique sources, unique ports, SYN ratio, mean size, flows.
    base = np.log([2000.0, 1.5e6, 40.0, 60.0, 0.05, 750.0, 120.0])
    regimes = np.array([[0, 0, 0, 0, 0, 0, 0],
                        [0.6, 0.7, 0.3, 0.4, -0.2, 0.1, 0.5],
                        [-0.8, -0.9, -0.5, -0.6, 0.3, -0.1, -0.7]])
    regime, noise = 0, np.zeros(DIMENSION)
    out = np.empty((n, DIMENSION))
    for t in range(n):
        if rng.random() < 0.01:
            regime = int(rng.integers(0, 3))
        noise = 0.8 * noise + 0.12 * rng.standard_normal(DIMENSION)
        daily = 0.3 * np.sin(2 * np.pi * t / 1440.0)
        out[t] = np.exp(base + regimes[regime] + daily + noise)
    out[:, 4] = np.minimum(out[:, 4], 1.0)
    return out


def cmd_generate(args):
    os.makedirs(args.out, exist_ok=True)
    with limit_threads() or _null():
        params = {"dbscan": {}}
        for i, (name, n) in enumerate(SIZES.items()):
            points = dbscan_points(n, seed=100 + i)
            eps = choose_eps(points, seed=200 + i)
            write_matrix(os.path.join(args.out, f"dbscan_{name}.bin"), points)
            params["dbscan"][name] = {"n": n, "eps": eps, "min_points": MIN_SAMPLES,
                                      "mean_neighbourhood": round(mean_neighbourhood(points, eps, 300 + i), 1)}
        write_matrix(os.path.join(args.out, "vae_10k.bin"), vae_sequences(10_000, seed=7))
        write_matrix(os.path.join(args.out, "windows_5k.bin"), traffic_windows(5_000, seed=11))
    with open(os.path.join(args.out, "params.json"), "w") as f:
        json.dump(params, f, indent=1)
    print(json.dumps(params))


class _null:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


# ---------------------------------------------------------------------------- DBSCAN

def cmd_dbscan(args):
    from sklearn.cluster import DBSCAN
    points = read_matrix(args.data)
    best, labels = float("inf"), None
    with limit_threads() or _null():
        for _ in range(args.repeat):
            model = DBSCAN(eps=args.eps, min_samples=args.min_points, algorithm="auto", n_jobs=1)
            start = time.perf_counter()
            model.fit(points)
            best = min(best, time.perf_counter() - start)
            labels = model.labels_
    np.savetxt(args.labels_out, labels, fmt="%d")
    clusters = int(labels.max() + 1) if labels.size else 0
    print(json.dumps({"seconds": best, "clusters": clusters,
                      "noise": int(np.sum(labels < 0)), "impl": "sklearn"}))


def label_mismatches(a, b):
    """Points whose labels differ after the best renumbering: 0 when the two clusterings are
    equal up to a renumbering of the clusters (noise must be noise on both sides)."""
    if a.shape != b.shape:
        return max(len(a), len(b))
    both = np.stack([a, b], axis=1)
    pairs, counts = np.unique(both, axis=0, return_counts=True)
    # Greedy one-to-one matching of clusters by overlap (noise only matches noise).
    used_a, used_b, agreed = set(), set(), 0
    for (x, y), c in sorted(zip(map(tuple, pairs), counts), key=lambda t: -t[1]):
        if (x < 0) != (y < 0) or x in used_a or y in used_b:
            continue
        used_a.add(x)
        used_b.add(y)
        agreed += c
    return int(len(a) - agreed)


# ---------------------------------------------------------------------------- VAE (NumPy)

class NumpyVAE:
    """70 -> H tanh -> (mu, log sigma^2) L -> H tanh -> 70, as VariationalAutoencoder.swift:
    log sigma^2 = 10 tanh(r / 10), loss per row = sum of squared errors + beta KL, mean over the
    batch, Adam, Glorot-uniform weights, zero biases, reshuffled every epoch."""

    def __init__(self, d, h, l, rng, lr=1e-3, beta=1.0):
        def glorot(a, b):
            limit = np.sqrt(6.0 / (a + b))
            return rng.uniform(-limit, limit, size=(a, b))
        self.p = {"W1": glorot(d, h), "b1": np.zeros(h), "Wm": glorot(h, l), "bm": np.zeros(l),
                  "Ws": glorot(h, l), "bs": np.zeros(l), "W3": glorot(l, h), "b3": np.zeros(h),
                  "W4": glorot(h, d), "b4": np.zeros(d)}
        self.m = {k: np.zeros_like(v) for k, v in self.p.items()}
        self.v = {k: np.zeros_like(v) for k, v in self.p.items()}
        self.t, self.lr, self.beta, self.rng = 0, lr, beta, rng

    def step(self, x):
        p, beta, b = self.p, self.beta, x.shape[0]
        h = np.tanh(x @ p["W1"] + p["b1"])
        mu = h @ p["Wm"] + p["bm"]
        r = h @ p["Ws"] + p["bs"]
        tr = np.tanh(r / 10.0)
        logvar = 10.0 * tr
        var = np.exp(logvar)
        sigma = np.sqrt(var)
        eps = self.rng.standard_normal(mu.shape)
        z = mu + sigma * eps
        g = np.tanh(z @ p["W3"] + p["b3"])
        xhat = g @ p["W4"] + p["b4"]
        diff = xhat - x
        loss = (np.sum(diff * diff) - 0.5 * beta * np.sum(1 + logvar - mu * mu - var)) / b

        dxhat = (2.0 / b) * diff
        grads = {"W4": g.T @ dxhat, "b4": dxhat.sum(axis=0)}
        da3 = (dxhat @ p["W4"].T) * (1 - g * g)
        grads["W3"], grads["b3"] = z.T @ da3, da3.sum(axis=0)
        dz = da3 @ p["W3"].T
        dmu = dz + (beta / b) * mu
        dlogvar = dz * eps * 0.5 * sigma + (0.5 * beta / b) * (var - 1)
        dr = dlogvar * (1 - tr * tr)
        grads["Wm"], grads["bm"] = h.T @ dmu, dmu.sum(axis=0)
        grads["Ws"], grads["bs"] = h.T @ dr, dr.sum(axis=0)
        da1 = (dmu @ p["Wm"].T + dr @ p["Ws"].T) * (1 - h * h)
        grads["W1"], grads["b1"] = x.T @ da1, da1.sum(axis=0)

        self.t += 1
        c1, c2 = 1 - 0.9 ** self.t, 1 - 0.999 ** self.t
        for k, grad in grads.items():
            m, v = self.m[k], self.v[k]
            m *= 0.9
            m += 0.1 * grad
            v *= 0.999
            v += 0.001 * grad * grad
            p[k] -= self.lr * (m / c1) / (np.sqrt(v / c2) + 1e-8)
        return loss

    def reconstruction_errors(self, x):
        p = self.p
        h = np.tanh(x @ p["W1"] + p["b1"])
        mu = h @ p["Wm"] + p["bm"]
        xhat = np.tanh(mu @ p["W3"] + p["b3"]) @ p["W4"] + p["b4"]
        return np.sum((xhat - x) ** 2, axis=1)


def train_numpy_vae(data, epochs, batch, hidden, latent, seed=42):
    rng = np.random.default_rng(seed)
    vae = NumpyVAE(data.shape[1], hidden, latent, rng)
    losses = []
    for _ in range(epochs):
        order = rng.permutation(len(data))
        total = 0.0
        for start in range(0, len(data), batch):
            rows = data[order[start:start + batch]]
            total += vae.step(rows) * len(rows)
        losses.append(total / len(data))
    return vae, losses


def torch_available():
    try:
        import torch  # noqa: F401
        return True
    except ImportError:
        return False


def train_torch_vae(data, epochs, batch, hidden, latent, seed=42):
    import torch
    torch.set_num_threads(1)
    torch.manual_seed(seed)
    dtype = torch.float64  # the Swift side computes in Double

    class VAE(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.enc = torch.nn.Linear(data.shape[1], hidden, dtype=dtype)
            self.mu = torch.nn.Linear(hidden, latent, dtype=dtype)
            self.logvar = torch.nn.Linear(hidden, latent, dtype=dtype)
            self.dec = torch.nn.Linear(latent, hidden, dtype=dtype)
            self.out = torch.nn.Linear(hidden, data.shape[1], dtype=dtype)
            for layer in (self.enc, self.mu, self.logvar, self.dec, self.out):
                torch.nn.init.xavier_uniform_(layer.weight)
                torch.nn.init.zeros_(layer.bias)

        def forward(self, x):
            h = torch.tanh(self.enc(x))
            mu = self.mu(h)
            logvar = 10.0 * torch.tanh(self.logvar(h) / 10.0)
            z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
            return self.out(torch.tanh(self.dec(z))), mu, logvar

    model = VAE()
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-3)
    x_all = torch.from_numpy(data)
    losses = []
    for _ in range(epochs):
        order = torch.randperm(len(data))
        total = 0.0
        for start in range(0, len(data), batch):
            x = x_all[order[start:start + batch]]
            xhat, mu, logvar = model(x)
            rec = ((xhat - x) ** 2).sum(dim=1)
            kl = -0.5 * (1 + logvar - mu * mu - logvar.exp()).sum(dim=1)
            loss = (rec + kl).mean()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total += loss.item() * len(x)
        losses.append(total / len(data))
    return model, losses


def cmd_vae(args):
    data = read_matrix(args.data)
    impl = "torch" if torch_available() and not args.numpy else "numpy"
    train = train_torch_vae if impl == "torch" else train_numpy_vae
    best = float("inf")
    with limit_threads() or _null():
        for _ in range(args.repeat):
            start = time.perf_counter()
            _, losses = train(data, args.epochs, args.batch, args.hidden, args.latent)
            best = min(best, time.perf_counter() - start)
    print(json.dumps({"seconds": best, "impl": impl, "first_loss": losses[0], "last_loss": losses[-1]}))


# ---------------------------------------------------------------------------- ensemble

def robust_scaler(x):
    center = np.median(x, axis=0)
    iqr = np.quantile(x, 0.75, axis=0) - np.quantile(x, 0.25, axis=0)
    return center, np.where(iqr > 1e-12, iqr, 1.0)


def sequence_matrix(x, length=SEQUENCE):
    padded = np.vstack([np.repeat(x[:1], length - 1, axis=0), x])
    windows = np.lib.stride_tricks.sliding_window_view(padded, length, axis=0)  # (n, d, T)
    return np.ascontiguousarray(windows.transpose(0, 2, 1).reshape(len(x), -1))


def calibration(scores):
    s = np.sort(scores)
    return s, max(s[-1] - np.quantile(s, 0.9), 1e-9 * max(1.0, abs(s[-1])))


def percentile(cal, raw):
    s, tau = cal
    n = len(s)
    if raw > s[-1]:
        return (n + (1 - np.exp(-(raw - s[-1]) / tau))) / (n + 1)
    return np.searchsorted(s, raw, side="right") / (n + 1)


def surprise(cal, raw):
    s, tau = cal
    n = len(s)
    if raw > s[-1]:
        return min(np.log10(n + 1) + (raw - s[-1]) / tau / np.log(10), 1000.0)
    return -np.log10(max(1 - percentile(cal, raw), 1e-300))


def retrain_reference(windows, vae_impl, seed=42):
    from sklearn.cluster import DBSCAN
    from sklearn.neighbors import KDTree, NearestNeighbors
    from sklearn.preprocessing import StandardScaler

    n = len(windows)
    rng = np.random.default_rng(seed)
    order = rng.permutation(n)
    hold = max(10, int(round(n * 0.2)))
    is_cal = np.zeros(n, dtype=bool)
    is_cal[order[:hold]] = True
    fit_idx, cal_idx = np.flatnonzero(~is_cal), np.flatnonzero(is_cal)

    # DBSCAN
    scaler = StandardScaler().fit(windows[fit_idx])
    train = scaler.transform(windows[fit_idx])
    probes = train[rng.choice(len(train), size=min(1000, len(train)), replace=False)]
    kdist, _ = NearestNeighbors(n_neighbors=5).fit(train).kneighbors(probes)
    eps = max(float(np.quantile(kdist[:, -1], 0.95)), 1e-3)
    db = DBSCAN(eps=eps, min_samples=5, algorithm="auto", n_jobs=1).fit(train)
    core = train[db.core_sample_indices_] if len(db.core_sample_indices_) else train
    core_tree = KDTree(core)
    db_scores = core_tree.query(scaler.transform(windows[cal_idx]), k=1)[0][:, 0] / eps

    # VAE
    center, scale = robust_scaler(windows[fit_idx])
    sequences = sequence_matrix((windows - center) / scale)
    if vae_impl == "torch":
        import torch
        model, _ = train_torch_vae(sequences[fit_idx], 50, 64, 32, 4, seed)
        with torch.no_grad():
            x = torch.from_numpy(sequences[cal_idx])
            h = torch.tanh(model.enc(x))
            xhat = model.out(torch.tanh(model.dec(model.mu(h))))
            vae_scores = ((xhat - x) ** 2).sum(dim=1).numpy()
        p = {k: v.detach().numpy() for k, v in model.state_dict().items()}
        weights = {"W1": p["enc.weight"].T, "b1": p["enc.bias"], "Wm": p["mu.weight"].T, "bm": p["mu.bias"],
                   "W3": p["dec.weight"].T, "b3": p["dec.bias"], "W4": p["out.weight"].T, "b4": p["out.bias"]}
    else:
        model, _ = train_numpy_vae(sequences[fit_idx], 50, 64, 32, 4, seed)
        vae_scores = model.reconstruction_errors(sequences[cal_idx])
        weights = {k: np.ascontiguousarray(v) for k, v in model.p.items()}

    # ZMAD
    history = windows[fit_idx][-600:]
    median = np.median(history, axis=0)
    absolute = np.abs(history - median)
    mad = np.median(absolute, axis=0)
    mean_ad = absolute.mean(axis=0)
    denominators = np.where(mad > 0, mad / 0.6745, np.where(mean_ad > 0, 1.253314 * mean_ad, 0.0))
    safe = np.where(denominators > 0, denominators, 1.0)
    z_scores = np.max(np.abs((windows[cal_idx] - median) / safe), axis=1)

    return {"scaler": (scaler.mean_.copy(), scaler.scale_.copy()), "core_tree": core_tree,
            "db_cal": calibration(db_scores), "vae_scaler": (center, scale), "vae": weights,
            "vae_cal": calibration(vae_scores), "zmad": (median, denominators, safe),
            "zmad_cal": calibration(z_scores), "clusters": int(db.labels_.max() + 1), "eps": eps}


def score_reference(model, vector, history):
    """One vector: what AnomalyEnsemble.score computes, in NumPy."""
    mean, std = model["scaler"]
    db_raw = model["core_tree"].query(((vector - mean) / std)[None, :], k=1)[0][0, 0] / model["eps"]
    center, scale = model["vae_scaler"]
    recent = history[-(SEQUENCE - 1):]
    steps = [recent[0]] * (SEQUENCE - 1 - len(recent)) + list(recent) + [vector]
    x = ((np.asarray(steps) - center) / scale).reshape(-1)
    w = model["vae"]
    h = np.tanh(x @ w["W1"] + w["b1"])
    xhat = np.tanh((h @ w["Wm"] + w["bm"]) @ w["W3"] + w["b3"]) @ w["W4"] + w["b4"]
    vae_raw = float(np.sum((xhat - x) ** 2))
    median, denominators, safe = model["zmad"]
    z = np.where(denominators > 0, (vector - median) / safe,
                 np.where(vector == median, 0.0, np.sign(vector - median) * 10.0))
    z_raw = float(np.max(np.abs(z)))
    result = []
    for raw, cal in ((db_raw, model["db_cal"]), (vae_raw, model["vae_cal"]), (z_raw, model["zmad_cal"])):
        result.append((percentile(cal, raw), surprise(cal, raw)))
    votes = sum(p >= 0.99 for p, _ in result)
    weighted = sum(p for p, _ in result) / 3
    weighted_surprise = sum(s for _, s in result) / 3
    return votes, weighted, weighted_surprise, z


def cmd_retrain(args):
    windows = read_matrix(args.data)
    impl = "torch" if torch_available() and not args.numpy else "numpy"
    with limit_threads() or _null():
        best = float("inf")
        for _ in range(args.repeat):
            start = time.perf_counter()
            model = retrain_reference(windows, impl)
            best = min(best, time.perf_counter() - start)
    print(json.dumps({"seconds": best, "impl": impl, "clusters": model["clusters"], "eps": model["eps"]}))


def cmd_score(args):
    windows = read_matrix(args.data)
    with limit_threads() or _null():
        model = retrain_reference(windows, "numpy")
        rows = [windows[i] for i in range(len(windows))]
        for i in range(SEQUENCE, SEQUENCE + 200):  # warm-up
            score_reference(model, rows[i], rows[i - SEQUENCE + 1:i])
        times = []
        for c in range(args.calls):
            i = SEQUENCE + c % (len(rows) - SEQUENCE)
            history = rows[i - SEQUENCE + 1:i]
            start = time.perf_counter_ns()
            score_reference(model, rows[i], history)
            times.append(time.perf_counter_ns() - start)
    print(json.dumps({"microseconds": float(np.median(times)) / 1e3, "calls": args.calls, "impl": "numpy+sklearn"}))


# ---------------------------------------------------------------------------- report lines

def load(path):
    if not path or not os.path.exists(path):
        return None
    with open(path) as f:
        text = f.read().strip()
    try:
        return json.loads(text.splitlines()[-1]) if text else None
    except json.JSONDecodeError:
        return None


def fmt_seconds(result, key="seconds"):
    return f"{result[key]:.3f}s" if result else "n/a"


def ratio(swift, reference, key):
    if not swift or not reference or swift[key] <= 0:
        return "n/a"
    return f"{reference[key] / swift[key]:.2f}"


def cmd_line(args):
    swift, ref = load(args.swift), load(args.reference)
    name = args.name
    if name.startswith("dbscan_fit_"):
        equal, mismatched = "n/a", None
        if args.swift_labels and args.reference_labels and swift and ref:
            try:
                mismatched = label_mismatches(read_labels(args.swift_labels), read_labels(args.reference_labels))
                equal = str(mismatched == 0).lower()
            except (OSError, ValueError):
                pass
        extra = ""
        if mismatched:
            extra += f" mismatched_points={mismatched}"
        if args.params:
            with open(args.params) as f:
                p = json.load(f)["dbscan"][name.rsplit("_", 1)[1]]
            extra += f" eps={p['eps']} min_points={p['min_points']} mean_neighbourhood={p['mean_neighbourhood']}"
        if swift or ref:
            side = swift or ref
            extra += f" clusters={side.get('clusters')} noise={side.get('noise')}"
        print(f"{name}: swift={fmt_seconds(swift)} reference={fmt_seconds(ref)} "
              f"ratio={ratio(swift, ref, 'seconds')} labels_equal={equal}{extra}")
    elif name.startswith("vae_train"):
        impl = ref.get("impl", "n/a") if ref else "n/a"
        print(f"{name}: swift={fmt_seconds(swift)} reference={fmt_seconds(ref)} "
              f"ratio={ratio(swift, ref, 'seconds')} reference_impl={impl}")
    elif name.startswith("retrain"):
        target = str(swift["seconds"] < 1.0).lower() if swift else "n/a"
        impl = f" reference_impl={ref['impl']}" if ref else ""
        print(f"{name}: swift={fmt_seconds(swift)} reference={fmt_seconds(ref)} "
              f"ratio={ratio(swift, ref, 'seconds')} target_lt_1s={target}{impl}")
    elif name.startswith("score"):
        s = f"{swift['microseconds']:.1f}us" if swift else "n/a"
        r = f"{ref['microseconds']:.1f}us" if ref else "n/a"
        print(f"{name}: swift={s} reference={r} ratio={ratio(swift, ref, 'microseconds')}")
    else:
        raise SystemExit(f"unknown line {name}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("generate")
    p.add_argument("--out", required=True)
    p = sub.add_parser("dbscan")
    p.add_argument("--data", required=True)
    p.add_argument("--eps", type=float, required=True)
    p.add_argument("--min-points", type=int, default=MIN_SAMPLES)
    p.add_argument("--labels-out", required=True)
    p.add_argument("--repeat", type=int, default=3)
    p = sub.add_parser("vae")
    p.add_argument("--data", required=True)
    p.add_argument("--epochs", type=int, default=50)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--hidden", type=int, default=32)
    p.add_argument("--latent", type=int, default=4)
    p.add_argument("--repeat", type=int, default=1)
    p.add_argument("--numpy", action="store_true", help="NumPy even when PyTorch is importable")
    p = sub.add_parser("retrain")
    p.add_argument("--data", required=True)
    p.add_argument("--repeat", type=int, default=1)
    p.add_argument("--numpy", action="store_true")
    p = sub.add_parser("score")
    p.add_argument("--data", required=True)
    p.add_argument("--calls", type=int, default=5000)
    p = sub.add_parser("line")
    p.add_argument("name")
    p.add_argument("--swift")
    p.add_argument("--reference")
    p.add_argument("--swift-labels")
    p.add_argument("--reference-labels")
    p.add_argument("--params", help="params.json from generate (eps etc. on the DBSCAN lines)")
    args = parser.parse_args()
    {"generate": cmd_generate, "dbscan": cmd_dbscan, "vae": cmd_vae, "retrain": cmd_retrain,
     "score": cmd_score, "line": cmd_line}[args.command](args)


if __name__ == "__main__":
    main()
