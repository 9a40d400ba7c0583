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

`--system` also writes what a state model or the physics loss needs: `solid.npy` (the signed
distance to a box obstacle on the floor, < 0 inside) and each frame's pressure system
`diag.npy` (the solver's ghost-fluid diagonal, training/physics.py build_pressure_system, with
the box as solid) and `rhs.npy` = A p, so that the stored pressure solves the stored system
(the fields themselves ignore the box: synthetic). Without it the dataset is as before.

    /usr/bin/python3 -m training.synthetic_dataset --out DIR [--scenes 6] [--frames 40]
        [--resolution 16 16 16] [--seed 0] [--system]
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
THETA_MIN = 0.05  # the solver's default thetaMin (src/solver/liquid-solver.ts)


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


def _box_solid(rng, res, cell):
    """Signed distance (m) to a box on the floor, < 0 inside: [nz, ny, nx] float32."""
    nx, ny, nz = res
    half = np.array([rng.uniform(1.0, 0.15 * nx), rng.uniform(1.0, 0.2 * ny), rng.uniform(1.0, 0.15 * nz)]) * cell
    centre = np.array([rng.uniform(0.25, 0.75) * nx * cell, 0.0, rng.uniform(0.25, 0.75) * nz * cell])
    z, y, x = np.meshgrid(*[(np.arange(n) + 0.5) * cell for n in (nz, ny, nx)], indexing="ij")
    q = np.stack([np.abs(x - centre[0]), np.abs(y - centre[1]), np.abs(z - centre[2])]) - half[:, None, None, None]
    outside = np.sqrt(np.square(np.maximum(q, 0)).sum(0))
    inside = np.minimum(q.max(0), 0)
    return (outside + inside).astype(np.float32)


def _pressure_system(p, phi, solid, cell):
    """(rhs, diag) [F, nz, ny, nx] float32 of the solver's system for level sets phi and solid,
    with rhs = A p (A from diag: training/physics.py), so p is the system's solution."""
    import torch

    from .physics import build_pressure_system, system_residual
    f, nz, ny, nx = phi.shape
    t = torch.from_numpy
    phi_t, solid_t = t(phi.astype(np.float64)), t(np.broadcast_to(solid, phi.shape).astype(np.float64))
    zero = torch.zeros
    sysm = build_pressure_system(phi_t, solid_t, zero(f, nz, ny, nx + 1, dtype=torch.float64),
                                 zero(f, nz, ny + 1, nx, dtype=torch.float64),
                                 zero(f, nz + 1, ny, nx, dtype=torch.float64), cell, DT, DENSITY, THETA_MIN)
    diag = sysm.diag
    # system_residual(p, 0, diag) = -A p at active cells.
    rhs = -system_residual(t(p.astype(np.float64)), torch.zeros_like(diag), diag)
    return rhs.numpy().astype(np.float32), diag.numpy().astype(np.float32)


def write_synthetic_dataset(out, scenes=6, frames=40, resolution=(16, 16, 16), seed=0, system=False):
    """Writes a synthetic dataset (tests only) and returns the path of its index.json. `system`:
    also solid.npy, rhs.npy and diag.npy (module docstring)."""
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
        if system:
            # Its own random stream: the other fields are the same with or without --system.
            solid = _box_solid(np.random.RandomState(scene_seed + 1), resolution, cell)
            rhs, diag = _pressure_system(p, phi, solid, cell)
            np.save(os.path.join(d, "solid.npy"), np.ascontiguousarray(np.broadcast_to(solid, p.shape)))
            np.save(os.path.join(d, "rhs.npy"), rhs)
            np.save(os.path.join(d, "diag.npy"), diag)
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
        "fields": ["pressure", "hydrostatic", "levelset"] + (["rhs", "diag", "solid"] if system else []),
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
    ap.add_argument("--system", action="store_true",
                    help="also write solid.npy (a box obstacle), rhs.npy and diag.npy (for state models "
                         "and the physics loss)")
    a = ap.parse_args(argv)
    path = write_synthetic_dataset(a.out, a.scenes, a.frames, tuple(a.resolution), a.seed, a.system)
    print(f"wrote SYNTHETIC (tests only) dataset {path}: {a.scenes} scenes x {a.frames} frames "
          f"at {a.resolution}")


if __name__ == "__main__":
    main()
