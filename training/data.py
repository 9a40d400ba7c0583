"""Dataset loading, validation and network-input preparation (format: docs/contracts.md).

A dataset is `DIR/index.json` plus one folder per scene holding `pressure.npy`,
`hydrostatic.npy`, `levelset.npy` (float32 [F, nz, ny, nx]) and `gravity.npy` (float32 [F, 3]);
optionally the frame's pressure system `rhs.npy`, `diag.npy` and the solid level set `solid.npy`
(same shape; required by the physics loss and by state models).
`load_dataset` checks all of it and raises `DatasetError` with a message naming the file and
what is wrong. Liquid cells are cells with level set < 0.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

import numpy as np

FIELDS = ("pressure", "hydrostatic", "levelset")
MULTIPLE = 8  # the autoencoder downsamples by 8


class DatasetError(Exception):
    """The dataset is missing, empty or inconsistent; the message says what and where."""


@dataclass
class Scene:
    id: str
    path: str
    frames: int
    kind: str = ""
    seed: int | None = None


@dataclass
class Dataset:
    root: str
    index: dict
    resolution: tuple  # (nx, ny, nz) as in index.json
    cell_size: float
    density: float
    dt: float
    scenes: list = field(default_factory=list)

    @property
    def grid(self):
        """Array shape of one frame: (nz, ny, nx)."""
        nx, ny, nz = self.resolution
        return (nz, ny, nx)

    def scene(self, scene_id):
        for s in self.scenes:
            if s.id == scene_id:
                return s
        raise KeyError(scene_id)

    def describe(self):
        return {
            "path": os.path.abspath(self.root),
            "seed": self.index.get("seed"),
            "resolution": list(self.resolution),
            "cellSize": self.cell_size,
            "density": self.density,
            "dt": self.dt,
            "scenes": len(self.scenes),
            "frames": int(sum(s.frames for s in self.scenes)),
            "kinds": sorted({s.kind for s in self.scenes}),
            "solver": self.index.get("solver"),
            "synthetic": bool(self.index.get("synthetic", False)),
        }


def _fail(root, msg):
    raise DatasetError(f"dataset {root}: {msg}")


def _positive_number(root, index, key):
    v = index.get(key)
    if not isinstance(v, (int, float)) or isinstance(v, bool) or not np.isfinite(v) or v <= 0:
        _fail(root, f"index.json field '{key}' must be a positive number, got {v!r}")
    return float(v)


def load_dataset(root, min_frames=1, check_values=True) -> Dataset:
    """Reads and validates a dataset. `min_frames`: every scene needs at least that many frames."""
    if not os.path.isdir(root):
        _fail(root, "directory does not exist")
    index_path = os.path.join(root, "index.json")
    if not os.path.isfile(index_path):
        shards = [f for f in os.listdir(root) if f.startswith("index.shard-")]
        hint = (f" (found {len(shards)} shard indexes: run `latent-liquid dataset --merge {root}`)"
                if shards else " (is it empty? write one with `latent-liquid dataset --out DIR`)")
        _fail(root, "index.json not found" + hint)
    try:
        with open(index_path) as f:
            index = json.load(f)
    except (OSError, ValueError) as e:
        _fail(root, f"index.json is not valid JSON: {e}")
    if not isinstance(index, dict) or index.get("format") != "latent-liquid-dataset":
        _fail(root, "index.json: 'format' must be \"latent-liquid-dataset\"")
    if index.get("version") != 1:
        _fail(root, f"index.json: unsupported version {index.get('version')!r} (expected 1)")
    res = index.get("resolution")
    if (not isinstance(res, list) or len(res) != 3
            or not all(isinstance(r, int) and not isinstance(r, bool) and r > 0 for r in res)):
        _fail(root, f"index.json: 'resolution' must be three positive integers [nx, ny, nz], got {res!r}")
    if any(r % MULTIPLE for r in res):
        _fail(root, f"index.json: resolution {res} is not a multiple of {MULTIPLE} in every axis "
                    f"(the autoencoder downsamples by {MULTIPLE})")
    cell_size = _positive_number(root, index, "cellSize")
    density = _positive_number(root, index, "density")
    dt = _positive_number(root, index, "dt")
    fields = index.get("fields", list(FIELDS))
    missing = [f for f in FIELDS if f not in fields]
    if missing:
        _fail(root, f"index.json: 'fields' lacks {missing}")
    entries = index.get("scenes")
    if not isinstance(entries, list) or not entries:
        _fail(root, "index.json lists no scenes")

    ds = Dataset(root, index, tuple(res), cell_size, density, dt)
    seen = set()
    for i, e in enumerate(entries):
        if not isinstance(e, dict) or not isinstance(e.get("id"), str) or not e["id"]:
            _fail(root, f"index.json: scenes[{i}] has no string 'id'")
        sid = e["id"]
        if sid in seen:
            _fail(root, f"index.json: scene id {sid!r} appears twice")
        seen.add(sid)
        frames = e.get("frames")
        if not isinstance(frames, int) or isinstance(frames, bool) or frames < 1:
            _fail(root, f"index.json: scene {sid}: 'frames' must be a positive integer, got {frames!r}")
        if frames < min_frames:
            _fail(root, f"scene {sid} has {frames} frames, fewer than the {min_frames} needed "
                        f"(LSTM window + 4 evaluation steps)")
        path = os.path.join(root, sid)
        if not os.path.isdir(path):
            _fail(root, f"scene folder {sid}/ listed in index.json is missing")
        ds.scenes.append(Scene(sid, path, frames, str(e.get("kind", "")), e.get("seed")))
        _check_scene(ds, ds.scenes[-1], check_values)
    return ds


def _check_scene(ds, scene, check_values):
    nz, ny, nx = ds.grid
    want = {f: (scene.frames, nz, ny, nx) for f in FIELDS}
    want["gravity"] = (scene.frames, 3)
    for name, shape in want.items():
        rel = f"{scene.id}/{name}.npy"
        path = os.path.join(scene.path, name + ".npy")
        if not os.path.isfile(path):
            _fail(ds.root, f"{rel} is missing")
        try:
            arr = np.load(path, mmap_mode="r")
        except (OSError, ValueError) as e:
            _fail(ds.root, f"{rel} is not a readable .npy file: {e}")
        if arr.dtype != np.float32:
            _fail(ds.root, f"{rel} has dtype {arr.dtype}, expected float32")
        if tuple(arr.shape) != shape:
            _fail(ds.root, f"{rel} has shape {tuple(arr.shape)} but index.json (resolution "
                           f"{list(ds.resolution)} as [nx, ny, nz], frames {scene.frames}) "
                           f"expects {shape}")
        if check_values:
            for t in range(0, scene.frames, 16):
                chunk = np.asarray(arr[t:t + 16])
                bad = ~np.isfinite(chunk)
                if bad.any():
                    first = [int(v) for v in np.argwhere(bad)[0]]
                    first[0] += t
                    _fail(ds.root, f"{rel} contains {int(bad.sum())} NaN/Inf values in frames "
                                   f"{t}..{t + len(chunk) - 1} (first at index {tuple(first)})")


class SceneArrays:
    """Memory-mapped fields of one scene."""

    def __init__(self, scene: Scene):
        self.scene = scene
        self.pressure = np.load(os.path.join(scene.path, "pressure.npy"), mmap_mode="r")
        self.hydrostatic = np.load(os.path.join(scene.path, "hydrostatic.npy"), mmap_mode="r")
        self.levelset = np.load(os.path.join(scene.path, "levelset.npy"), mmap_mode="r")
        # The frame's Poisson system (datasets written since rhs/diag were added; else None).
        has_system = all(os.path.exists(os.path.join(scene.path, f"{f}.npy")) for f in ("rhs", "diag"))
        self.rhs = np.load(os.path.join(scene.path, "rhs.npy"), mmap_mode="r") if has_system else None
        self.diag = np.load(os.path.join(scene.path, "diag.npy"), mmap_mode="r") if has_system else None
        # The solid level set (datasets written since state conditioning; else None).
        solid = os.path.join(scene.path, "solid.npy")
        self.solid = np.load(solid, mmap_mode="r") if os.path.exists(solid) else None


STATE_SYSTEM_FILES = ("rhs", "diag")


def check_state_files(ds: Dataset):
    """Raises DatasetError unless every scene has the arrays a state model needs (rhs, diag, each
    [F, nz, ny, nx] float32); returns the state channels: residual, levelset, plus solid when
    every scene has solid.npy (docs/contracts.md "State conditioning")."""
    nz, ny, nx = ds.grid
    missing, with_solid = [], True
    for s in ds.scenes:
        for name in STATE_SYSTEM_FILES + ("solid",):
            path = os.path.join(s.path, f"{name}.npy")
            if not os.path.isfile(path):
                if name == "solid":
                    with_solid = False
                else:
                    missing.append(f"{s.id}/{name}.npy")
                continue
            arr = np.load(path, mmap_mode="r")
            if arr.dtype != np.float32 or tuple(arr.shape) != (s.frames, nz, ny, nx):
                _fail(ds.root, f"{s.id}/{name}.npy has dtype {arr.dtype} and shape {tuple(arr.shape)}, "
                               f"expected float32 {(s.frames, nz, ny, nx)}")
    if missing:
        more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
        _fail(ds.root, f"--state needs each frame's pressure system (rhs.npy and diag.npy, written by "
                       f"`latent-liquid dataset`, or `training.synthetic_dataset --system`): missing "
                       f"{', '.join(missing[:3])}{more}")
    return ["residual", "levelset"] + (["solid"] if with_solid else [])


def stored_residual(p, rhs, diag):
    """The residual b - A p of a pressure p in the stored system ([..., nz, ny, nx], float64
    numpy; physics.system_residual): zero outside active cells. Of the hydrostatic pressure p_s it
    is what the dynamic pressure must cancel (the state's residual channel)."""
    import torch

    from .physics import system_residual
    t = [torch.from_numpy(np.asarray(x, dtype=np.float64)) for x in (p, rhs, diag)]
    return system_residual(*t).numpy()


def residual_scale(ds: Dataset, scene_ids):
    """RMS over the active cells (diag > 0) of all training frames of the hydrostatic residual:
    the manifest's state.residualScale."""
    total, count = 0.0, 0
    for sid in scene_ids:
        a = SceneArrays(ds.scene(sid))
        for t in range(0, a.scene.frames, 8):
            sl = slice(t, t + 8)
            diag = np.asarray(a.diag[sl])
            r = stored_residual(a.hydrostatic[sl], a.rhs[sl], diag)
            total += float(np.square(r[diag > 0]).sum())
            count += int((diag > 0).sum())
    if count == 0:
        raise DatasetError(f"dataset {ds.root}: the training scenes' pressure systems have no active cell (diag > 0)")
    rms = (total / count) ** 0.5
    if not rms > 0:
        raise DatasetError(f"dataset {ds.root}: the hydrostatic pressure solves every training frame's "
                           "system exactly (residual 0): the state's residual channel would be empty")
    return rms


@dataclass
class StateSpec:
    """How a frame becomes the state encoder's input (docs/contracts.md "State conditioning")."""
    channels: list  # ["residual", "levelset"] or ["residual", "levelset", "solid"]
    residual_scale: float
    cell_size: float
    level_set_clamp: float


def make_state(spec: StateSpec, ps, rhs, diag, phi, solid=None):
    """Fields of one frame ([nz, ny, nx]) -> state channels [Cs, nz, ny, nx] float32."""
    c = np.float32(spec.level_set_clamp)

    def level(x):
        return np.clip(np.asarray(x, dtype=np.float32) / np.float32(spec.cell_size), -c, c) / c
    chans = [stored_residual(ps, rhs, diag) / spec.residual_scale, level(phi)]
    if "solid" in spec.channels:
        chans.append(level(solid))
    return np.stack(chans).astype(np.float32)


def scene_state(spec: StateSpec, a: "SceneArrays", t):
    """make_state for frame t of a scene."""
    return make_state(spec, a.hydrostatic[t], a.rhs[t], a.diag[t], a.levelset[t],
                      None if a.solid is None else a.solid[t])


def split_scenes(ds: Dataset, holdout: float, seed: int, explicit=None):
    """Deterministic train/held-out split of scene ids. Held-out scenes are never trained on."""
    ids = [s.id for s in ds.scenes]
    if explicit:
        unknown = [i for i in explicit if i not in ids]
        if unknown:
            raise DatasetError(f"dataset {ds.root}: --heldout names unknown scenes {unknown}")
        held = [i for i in ids if i in explicit]
    else:
        if len(ids) < 2:
            raise DatasetError(f"dataset {ds.root}: has {len(ids)} scene; at least 2 are needed "
                               "(one is held out for evaluation)")
        n = min(len(ids) - 1, max(1, int(round(holdout * len(ids)))))
        order = np.random.RandomState(seed).permutation(len(ids))
        held = sorted(ids[i] for i in order[:n])
    train = [i for i in ids if i not in held]
    if not train:
        raise DatasetError(f"dataset {ds.root}: no scene left for training after holding out {held}")
    return train, held


@dataclass
class InputSpec:
    """How raw fields become the encoder input (docs/contracts.md, encoder.onnx)."""
    mode: str  # "split" or "total"
    pressure_scale: float
    cell_size: float
    level_set_clamp: float
    with_levelset: bool

    @property
    def channels(self):
        return ["pressure", "levelset"] if self.with_levelset else ["pressure"]


def target_pressure(p, ps, phi, mode):
    """Pressure the network encodes, before scaling: p - p_s (split) or p (total), 0 outside liquid."""
    liquid = phi < 0
    q = (p - ps) if mode == "split" else p
    return np.where(liquid, q, 0.0).astype(np.float32), liquid


def make_input(spec: InputSpec, p, ps, phi):
    """Fields of one frame ([nz, ny, nx]) -> (input [Cin, nz, ny, nx], liquid mask [1, nz, ny, nx])."""
    q, liquid = target_pressure(p, ps, phi, spec.mode)
    chans = [q / np.float32(spec.pressure_scale)]
    if spec.with_levelset:
        c = np.float32(spec.level_set_clamp)
        chans.append(np.clip(phi / np.float32(spec.cell_size), -c, c) / c)
    return np.stack(chans).astype(np.float32), liquid[None].astype(np.float32)


def pressure_scale(ds: Dataset, scene_ids, mode):
    """RMS over liquid cells of all training frames of the encoded pressure (p - p_s or p)."""
    total, count = 0.0, 0
    for sid in scene_ids:
        a = SceneArrays(ds.scene(sid))
        for t in range(0, a.scene.frames, 8):
            q, liquid = target_pressure(np.asarray(a.pressure[t:t + 8]), np.asarray(a.hydrostatic[t:t + 8]),
                                        np.asarray(a.levelset[t:t + 8]), mode)
            total += float(np.square(q[liquid], dtype=np.float64).sum())
            count += int(liquid.sum())
    if count == 0:
        raise DatasetError(f"dataset {ds.root}: training scenes contain no liquid cell (level set < 0)")
    rms = (total / count) ** 0.5
    if not rms > 0:
        raise DatasetError(f"dataset {ds.root}: the {mode} pressure is zero in every liquid cell")
    return rms


class FrameDataset:
    """Map-style dataset of (input, liquid mask) frames of some scenes, for the autoencoder."""

    def __init__(self, ds: Dataset, scene_ids, spec: InputSpec):
        self.spec = spec
        self.arrays = [SceneArrays(ds.scene(s)) for s in scene_ids]
        self.items = [(i, t) for i, a in enumerate(self.arrays) for t in range(a.scene.frames)]

    def __len__(self):
        return len(self.items)

    def __getitem__(self, k):
        import torch
        i, t = self.items[k]
        a = self.arrays[i]
        x, m = make_input(self.spec, np.asarray(a.pressure[t]), np.asarray(a.hydrostatic[t]),
                          np.asarray(a.levelset[t]))
        return torch.from_numpy(x), torch.from_numpy(m)
