"""Latent codes and LSTM training (multi-step rollout loss in normalized code space)."""
from __future__ import annotations

import numpy as np
import torch
import torch.nn as nn

from .data import SceneArrays, make_input
from .dist import DistContext
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


class Rollout(nn.Module):
    """Feeds the LSTM its own predictions for `steps` calls (one DDP forward per batch)."""

    def __init__(self, lstm, steps):
        super().__init__()
        self.lstm, self.steps = lstm, steps

    def forward(self, seq_n):  # [T, B, N, C] normalized, T = w + steps * o
        w, o = self.lstm.cfg.window, self.lstm.cfg.outputs
        hist, preds = seq_n[:w], []
        for _ in range(self.steps):
            p = self.lstm.forward_normalized(hist)
            preds.append(p)
            hist = torch.cat([hist[o:], p], 0)
        return torch.cat(preds, 0)


def train_lstm(lstm, codes, ctx: DistContext, epochs, batch, lr, seed, rollout):
    """Trains `lstm` in place on codes {scene: [F, C, lz, ly, lx]}. Returns per-epoch history."""
    cfg = lstm.cfg
    length = cfg.window + rollout * cfg.outputs
    windows = WindowDataset(codes, length)
    if len(windows) == 0:
        raise ValueError(f"no training window of {length} frames: scenes are too short")
    lstm.to(ctx.device)
    net = wrap(Rollout(lstm, rollout), ctx)
    loader, sampler = make_loader(windows, ctx, batch, seed + 1)
    opt = torch.optim.Adam(lstm.parameters(), lr=lr)
    sched = cosine_schedule(opt, epochs * len(loader))
    baseline = copy_last_mse(windows, lstm, cfg.window)
    ctx.log(f"  {len(windows)} windows of {length} codes; copying the last code would give a "
            f"rollout mse of {baseline:.4e}")
    def batch_loss(seq):
        seq_n = lstm.normalize(seq.to(ctx.device)).permute(1, 0, 2, 3)  # [T, B, N, C]
        err = torch.square(net(seq_n) - seq_n[cfg.window:])
        return err.mean(), (err.sum(), err.numel())

    history = []
    for epoch, (err_sum, n_sum), lr_now, seconds in train_epochs(
            ctx, "LSTM", lstm, net, loader, sampler, opt, sched, epochs, batch_loss, 2):
        rec = {"epoch": epoch + 1, "mse": err_sum / max(n_sum, 1.0), "lr": lr_now, "seconds": seconds}
        history.append(rec)
        ctx.log(f"LSTM epoch {epoch + 1}/{epochs}: {rollout}-step rollout mse (normalized codes) "
                f"{rec['mse']:.4e} lr {rec['lr']:.2e} {rec['seconds']:.1f} s")
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
