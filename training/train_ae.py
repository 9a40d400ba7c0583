"""Autoencoder training: masked MSE of the normalized pressure over liquid cells.

The loss is taken at full resolution: the model's forward is Autoencoder.decode_full, so a
coarse decoder (AEConfig.decoder_downsample > 1) is trained through the runtime's upsampling."""
from __future__ import annotations

import math
import time

import torch
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader, DistributedSampler

from .dist import DistContext


def make_loader(dataset, ctx: DistContext, batch, seed, shuffle=True, workers=0):
    """Deterministic loader; under torchrun each process gets its own shard of every epoch.

    `workers` > 0 loads batches in background processes (useful on GPU machines); the order
    stays deterministic."""
    extra = dict(num_workers=workers, pin_memory=ctx.device.type == "cuda",
                 persistent_workers=workers > 0)
    if ctx.distributed:
        sampler = DistributedSampler(dataset, num_replicas=ctx.world, rank=ctx.rank,
                                     shuffle=shuffle, seed=seed)
        return DataLoader(dataset, batch_size=batch, sampler=sampler, **extra), sampler
    g = torch.Generator()
    g.manual_seed(seed)
    return DataLoader(dataset, batch_size=batch, shuffle=shuffle, generator=g, **extra), None


def cosine_schedule(optimizer, total_steps, floor=0.02, warmup=0.05):
    """Linear warm-up over the first `warmup` of the steps, then cosine decay to `floor`."""
    n_warm = max(1, int(warmup * total_steps))

    def factor(step):
        if step < n_warm:
            return (step + 1) / n_warm
        t = min(step - n_warm, total_steps - n_warm) / max(total_steps - n_warm, 1)
        return floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * t))
    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


def wrap(model, ctx: DistContext):
    if not ctx.distributed:
        return model
    return DDP(model, device_ids=[ctx.local_rank] if ctx.device.type == "cuda" else None)


class Progress:
    """Prints a line at most every `every` seconds inside a long epoch (main process only)."""

    def __init__(self, ctx, label, total, every=20.0):
        self.ctx, self.label, self.total, self.every = ctx, label, total, every
        self.t0 = self.last = time.time()

    def step(self, i, loss):
        now = time.time()
        if now - self.last >= self.every:
            self.last = now
            self.ctx.log(f"  {self.label}: batch {i + 1}/{self.total} loss {loss:.4g} "
                         f"({now - self.t0:.0f} s)")


def train_epochs(ctx: DistContext, label, model, net, loader, sampler, opt, sched, epochs, batch_loss, n_sums,
                 deadline=None):
    """The epoch loop the trainings share; yields (epoch, sums, lr, seconds) after each epoch.

    Per batch, `batch_loss(batch)` returns the loss and `n_sums` numbers to add up over the
    epoch (error sums, counts); the optimizer steps on the loss (gradient norm clipped to 1) and
    the schedule advances. The sums are added over all processes before they are yielded.
    `deadline` (time.time() value or None): stops after the epoch when another epoch as long as
    the last would end past it (all processes stop together)."""
    for epoch in range(epochs):
        if sampler is not None:
            sampler.set_epoch(epoch)
        net.train()
        t0 = time.time()
        sums = [0.0] * n_sums
        prog = Progress(ctx, f"{label} epoch {epoch + 1}", len(loader))
        for i, batch in enumerate(loader):
            loss, batch_sums = batch_loss(batch)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            sums = [a + float(b) for a, b in zip(sums, batch_sums)]
            prog.step(i, float(loss))
        seconds = time.time() - t0
        yield epoch, ctx.all_sum(sums), opt.param_groups[0]["lr"], seconds
        if deadline is not None and epoch + 1 < epochs:
            if ctx.all_sum([1.0 if time.time() + seconds > deadline else 0.0])[0] > 0:
                ctx.log(f"{label}: stopping after epoch {epoch + 1} of {epochs}: another epoch would "
                        f"pass the time limit (--time-limit)")
                return


def mirror(x, m, gen):
    """Random mirror images in x and z (the axes normal to gravity), one choice per batch.

    A mirrored liquid is as physical as the original (with gravity mirrored too, which the
    autoencoder does not see), so this multiplies the training frames by 4 for free."""
    dims = [d for d in (4, 2) if bool(torch.rand(1, generator=gen) < 0.5)]  # x, z of NCDHW
    if not dims:
        return x, m
    return torch.flip(x, dims), torch.flip(m, dims)


def train_autoencoder(ae, frames, ctx: DistContext, epochs, batch, lr, seed, workers=0, augment=True,
                      deadline=None):
    """Trains `ae` in place on `frames` (FrameDataset). Returns per-epoch history."""
    ae.to(ctx.device)
    net = wrap(ae, ctx)
    loader, sampler = make_loader(frames, ctx, batch, seed, workers=workers)
    opt = torch.optim.Adam(ae.parameters(), lr=lr)
    sched = cosine_schedule(opt, epochs * len(loader))
    gen = torch.Generator()
    gen.manual_seed(seed * 1000 + ctx.rank)
    def batch_loss(batch):
        x, m = batch
        if augment:
            x, m = mirror(x, m, gen)
        x, m = x.to(ctx.device, non_blocking=True), m.to(ctx.device, non_blocking=True)
        target = x[:, :1]
        err = torch.square(net(x) - target) * m
        loss = err.sum() / m.sum().clamp(min=1.0)
        return loss, (err.sum(), (torch.square(target) * m).sum(), m.sum())

    history = []
    for epoch, (err_sum, ref_sum, cells), lr_now, seconds in train_epochs(
            ctx, "AE", ae, net, loader, sampler, opt, sched, epochs, batch_loss, 3, deadline):
        rec = {"epoch": epoch + 1, "mse": err_sum / max(cells, 1.0),
               "relL2": math.sqrt(err_sum / max(ref_sum, 1e-30)),
               "lr": lr_now, "seconds": seconds}
        history.append(rec)
        ctx.log(f"AE epoch {epoch + 1}/{epochs}: mse {rec['mse']:.4e} relL2(train, normalized) "
                f"{rec['relL2']:.4f} lr {rec['lr']:.2e} {rec['seconds']:.1f} s")
    if history and history[-1]["relL2"] > 0.9:
        ctx.log("WARNING: the autoencoder barely learned (training relL2 > 0.9): too few epochs, or "
                "training diverged (try a lower --lr)")
    ae.eval()
    return history
