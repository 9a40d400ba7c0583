"""Compares training/physics.py with the GPU kernels on a dumped solver state (test/training-physics.test.ts).

    /usr/bin/python3 -m training.physics_check DIR

DIR holds `meta.json` ({dims: [nx, ny, nz], cellSize, dt, density, thetaMin, cases: [{name,
pressure, projected, divergenceRms}]}) and raw little-endian float32 files: `phi.bin`,
`solid.bin` (cells), `velocity.bin` (the packed pre-projection MAC velocity), `system.bin`
(vec4 per cell: 1/diag, b/diag, neighbour mask, diag) and, per case, the pressure it projects
with and the velocity the GPU's projectVelocity made from it. Prints one JSON object of
measured differences and float32 error bounds; the test asserts on them.
"""
from __future__ import annotations

import json
import os
import sys

import numpy as np
import torch

from . import physics

EPS32 = float(np.finfo(np.float32).eps)


def _load(d, name):
    return torch.from_numpy(np.fromfile(os.path.join(d, name), dtype="<f4").astype(np.float32))


def _rms(x):
    return float(torch.sqrt((x.double() ** 2).mean())) if x.numel() else 0.0


def _ghost_faces(phi, solid, low):
    """Interior faces between two non-solid cells with air on the low (a = f - e) or high side and liquid on the other."""
    n = 0
    for dim in physics.AXIS_DIM:
        k = phi.shape[dim]
        la, lb = phi.narrow(dim, 0, k - 1) < 0, phi.narrow(dim, 1, k - 1) < 0
        open_ = (solid.narrow(dim, 0, k - 1) >= 0) & (solid.narrow(dim, 1, k - 1) >= 0)
        n += int((open_ & (~la & lb if low else la & ~lb)).sum())
    return n


def check(d):
    with open(os.path.join(d, "meta.json")) as f:
        meta = json.load(f)
    nx, ny, nz = meta["dims"]
    dx, dt, rho, tmin = meta["cellSize"], meta["dt"], meta["density"], meta["thetaMin"]
    cells = (nz, ny, nx)
    phi = _load(d, "phi.bin").reshape(cells)
    solid = _load(d, "solid.bin").reshape(cells)
    u, v, w = physics.mac_from_flat(_load(d, "velocity.bin"), (nx, ny, nz))
    gpu = _load(d, "system.bin").reshape(nz, ny, nx, 4)

    sysm = physics.build_pressure_system(phi, solid, u, v, w, dx, dt, rho, tmin)
    act = sysm.active
    gpu_active = gpu[..., 3] != 0
    inv_diag = torch.where(act, 1.0 / torch.where(act, sysm.diag, torch.ones_like(sysm.diag)), torch.zeros_like(sysm.diag))
    b_over = torch.where(act, sysm.b * inv_diag, torch.zeros_like(sysm.b))
    out = {
        "cells": int(phi.numel()),
        "activeCells": int(act.sum()),
        "liquidCells": int(sysm.liquid.sum()),
        "solidCells": int((solid < 0).sum()),
        # Cells next to air (some neighbour is neither liquid nor solid nor a wall): ghost-fluid terms used.
        "surfaceCells": int((act & (sysm.diag != sysm.diag.round())).sum()),
        # Faces the projection gives a ghost value on the low side (air below/behind liquid) or the high side.
        "ghostFacesLow": _ghost_faces(phi, solid, low=True),
        "ghostFacesHigh": _ghost_faces(phi, solid, low=False),
        "activeMismatch": int((act != gpu_active).sum()),
        "maskMismatch": int((sysm.mask_bits != gpu[..., 2]).sum()),
        "diagMaxAbs": float((sysm.diag - gpu[..., 3]).abs().max()),
        "diagScale": float(gpu[..., 3].abs().max()),
        "invDiagMaxAbs": float((inv_diag - gpu[..., 0]).abs().max()),
        "bOverDiagMaxAbs": float((b_over - gpu[..., 1]).abs().max()),
        "bOverDiagScale": float(gpu[..., 1].abs().max()),
        "cases": [],
    }
    vel_scale = max(float(t.abs().max()) for t in (u, v, w))
    for case in meta["cases"]:
        p = _load(d, case["pressure"]).reshape(cells).requires_grad_(True)
        pu, pv, pw = physics.mac_from_flat(_load(d, case["projected"]), (nx, ny, nz))
        mu, mv, mw = physics.project_velocity(p, phi, solid, u, v, w, dx, dt, rho, tmin)
        proj_diff = max(float((a - b).abs().max()) for a, b in ((mu, pu), (mv, pv), (mw, pw)))
        change = max(float((a - b).abs().max()) for a, b in ((pu, u), (pv, v), (pw, w)))
        div = physics.divergence_after(sysm, p)
        rms = float(physics.divergence_rms(sysm, p))
        # Float32 rounding bound of the residual per cell: a handful of roundings of the terms
        # b, p_j and diag*p it sums (the GPU computes diag*(sum/diag + b/diag - p)).
        nsum_abs = sysm.neighbour_sum(p.detach().abs())
        term = (sysm.b.abs() + nsum_abs + sysm.diag * p.detach().abs()) * sysm.divergence_scale
        bound = 16 * EPS32 * torch.where(act, term, torch.zeros_like(term))
        # The divergence of the GPU's projected velocity, which div_after must equal.
        vdiv = physics.velocity_divergence(phi, solid, pu, pv, pw, dx)
        vdiv_bound = bound + torch.where(act, torch.full_like(term, 16 * EPS32 * max(vel_scale, change) / dx), torch.zeros_like(term))
        vdiv_excess = float((((div.detach() - vdiv).abs() - vdiv_bound).clamp(min=0)).max())
        # Gradients flow: d(mean squared divergence)/dp is finite and non-zero in active cells only.
        loss = div.pow(2).sum() / act.sum()
        loss.backward()
        g = p.grad
        out["cases"].append({
            "name": case["name"],
            "projectedMaxAbs": proj_diff,
            "velocityScale": vel_scale,
            "velocityChange": change,
            "divergenceRms": rms,
            "gpuDivergenceRms": case["divergenceRms"],
            "divergenceRmsBound": _rms(bound[act]),
            "projectedDivergenceRms": _rms(vdiv[act]),
            "divergenceVsProjectedExcess": vdiv_excess,
            "gradFinite": bool(torch.isfinite(g).all()),
            "gradNonzeroActive": int((g[act] != 0).sum()),
            "gradNonzeroInactive": int((g[~act] != 0).sum()),
        })
    return out


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m training.physics_check DIR", file=sys.stderr)
        return 2
    print(json.dumps(check(argv[0])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
