"""SYNTHETIC dataset writer: FOR TESTS AND PIPELINE DEVELOPMENT ONLY.

Never train shipped models on this. Shipped models are trained on data from the real solver
(`latent-liquid dataset --out DIR`). This module writes a small dataset in exactly the format of
docs/contracts.md so that the training pipeline can be exercised before/without real data.

Each scene is a tank of liquid with a sloshing free surface made of a few linear standing-wave
modes (dispersion relation w^2 = g k tanh(k h0), slowly damped):
    surface   eta(x, z, t) = sum_m A_m cos(kx_m x) cos(kz_m z) cos(w_m t + phase_m) exp(-damping t)
    level set phi = (y - h0 - eta) / sqrt(1 + |grad eta|^2), clamped to +-band
    total     p   = rho g (h0 - y) + rho g sum_m eta_m cosh(k_m y) / cosh(k_m h0)   (liquid only)
    hydrostatic p_s = rho g max(h0 + eta - y, 0)                                    (liquid only)
so the dynamic part p - p_s is smooth, time-varying and vanishes at the surface. index.json
carries "synthetic": true.

    /usr/bin/python3 -m training.synthetic_dataset --out DIR [--scenes 6] [--frames 40]
        [--resolution 16 16 16] [--seed 0]
"""
from __future__ import annotations

import argparse
import json
import os

import numpy as np

GRAVITY = 9.81
DENSITY = 1000.0
DT = 1.0 / 60.0
BAND_CELLS = 6.0


def _scene_fields(rng, res, cell, frames):
    nx, ny, nz = res
    lx, ly, lz = nx * cell, ny * cell, nz * cell
    x = (np.arange(nx) + 0.5) * cell
    y = (np.arange(ny) + 0.5) * cell
    z = (np.arange(nz) + 0.5) * cell
    Z, Y, X = np.meshgrid(z, y, x, indexing="ij")  # [nz, ny, nx]
    h0 = rng.uniform(0.3, 0.6) * ly
    modes = []
    for _ in range(rng.randint(2, 4)):
        mx, mz = rng.randint(0, 3), rng.randint(0, 3)
        if mx == 0 and mz == 0:
            mx = 1
        kx, kz = mx * np.pi / lx, mz * np.pi / lz
        k = float(np.hypot(kx, kz))
        modes.append(dict(kx=kx, kz=kz, k=k, w=float(np.sqrt(GRAVITY * k * np.tanh(k * h0))),
                          amp=float(rng.uniform(0.02, 0.08) * ly / (1 + mx + mz)),
                          phase=float(rng.uniform(0, 2 * np.pi))))
    damping = float(rng.uniform(0.05, 0.4))
    shape = (frames, nz, ny, nx)
    p = np.zeros(shape, np.float32)
    ps = np.zeros(shape, np.float32)
    phi = np.zeros(shape, np.float32)
    band = BAND_CELLS * cell
    for f in range(frames):
        t = f * DT
        eta = np.zeros_like(X)
        deta_x = np.zeros_like(X)
        deta_z = np.zeros_like(X)
        dyn = np.zeros_like(X)
        for m in modes:
            a = m["amp"] * np.cos(m["w"] * t + m["phase"]) * np.exp(-damping * t)
            cx, cz = np.cos(m["kx"] * X), np.cos(m["kz"] * Z)
            e = a * cx * cz
            eta += e
            deta_x += -a * m["kx"] * np.sin(m["kx"] * X) * cz
            deta_z += -a * m["kz"] * cx * np.sin(m["kz"] * Z)
            dyn += e * np.cosh(m["k"] * Y) / np.cosh(m["k"] * h0)
        surface = h0 + eta
        sdf = (Y - surface) / np.sqrt(1 + deta_x ** 2 + deta_z ** 2)
        liquid = sdf < 0
        phi[f] = np.clip(sdf, -band, band)
        ps[f] = np.where(liquid, DENSITY * GRAVITY * np.maximum(surface - Y, 0), 0)
        p[f] = np.where(liquid, DENSITY * GRAVITY * (h0 - Y + dyn), 0)
    params = dict(fillLevel=h0, damping=damping, modes=modes)
    return p, ps, phi, params


def write_synthetic_dataset(out, scenes=6, frames=40, resolution=(16, 16, 16), seed=0):
    """Writes a synthetic dataset (tests only) and returns the path of its index.json."""
    nx, ny, nz = resolution
    cell = 1.0 / max(resolution)
    os.makedirs(out, exist_ok=True)
    entries = []
    for s in range(scenes):
        sid = f"scene_{s:05d}"
        scene_seed = int(np.random.RandomState(seed).randint(0, 2 ** 31 - 1, size=scenes)[s])
        rng = np.random.RandomState(scene_seed)
        p, ps, phi, params = _scene_fields(rng, resolution, cell, frames)
        d = os.path.join(out, sid)
        os.makedirs(d, exist_ok=True)
        np.save(os.path.join(d, "pressure.npy"), p)
        np.save(os.path.join(d, "hydrostatic.npy"), ps)
        np.save(os.path.join(d, "levelset.npy"), phi)
        np.save(os.path.join(d, "gravity.npy"), np.tile(np.float32([0, -GRAVITY, 0]), (frames, 1)))
        with open(os.path.join(d, "scene.json"), "w") as f:
            json.dump(dict(kind="synthetic-slosh", seed=scene_seed, synthetic=True, **params), f, indent=1)
        entries.append(dict(id=sid, seed=scene_seed, frames=frames, kind="synthetic-slosh", shard="0/1"))
    index = {
        "format": "latent-liquid-dataset",
        "version": 1,
        "seed": seed,
        "resolution": [nx, ny, nz],
        "cellSize": cell,
        "density": DENSITY,
        "dt": DT,
        "fields": ["pressure", "hydrostatic", "levelset"],
        "solver": {"tolerance": 0, "maxIterations": 0},
        "synthetic": True,
        "note": "SYNTHETIC analytic sloshing fields from training/synthetic_dataset.py: for tests only",
        "scenes": entries,
    }
    path = os.path.join(out, "index.json")
    with open(path, "w") as f:
        json.dump(index, f, indent=2)
    return path


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--scenes", type=int, default=6)
    ap.add_argument("--frames", type=int, default=40)
    ap.add_argument("--resolution", type=int, nargs=3, default=[16, 16, 16], metavar=("NX", "NY", "NZ"))
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    path = write_synthetic_dataset(a.out, a.scenes, a.frames, tuple(a.resolution), a.seed)
    print(f"wrote SYNTHETIC (tests only) dataset {path}: {a.scenes} scenes x {a.frames} frames "
          f"at {a.resolution}")


if __name__ == "__main__":
    main()
