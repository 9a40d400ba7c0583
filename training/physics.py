"""Differentiable PyTorch port of the solver's pressure physics (the foundation of a physics loss).

Mirrors, operation for operation, the WGSL kernels the runtime uses:

* `build_pressure_system`: `buildPressureSystem` in shaders/solver/pressure-system.wgsl. Per liquid cell
  (level set < 0, solid level set >= 0): `diag` counts liquid neighbours plus 1/theta per air
  neighbour (ghost fluid, theta = clamp(phi_l / (phi_l - phi_a), thetaMin, 1)); solid cells and
  the grid walls drop out (Neumann); the right-hand side is b = -(density*dx/dt) * (net outflow of
  the cell's faces) from the pre-projection MAC velocity. Cells sealed in by solids (diag = 0) and
  non-liquid cells are inactive (the GPU stores zeros there and sets p = 0).
* `project_velocity`: `projectVelocity` in shaders/solver/project.wgsl, u -= dt/(density*dx) (p_b - p_a)
  on every interior face between two non-solid cells of which at least one is liquid, an air side
  taking the ghost value p_liquid * (1 - 1/theta).
* `divergence_after`: the divergence (1/s) per active cell that projecting with a pressure
  leaves, -r * dt / (density * dx^2) with the residual r = b + sum_{liquid nbrs} p_j - diag * p_i:
  the formula of the GPU's residual check (`residualPartial` in pressure-jacobi.wgsl and
  `residualCheck` in pressure-convergence.wgsl, criterion "divergence-rms"). It equals the
  discrete divergence of `project_velocity`'s output (the projection uses the same ghost values).

Layouts follow the solver's buffers (src/solver/liquid-fields.ts, shaders/solver/common.wgsl): cell
fields are tensors [..., nz, ny, nx] (cell (i, j, k) at [..., k, j, i]); the MAC velocity is three
tensors u [..., nz, ny, nx+1], v [..., nz, ny+1, nx], w [..., nz+1, ny, nx]. Leading batch
dimensions are allowed. Gradients flow through the pressure and the velocity; the level sets only
select cells and ghost fractions (no gradient), as on the GPU.

Works on torch 1.13 (CPU) and 2.x (CUDA); nothing here needs more than elementwise ops.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

# Axis a of the grid (0 = x, 1 = y, 2 = z) is tensor dimension AXIS_DIM[a] of a cell field.
AXIS_DIM = (-1, -2, -3)


def _shift(x: torch.Tensor, axis: int, step: int, fill) -> torch.Tensor:
    """Value at cell c + step * e_axis for every cell c (`fill` outside the grid); step is +-1."""
    dim = AXIS_DIM[axis]
    n = x.shape[dim]
    pad_shape = list(x.shape)
    pad_shape[dim] = 1
    pad = torch.full(pad_shape, fill, dtype=x.dtype, device=x.device)
    if step > 0:
        return torch.cat([x.narrow(dim, 1, n - 1), pad], dim)
    return torch.cat([pad, x.narrow(dim, 0, n - 1)], dim)


def ghost_theta(phi_liquid: torch.Tensor, phi_air: torch.Tensor, theta_min: float) -> torch.Tensor:
    """`ghostTheta` of common.wgsl; only meaningful where phi_liquid < 0 <= phi_air (elsewhere 1)."""
    denom = phi_liquid - phi_air
    ok = (phi_liquid < 0) & (phi_air >= 0) & (denom != 0)
    safe = torch.where(ok, denom, torch.ones_like(denom))
    theta = torch.where(ok, phi_liquid / safe, torch.ones_like(denom))
    return theta.clamp(theta_min, 1.0)


@dataclass
class PressureSystem:
    """The assembled system of one step (all [..., nz, ny, nx])."""

    diag: torch.Tensor      # 0 in inactive cells
    b: torch.Tensor         # 0 in inactive cells (Pa, same units as diag * p)
    active: torch.Tensor    # bool: liquid cells with diag > 0
    neighbours: tuple       # 6 bool tensors, liquid-neighbour flags in the GPU's bit order (-x,+x,-y,+y,-z,+z)
    liquid: torch.Tensor    # bool: phi < 0 and solid phi >= 0
    dx: float
    dt: float
    density: float

    @property
    def mask_bits(self) -> torch.Tensor:
        """The GPU's liquid-neighbour bitmask as float (system.z), 0 in inactive cells."""
        bits = torch.zeros_like(self.diag)
        for k, m in enumerate(self.neighbours):
            bits = bits + m.to(bits.dtype) * float(1 << k)
        return torch.where(self.active, bits, torch.zeros_like(bits))

    def neighbour_sum(self, p: torch.Tensor) -> torch.Tensor:
        """sum over liquid neighbours of p (in the GPU's order)."""
        s = torch.zeros_like(p)
        for k, m in enumerate(self.neighbours):
            axis, side = divmod(k, 2)
            s = s + torch.where(m, _shift(p, axis, 1 if side else -1, 0.0), torch.zeros_like(p))
        return s

    def residual(self, p: torch.Tensor) -> torch.Tensor:
        """r = b + sum_{liquid nbrs} p_j - diag * p_i in active cells, 0 elsewhere."""
        r = self.b + self.neighbour_sum(p) - self.diag * p
        return torch.where(self.active, r, torch.zeros_like(r))

    @property
    def divergence_scale(self) -> float:
        """dt / (density dx^2): residual -> divergence (1/s)."""
        return self.dt / (self.density * self.dx * self.dx)


def system_residual(p, rhs, diag):
    """`PressureSystem.residual` from a system stored as arrays (the dataset's rhs.npy and
    diag.npy): b + sum_{active nbrs} p_j - diag p_i at the active cells (diag > 0; zero
    elsewhere), for fields [..., nz, ny, nx]. A neighbour is a liquid neighbour exactly when it
    is active (a liquid cell sealed in by solids, the only inactive liquid cell, has no
    non-solid neighbour), so diag alone gives the neighbour flags."""
    active = diag > 0
    pa = torch.where(active, p, torch.zeros_like(p))
    r = rhs - diag * pa
    for axis in range(3):
        r = r + _shift(pa, axis, 1, 0.0) + _shift(pa, axis, -1, 0.0)
    return torch.where(active, r, torch.zeros_like(r))


def build_pressure_system(phi: torch.Tensor, solid_phi: torch.Tensor, u: torch.Tensor, v: torch.Tensor,
                          w: torch.Tensor, dx: float, dt: float, density: float, theta_min: float) -> PressureSystem:
    """Port of buildPressureSystem (see the module docstring). u, v, w: pre-projection MAC velocity."""
    solid = solid_phi < 0
    liquid = (phi < 0) & ~solid
    diag = torch.zeros_like(phi)
    neighbours = []
    for axis in range(3):
        for step in (-1, 1):
            in_grid = _shift(torch.ones_like(liquid), axis, step, False)
            solid_n = _shift(solid, axis, step, True)
            liquid_n = _shift(liquid, axis, step, False)
            phi_n = _shift(phi, axis, step, 0.0)
            open_n = in_grid & ~solid_n
            liq = open_n & liquid_n
            air = open_n & ~liquid_n
            theta = ghost_theta(phi, phi_n, theta_min)
            diag = diag + torch.where(liq, torch.ones_like(diag), torch.zeros_like(diag)) \
                + torch.where(air, 1.0 / theta, torch.zeros_like(diag))
            neighbours.append(liq & liquid)
    outflow = (u[..., 1:] - u[..., :-1]) + (v[..., 1:, :] - v[..., :-1, :]) + (w[..., 1:, :, :] - w[..., :-1, :, :])
    active = liquid & (diag != 0)
    coef = -density * dx / dt
    b = torch.where(active, coef * outflow, torch.zeros_like(outflow))
    diag = torch.where(active, diag, torch.zeros_like(diag))
    return PressureSystem(diag=diag, b=b, active=active, neighbours=tuple(m & active for m in neighbours),
                          liquid=liquid, dx=dx, dt=dt, density=density)


def project_velocity(p: torch.Tensor, phi: torch.Tensor, solid_phi: torch.Tensor, u: torch.Tensor, v: torch.Tensor,
                     w: torch.Tensor, dx: float, dt: float, density: float, theta_min: float):
    """Port of projectVelocity: returns the projected (u, v, w); faces it does not touch keep their value."""
    scale = dt / (density * dx)
    solid = solid_phi < 0
    out = []
    for axis, vel in enumerate((u, v, w)):
        dim = AXIS_DIM[axis]
        n = phi.shape[dim]
        # Interior faces 1..n-1 of this axis sit between cells a = f - e and b = f.
        pa, pb = p.narrow(dim, 0, n - 1), p.narrow(dim, 1, n - 1)
        phia, phib = phi.narrow(dim, 0, n - 1), phi.narrow(dim, 1, n - 1)
        sa, sb = solid.narrow(dim, 0, n - 1), solid.narrow(dim, 1, n - 1)
        la, lb = phia < 0, phib < 0
        pa_g = torch.where(la, pa, pb * (1.0 - 1.0 / ghost_theta(phib, phia, theta_min)))
        pb_g = torch.where(lb, pb, pa_g * (1.0 - 1.0 / ghost_theta(phia, phib, theta_min)))
        update = ~sa & ~sb & (la | lb)
        inner = vel.narrow(dim, 1, n - 1)
        inner = torch.where(update, inner - scale * (pb_g - pa_g), inner)
        out.append(torch.cat([vel.narrow(dim, 0, 1), inner, vel.narrow(dim, n, 1)], dim))
    return tuple(out)


def divergence_after(system: PressureSystem, p: torch.Tensor) -> torch.Tensor:
    """Divergence (1/s) per active cell left by projecting with `p` (0 in inactive cells)."""
    return -system.residual(p) * system.divergence_scale


def divergence_rms(system: PressureSystem, p: torch.Tensor) -> torch.Tensor:
    """RMS of `divergence_after` over active cells (per batch entry): the GPU check's divergenceRms."""
    d = divergence_after(system, p)
    count = system.active.to(d.dtype).sum(dim=(-3, -2, -1)).clamp(min=1.0)
    return torch.sqrt(d.pow(2).sum(dim=(-3, -2, -1)) / count)


def velocity_divergence(phi: torch.Tensor, solid_phi: torch.Tensor, u: torch.Tensor, v: torch.Tensor,
                        w: torch.Tensor, dx: float) -> torch.Tensor:
    """Discrete divergence (1/s) of a MAC velocity in liquid cells (0 elsewhere)."""
    liquid = (phi < 0) & (solid_phi >= 0)
    div = ((u[..., 1:] - u[..., :-1]) + (v[..., 1:, :] - v[..., :-1, :]) + (w[..., 1:, :, :] - w[..., :-1, :, :])) / dx
    return torch.where(liquid, div, torch.zeros_like(div))


def mac_from_flat(flat: torch.Tensor, dims) -> tuple:
    """The solver's packed velocity buffer [u | v | w] (float32) -> (u, v, w) tensors; dims = (nx, ny, nz)."""
    nx, ny, nz = dims
    cu, cv = (nx + 1) * ny * nz, nx * (ny + 1) * nz
    u = flat[:cu].reshape(nz, ny, nx + 1)
    v = flat[cu:cu + cv].reshape(nz, ny + 1, nx)
    w = flat[cu + cv:].reshape(nz + 1, ny, nx)
    return u, v, w
