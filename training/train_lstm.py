"""Latent codes and LSTM training (multi-step rollout loss in normalized code space, plus an
optional physics loss: the residual of each frame's Poisson system that the pressure the runtime
would apply leaves). A state model (LSTMConfig.state) trains its state encoder jointly with the
LSTM: every predicted step of the rollout gets the state of the frame it predicts."""
from __future__ import annotations

import numpy as np
import torch
import torch.nn as nn

from .data import SceneArrays, make_input, scene_state, target_pressure
from .dist import DistContext
from .physics import system_residual
from .train_ae import cosine_schedule, make_loader, train_epochs, wrap


@torch.no_grad()
def encode_scene(encoder, arrays: SceneArrays, spec, device, batch=8):
    """All frames of one scene -> codes [F, C, lz, ly, lx] (float32, CPU)."""
    encoder.eval()
    out = []
    for t0 in range(0, arrays.scene.frames, batch):
        xs = [make_input(spec, np.asarray(arrays.pressure[t]), np.asarray(arrays.hydrostatic[t]),
                         np.asarray(arrays.levelset[t]))[0]
              for t in range(t0, min(t0 + batch, arrays.scene.frames))]
        out.append(encoder(torch.from_numpy(np.stack(xs)).to(device)).float().cpu())
    return torch.cat(out)


def encode_scenes(encoder, ds, scene_ids, spec, device):
    return {sid: encode_scene(encoder, SceneArrays(ds.scene(sid)), spec, device) for sid in scene_ids}


def cells_last(codes):
    """[F, C, lz, ly, lx] -> [F, N, C] (N in the contract's flattened order)."""
    f, c = codes.shape[:2]
    return codes.reshape(f, c, -1).permute(0, 2, 1).contiguous()


def code_statistics(codes):
    """Per-channel mean/std of the codes and the std of one-frame changes in normalized units."""
    allc = torch.cat([cells_last(z).reshape(-1, z.shape[1]) for z in codes.values()]).double()
    mean = allc.mean(0)
    std = allc.std(0).clamp(min=1e-6)
    diffs = torch.cat([((cells_last(z)[1:] - cells_last(z)[:-1]).double() / std).reshape(-1, z.shape[1])
                       for z in codes.values()])
    delta = diffs.pow(2).mean(0).sqrt().clamp(min=1e-4)
    return mean.float(), std.float(), delta.float()


class WindowDataset:
    """Windows of `length` consecutive codes [length, N, C] from every training scene."""

    def __init__(self, codes, length):
        self.seqs = [cells_last(z) for z in codes.values()]
        self.items = [(i, t) for i, s in enumerate(self.seqs) for t in range(s.shape[0] - length + 1)]
        self.length = length

    def __len__(self):
        return len(self.items)

    def __getitem__(self, k):
        i, t = self.items[k]
        return self.seqs[i][t:t + self.length]


class PhysicsWindows:
    """Code windows with, for the physics loss, the fields of the anchor frame (the last known
    one) and of every predicted frame: normalized network pressure of the anchor, and per
    predicted frame the hydrostatic part, liquid mask, right-hand side b and diagonal."""

    def __init__(self, windows, arrays, spec, length, window):
        self.windows, self.arrays, self.spec = windows, arrays, spec
        self.length, self.window = length, window

    def __len__(self):
        return len(self.windows)

    def __getitem__(self, k):
        i, t = self.windows.items[k]
        a, spec, w = self.arrays[i], self.spec, self.window
        anchor = t + w - 1
        q, _ = target_pressure(np.asarray(a.pressure[anchor]), np.asarray(a.hydrostatic[anchor]),
                               np.asarray(a.levelset[anchor]), spec.mode)
        frames = slice(t + w, t + self.length)
        phi = np.asarray(a.levelset[frames])
        return (self.windows[k], torch.from_numpy(q / np.float32(spec.pressure_scale)),
                torch.from_numpy(np.asarray(a.hydrostatic[frames], dtype=np.float32)),
                torch.from_numpy((phi < 0).astype(np.float32)),
                torch.from_numpy(np.asarray(a.rhs[frames], dtype=np.float32)),
                torch.from_numpy(np.asarray(a.diag[frames], dtype=np.float32)))


class StateWindows:
    """Items of another window dataset paired with the state channels [steps, Cs, nz, ny, nx]
    of the frames the rollout predicts (t + w .. t + length - 1), computed when read (a state
    per frame of every scene would not fit in memory at large grids)."""

    def __init__(self, base, windows, arrays, spec, length, window):
        self.base, self.windows, self.arrays, self.spec = base, windows, arrays, spec
        self.length, self.window = length, window

    def __len__(self):
        return len(self.base)

    def __getitem__(self, k):
        i, t = self.windows.items[k]
        a = self.arrays[i]
        states = np.stack([scene_state(self.spec, a, f) for f in range(t + self.window, t + self.length)])
        return self.base[k], torch.from_numpy(states)


def state_codes(lstm, states):
    """State channels [B, S, Cs, nz, ny, nx] -> state codes [S, B, N, C] (one per predicted step)."""
    b, steps = states.shape[:2]
    codes = lstm.encode_state(states.reshape(b * steps, *states.shape[2:]))  # [B*S, N, C]
    return codes.reshape(b, steps, *codes.shape[1:]).transpose(0, 1)


class Rollout(nn.Module):
    """Feeds the LSTM its own predictions for `steps` calls (one DDP forward per batch); a state
    model's step k also gets the state code of the frame it predicts."""

    def __init__(self, lstm, steps):
        super().__init__()
        self.lstm, self.steps = lstm, steps

    def forward(self, seq_n, states=None):  # [T, B, N, C] normalized, T = w + steps * o
        w, o = self.lstm.cfg.window, self.lstm.cfg.outputs
        codes = None if states is None else state_codes(self.lstm, states)
        hist, preds = seq_n[:w], []
        for k in range(self.steps):
            p = self.lstm.forward_normalized(hist, None if codes is None else codes[k])
            preds.append(p)
            hist = torch.cat([hist[o:], p], 0)
        return torch.cat(preds, 0)


def train_lstm(lstm, codes, ctx: DistContext, epochs, batch, lr, seed, rollout, physics=None, deadline=None,
               state=None):
    """Trains `lstm` in place on codes {scene: [F, C, lz, ly, lx]}. Returns per-epoch history.

    physics: None, or dict(weight, decode, arrays {scene: SceneArrays}, spec): adds `weight` times
    the mean squared relative residual ||b - A p_hat|| / ||b|| of every predicted frame, where
    p_hat is the pressure the runtime applies by default (delta form: the anchor frame's pressure
    plus decode(predicted code) - decode(anchor code), plus the hydrostatic part in split mode),
    through the frozen decoder `decode` and fed-back codes. Needs rhs/diag in the dataset.
    state: None, or (for a state model) dict(spec: StateSpec, arrays {scene: SceneArrays})."""
    cfg = lstm.cfg
    length = cfg.window + rollout * cfg.outputs
    windows = WindowDataset(codes, length)
    if len(windows) == 0:
        raise ValueError(f"no training window of {length} frames: scenes are too short")
    lstm.to(ctx.device)
    net = wrap(Rollout(lstm, rollout), ctx)
    data = windows
    if physics is not None:
        missing = [sid for sid, a in physics["arrays"].items() if a.rhs is None]
        if missing:
            raise ValueError(f"--physics-weight needs rhs.npy and diag.npy (datasets written by "
                             f"`latent-liquid dataset` since they were added); scenes {missing[:3]} lack them")
        data = PhysicsWindows(windows, [physics["arrays"][sid] for sid in codes], physics["spec"],
                              length, cfg.window)
    if cfg.state != (state is not None):
        raise ValueError("a state model needs `state` (spec and arrays), an unconditioned one none")
    if state is not None:
        data = StateWindows(data, windows, [state["arrays"][sid] for sid in codes], state["spec"], length, cfg.window)
    loader, sampler = make_loader(data, ctx, batch, seed + 1)
    opt = torch.optim.Adam(lstm.parameters(), lr=lr)
    sched = cosine_schedule(opt, epochs * len(loader))
    baseline = copy_last_mse(windows, lstm, cfg.window)
    ctx.log(f"  {len(windows)} windows of {length} codes; copying the last code would give a "
            f"rollout mse of {baseline:.4e}")
    latent_shape = next(iter(codes.values())).shape[1:]  # [C, lz, ly, lx]

    def physics_loss(pred_n, seq, q_anchor, ps, liquid, rhs, diag):
        """Mean squared relative residual over the batch's predicted frames, and its sum."""
        spec, decode = physics["spec"], physics["decode"]
        steps, b = pred_n.shape[:2]
        codes_hat = lstm.denormalize(pred_n).permute(1, 0, 3, 2).reshape(b * steps, *latent_shape)
        with torch.no_grad():
            anchor_code = seq[:, cfg.window - 1].permute(0, 2, 1).reshape(b, *latent_shape)
            d_anchor = decode(anchor_code)[:, 0]  # [B, nz, ny, nx]
        d_hat = decode(codes_hat)[:, 0].reshape(b, steps, *d_anchor.shape[1:])
        q_hat = q_anchor.unsqueeze(1) + d_hat - d_anchor.unsqueeze(1)
        p_hat = q_hat * spec.pressure_scale + (ps if spec.mode == "split" else 0.0)
        p_hat = p_hat * liquid  # the runtime writes pressure in liquid cells only
        r = system_residual(p_hat, rhs, diag)
        rel2 = r.pow(2).sum((-3, -2, -1)) / rhs.pow(2).sum((-3, -2, -1)).clamp(min=1e-30)
        return rel2.mean(), rel2.sum(), rel2.numel()

    def batch_loss(item):
        states = None
        if state is not None:
            item, states = item[0], item[1].to(ctx.device)
        seq = item if physics is None else item[0]
        seq_n = lstm.normalize(seq.to(ctx.device)).permute(1, 0, 2, 3)  # [T, B, N, C]
        pred_n = net(seq_n) if states is None else net(seq_n, states)
        err = torch.square(pred_n - seq_n[cfg.window:])
        if physics is None:
            return err.mean(), (err.sum(), err.numel(), 0.0, 0.0)
        fields = [x.to(ctx.device) for x in item[1:]]
        phys, phys_sum, phys_n = physics_loss(pred_n, seq.to(ctx.device), *fields)
        return err.mean() + physics["weight"] * phys, (err.sum(), err.numel(), phys_sum, phys_n)

    history = []
    for epoch, (err_sum, n_sum, phys_sum, phys_n), lr_now, seconds in train_epochs(
            ctx, "LSTM", lstm, net, loader, sampler, opt, sched, epochs, batch_loss, 4, deadline):
        rec = {"epoch": epoch + 1, "mse": err_sum / max(n_sum, 1.0), "lr": lr_now, "seconds": seconds}
        extra = ""
        if physics is not None:
            rec["relResidual2"] = phys_sum / max(phys_n, 1.0)
            extra = f", mean squared relative residual {rec['relResidual2']:.4e}"
        history.append(rec)
        ctx.log(f"LSTM epoch {epoch + 1}/{epochs}: {rollout}-step rollout mse (normalized codes) "
                f"{rec['mse']:.4e}{extra} lr {rec['lr']:.2e} {rec['seconds']:.1f} s")
    lstm.eval()
    return history, baseline


@torch.no_grad()
def copy_last_mse(windows, lstm, w):
    """Training-loss value of the trivial predictor 'every future code = last known code'."""
    err = n = 0.0
    for seq in windows.seqs:
        seq_n = lstm.normalize(seq.to(lstm.code_mean.device))
        for t in range(seq.shape[0] - windows.length + 1):
            s = seq_n[t:t + windows.length]
            d = s[w:] - s[w - 1:w]
            err += float(d.pow(2).sum())
            n += d.numel()
    return err / max(n, 1.0)
