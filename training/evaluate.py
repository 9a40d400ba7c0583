"""Evaluation on held-out scenes: autoencoder reconstruction and LSTM rollouts.

Every error is a relative L2 norm over the liquid cells (level set < 0) of one frame, computed
on decoded TOTAL pressure in Pa (split mode adds the true hydrostatic part back, as the runtime
does with the hydrostatic pressure of the current surface):
    relL2      = ||p_hat - p|| / ||p||          (p: total pressure)
    relL2Dyn   = ||p_hat - p|| / ||p - p_s||    (same error, relative to the dynamic part)
Each metric is reported as the mean over frames and "pooled" (sums of squares over all frames).
`lstm.vsAutoencoder` isolates the prediction error: decoded prediction against the decoded
reconstruction of the true frame, ||p_hat - p_ae|| / ||p|| (and / ||p - p_s||).

Two forms of a prediction h steps ahead of the last solved frame a = t - 1 (the runtime's
`predictionForm`, src/latent/latent-pressure-predictor.ts):
    direct   q_hat = D(z_hat)                          (the paper's)
    delta    q_hat = q_a + D(z_hat) - D(E(q_a))        (the runtime's default: the decoder's
                                                        reconstruction error of the anchor cancels)
with q the normalized network pressure. `persistence` is copying q_a (in split mode onto the
current hydrostatic pressure, as the runtime's delta form anchors). `persistenceTotal` copies the
last solved TOTAL pressure p_a, the warm start a classical solver uses (the same as `persistence`
in total mode): the baseline a predictor has to beat. `byKind` repeats the 1- and 4-step numbers
per scene kind.
"""
from __future__ import annotations

import math

import numpy as np
import torch

from .data import SceneArrays, make_input, scene_state, stored_residual


def relative_residual(p, rhs, diag):
    """||b + sum_{active nbrs} p_j - diag p_i|| / ||b|| over the active cells (diag > 0) of one
    frame's stored system: the residual a pressure solve started from p would begin with, and
    (times dt / (density dx^2)) the divergence that projecting with p would leave."""
    rhs, diag = np.asarray(rhs, dtype=np.float64), np.asarray(diag)
    b2 = float(np.square(rhs[diag > 0]).sum())
    return math.sqrt(float(np.square(stored_residual(p, rhs, diag)).sum()) / b2) if b2 > 0 else None


class Accum:
    def __init__(self):
        self.rel, self.rel_dyn, self.err2, self.ref2, self.dyn2 = [], [], 0.0, 0.0, 0.0

    def add(self, p_hat, p, ps, liquid, target=None):
        """Error p_hat - target (default: p), normalized by the norms of p and p - p_s."""
        if not liquid.any():
            return
        target = p if target is None else target
        e2 = float(np.square((p_hat - target)[liquid], dtype=np.float64).sum())
        r2 = float(np.square(p[liquid], dtype=np.float64).sum())
        d2 = float(np.square((p - ps)[liquid], dtype=np.float64).sum())
        self.err2 += e2
        self.ref2 += r2
        self.dyn2 += d2
        if r2 > 0:
            self.rel.append(math.sqrt(e2 / r2))
        if d2 > 0:
            self.rel_dyn.append(math.sqrt(e2 / d2))

    def result(self):
        return {
            "relL2": float(np.mean(self.rel)) if self.rel else None,
            "relL2Pooled": math.sqrt(self.err2 / self.ref2) if self.ref2 > 0 else None,
            "relL2Dyn": float(np.mean(self.rel_dyn)) if self.rel_dyn else None,
            "relL2DynPooled": math.sqrt(self.err2 / self.dyn2) if self.dyn2 > 0 else None,
            "frames": len(self.rel),
        }


def to_pressure(decoded, spec, ps, liquid):
    """Network output (normalized) -> total pressure in Pa, zero outside liquid."""
    p = decoded * np.float32(spec.pressure_scale)
    if spec.mode == "split":
        p = p + ps
    return np.where(liquid, p, 0.0).astype(np.float32)


@torch.no_grad()
def _decode(decoder, codes, batch=8):
    return torch.cat([decoder(codes[i:i + batch]) for i in range(0, len(codes), batch)])[:, 0].numpy()


@torch.no_grad()
def scene_state_codes(lstm, state_spec, a: SceneArrays, batch=8):
    """A state model's state codes of every frame of a scene: [F, N, C]."""
    out = []
    for t0 in range(0, a.scene.frames, batch):
        s = np.stack([scene_state(state_spec, a, t) for t in range(t0, min(t0 + batch, a.scene.frames))])
        out.append(lstm.encode_state(torch.from_numpy(s)))
    return torch.cat(out)


@torch.no_grad()
def rollout(lstm, codes_fcn, starts, steps, state_codes=None):
    """codes_fcn: [F, C, N] true codes. For each start t (first predicted frame), predicts frames
    t .. t+steps-1 from the true codes t-w .. t-1. A state model takes state_codes [F, N, C]:
    the step predicting frame f gets state_codes[f], as the runtime computes the state of every
    predicted step. Returns [steps, len(starts), C, N]."""
    w, o = lstm.cfg.window, lstm.cfg.outputs
    hist = torch.stack([codes_fcn[t - w:t] for t in starts], 1)  # [w, B, C, N]
    hist = lstm.normalize(hist.permute(0, 1, 3, 2))  # [w, B, N, C]
    preds = []
    while len(preds) < steps:
        st = None
        if state_codes is not None:  # o == 1: step len(preds) predicts frame t + len(preds)
            f = [t + len(preds) for t in starts]
            # Past the scene's end there is no state; those predictions are never scored.
            st = torch.stack([state_codes[i] if i < len(state_codes) else torch.zeros_like(state_codes[0])
                              for i in f])
        p = lstm.forward_normalized(hist, st)  # [o, B, N, C]
        preds.extend(p.unbind(0))
        hist = torch.cat([hist[o:], p], 0)
    out = lstm.denormalize(torch.stack(preds[:steps]))  # [steps, B, N, C]
    return out.permute(0, 1, 3, 2)


def _mean_residuals(res):
    return {form: {f"{h}step": (float(np.mean(v)) if v else None) for h, v in steps.items()}
            for form, steps in res.items()}


@torch.no_grad()
def evaluate(ae, lstm, ds, scene_ids, spec, horizon=8, log=print, state_spec=None):
    """Returns (metrics, samples); samples hold fields of one frame per scene for the images.
    A state model (lstm.cfg.state) needs state_spec (data.StateSpec): its rollouts get the state
    of each predicted frame."""
    ae = ae.cpu().eval()
    lstm = lstm.cpu().eval()
    w = lstm.cfg.window
    ae_acc, persist, persist_total = Accum(), {1: Accum(), 4: Accum()}, {1: Accum(), 4: Accum()}
    pred_acc = {h: Accum() for h in range(1, horizon + 1)}
    delta_acc = {h: Accum() for h in range(1, horizon + 1)}
    by_kind = {}  # kind -> {"direct"|"delta"|"persistence": {1: Accum, 4: Accum}}
    # Relative residual of the stored system: form -> steps -> [per frame]; kind -> same.
    residuals = {form: {1: [], 4: []} for form in ("persistenceTotal", "persistence", "direct", "delta")}
    kind_residuals = {}
    pred_vs_ae = {h: Accum() for h in (1, 4)}  # prediction error alone: against the AE reconstruction
    samples = []
    for sid in scene_ids:
        a = SceneArrays(ds.scene(sid))
        F = a.scene.frames
        kind_name = a.scene.kind or "unknown"
        kind = by_kind.setdefault(kind_name, {k: {1: Accum(), 4: Accum()} for k in ("direct", "delta", "persistence", "persistenceTotal")})
        kind_res = kind_residuals.setdefault(kind_name, {form: {1: [], 4: []} for form in residuals})

        def add_residual(form, h, p_hat, f):
            if a.rhs is None:
                return
            r = relative_residual(p_hat, a.rhs[f], a.diag[f])
            if r is not None:
                residuals[form][h].append(r)
                kind_res[form][h].append(r)
        p, ps, phi = np.asarray(a.pressure), np.asarray(a.hydrostatic), np.asarray(a.levelset)
        liquid = phi < 0
        x = torch.from_numpy(np.stack([make_input(spec, p[t], ps[t], phi[t])[0] for t in range(F)]))
        z = torch.cat([ae.encoder(x[i:i + 8]) for i in range(0, F, 8)])  # [F, C, lz, ly, lx]
        rec = _decode(ae.decode_full, z)
        p_rec = [to_pressure(rec[t], spec, ps[t], liquid[t]) for t in range(F)]
        for t in range(F):
            ae_acc.add(p_rec[t], p[t], ps[t], liquid[t])
        for h, acc in persist.items():  # last true frame carried forward h frames
            for t in range(w, F - h + 1):
                src = p[t - 1] - ps[t - 1] if spec.mode == "split" else p[t - 1]
                prev = np.where(liquid[t - 1], src, 0.0)
                args = (to_pressure(prev / spec.pressure_scale, spec, ps[t + h - 1], liquid[t + h - 1]),
                        p[t + h - 1], ps[t + h - 1], liquid[t + h - 1])
                acc.add(*args)
                kind["persistence"][h].add(*args)
                add_residual("persistence", h, args[0], t + h - 1)
                f = t + h - 1
                total = (np.where(liquid[f], p[t - 1], 0.0).astype(np.float32), p[f], ps[f], liquid[f])
                persist_total[h].add(*total)
                kind["persistenceTotal"][h].add(*total)
                add_residual("persistenceTotal", h, total[0], f)
        starts = list(range(w, F))
        if not starts:
            continue
        zf = z.reshape(F, z.shape[1], -1)
        sc = scene_state_codes(lstm, state_spec, a) if lstm.cfg.state else None
        preds = rollout(lstm, zf, starts, horizon, sc)  # [H, B, C, N]
        lat = z.shape[1:]
        mid = min(starts[len(starts) // 2], F - 4)  # image frame mid+3 has 1- and 4-step predictions
        sample = {"scene": sid, "frame": None}
        for h in range(1, horizon + 1):
            valid = [(b, t) for b, t in enumerate(starts) if t + h - 1 < F]
            if not valid:
                continue
            codes = preds[h - 1, [b for b, _ in valid]].reshape(len(valid), *lat)
            dec = _decode(ae.decode_full, codes)
            for (b, t), d in zip(valid, dec):
                f = t + h - 1
                ph = to_pressure(d, spec, ps[f], liquid[f])
                pred_acc[h].add(ph, p[f], ps[f], liquid[f])
                # The anchor is the last solved frame t - 1 for every step of the rollout.
                pd = to_pressure(x[t - 1, 0].numpy() + d - rec[t - 1], spec, ps[f], liquid[f])
                delta_acc[h].add(pd, p[f], ps[f], liquid[f])
                if h in (1, 4):
                    kind["direct"][h].add(ph, p[f], ps[f], liquid[f])
                    kind["delta"][h].add(pd, p[f], ps[f], liquid[f])
                    add_residual("direct", h, ph, f)
                    add_residual("delta", h, pd, f)
                if h in pred_vs_ae:
                    pred_vs_ae[h].add(ph, p[f], ps[f], liquid[f], target=p_rec[f])
                if h in (1, 4) and f == mid + 3:
                    sample[f"lstm{h}"] = ph
        if mid >= w and "lstm4" in sample and "lstm1" in sample:
            f = mid + 3
            sample.update(frame=f, truth=p[f], hydrostatic=ps[f], liquid=liquid[f], ae=p_rec[f])
            samples.append(sample)
        log(f"  evaluated {sid} ({F} frames)")
    res = {
        "heldOutScenes": list(scene_ids),
        "autoencoder": ae_acc.result(),
        "lstm": {"1step": pred_acc[1].result(),
                 "4step": pred_acc[4].result() if horizon >= 4 else None,
                 "horizon": [{"steps": h, **pred_acc[h].result()} for h in range(1, horizon + 1)],
                 "vsAutoencoder": {f"{h}step": pred_vs_ae[h].result() for h in pred_vs_ae},
                 "delta": {"1step": delta_acc[1].result(),
                           "4step": delta_acc[4].result() if horizon >= 4 else None,
                           "horizon": [{"steps": h, **delta_acc[h].result()} for h in range(1, horizon + 1)]}},
        "persistence": {"1step": persist[1].result(), "4step": persist[4].result()},
        "persistenceTotal": {"1step": persist_total[1].result(), "4step": persist_total[4].result()},
        "byKind": {k: {form: {f"{h}step": acc[h].result() for h in (1, 4)} for form, acc in forms.items()}
                   for k, forms in sorted(by_kind.items())},
        # Mean relative residual of the stored Poisson system (None without rhs/diag in the data).
        "residual": _mean_residuals(residuals),
        "residualByKind": {k: _mean_residuals(v) for k, v in sorted(kind_residuals.items())},
    }
    return res, samples
