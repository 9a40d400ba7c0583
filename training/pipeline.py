"""End-to-end training: dataset -> autoencoder -> latent codes -> LSTM -> ONNX -> evaluation.

    /usr/bin/python3 -m training.pipeline --data DIR --out models/NAME [--mode split|total]
        [--epochs 30] [--lstm-epochs 60] [--seed 0] [--device cpu|cuda]

Data-parallel: the same command under torchrun, e.g.
    torchrun --standalone --nproc_per_node=2 -m training.pipeline --data DIR --out models/NAME
(on Debian 12's torch 1.13 use `/usr/bin/python3 -m training.torchrun` instead of `torchrun`).
See training/README.md for every option and manifest field.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time

import numpy as np
import torch

from . import dist as D
from .data import DatasetError, FrameDataset, InputSpec, SceneArrays, StateSpec, check_state_files, load_dataset, \
    make_input, pressure_scale, residual_scale, scene_state, split_scenes
from .evaluate import evaluate
from .export import ExportError, export_models, write_golden
from .models import DECODER_DOWNSAMPLES, DOWNSAMPLE, AEConfig, Autoencoder, LatentLSTM, LSTMConfig, autoencoder_checkpoint, count_parameters
from .report import write_report
from .train_ae import train_autoencoder
from .train_lstm import code_statistics, encode_scene, encode_scenes, train_lstm

GOLDEN_TOLERANCE = 1e-4  # max |ort - torch| / max(1, max |torch|), see test/models.test.ts


def parse_args(argv=None):
    ap = argparse.ArgumentParser(prog="python -m training.pipeline",
                                 description="Train encoder/LSTM/decoder ONNX models from a latent-liquid dataset.")
    ap.add_argument("--data", required=True, help="dataset directory (docs/contracts.md)")
    ap.add_argument("--out", required=True, help="output model set directory, e.g. models/NAME")
    # Default total: on solver data (16^3, BENCHMARKS.md) the delta-form prediction of a total model
    # beat copying the last total pressure (held-out error 0.093 vs 0.131 at 1 step), while a split
    # model's, re-anchored on the current hydrostatic pressure, did not (0.169).
    ap.add_argument("--mode", choices=["split", "total"], default="total",
                    help="total (default): encode p; split: encode p - p_s (hydrostatic added back at run time)")
    ap.add_argument("--epochs", type=int, default=30, help="autoencoder epochs")
    ap.add_argument("--lstm-epochs", type=int, default=60)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--device", choices=["cpu", "cuda"], default=None, help="default: cuda if available")
    ap.add_argument("--threads", type=int, default=None, help="torch CPU threads per process")
    ap.add_argument("--workers", type=int, default=0, help="autoencoder data-loading processes")
    ap.add_argument("--no-mirror", action="store_true",
                    help="no random x/z mirror images when training the autoencoder")
    ap.add_argument("--batch", type=int, default=8, help="autoencoder frames per batch (per process)")
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--lstm-batch", type=int, default=16, help="LSTM windows per batch (per process)")
    ap.add_argument("--lstm-lr", type=float, default=2e-3)
    ap.add_argument("--latent-channels", type=int, default=16)
    ap.add_argument("--base-width", type=int, default=8, help="conv widths b, 2b, 4b, 4b")
    ap.add_argument("--init", choices=["he", "torch"], default="he", help="autoencoder conv init")
    ap.add_argument("--decoder-downsample", type=int, choices=list(DECODER_DOWNSAMPLES), default=1,
                    help="the decoder outputs 1/s of the grid per axis (the runtime upsamples it "
                         "trilinearly; training losses stay at full resolution)")
    ap.add_argument("--inputs", choices=["pressure", "pressure,levelset"], default="pressure,levelset")
    ap.add_argument("--level-set-clamp", type=float, default=4.0, help="level set clamp in cells")
    ap.add_argument("--window", type=int, default=6)
    ap.add_argument("--outputs", type=int, default=1)
    ap.add_argument("--hidden", type=int, default=64)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--no-context", action="store_true", help="LSTM without the mean-code context input")
    ap.add_argument("--base", choices=["linear", "last"], default="linear",
                    help="LSTM predicts a correction to the linear extrapolation or to the last code")
    ap.add_argument("--rollout", type=int, default=4, help="LSTM training rollout steps")
    ap.add_argument("--time-limit", type=float, default=None,
                    help="seconds for the whole run: the autoencoder stops after the epoch that "
                         "would let the next one pass half of it, the LSTM 80%%; export and "
                         "evaluation use the rest (for machines lent for a fixed time)")
    ap.add_argument("--physics-weight", type=float, default=0.0,
                    help="weight of the physics loss in LSTM training: the squared relative residual "
                         "of each predicted frame's Poisson system under the pressure the runtime "
                         "applies (needs rhs/diag in the dataset; 0 = off)")
    ap.add_argument("--state", action="store_true",
                    help="state-conditioned LSTM (issue 12): a state encoder, trained jointly with the LSTM, "
                         "maps each predicted step's hydrostatic residual, level set (and solid level set) "
                         "to a code added to the LSTM's output (needs rhs/diag in the dataset, --outputs 1)")
    ap.add_argument("--state-width", type=int, default=4, help="the state encoder's base width (with --state)")
    ap.add_argument("--holdout", type=float, default=0.2, help="fraction of scenes held out")
    ap.add_argument("--heldout", default=None, help="comma-separated scene ids to hold out instead")
    ap.add_argument("--horizon", type=int, default=8, help="evaluated rollout length")
    ap.add_argument("--res-min", type=int, nargs=3, default=[16, 16, 16], metavar=("NX", "NY", "NZ"))
    ap.add_argument("--res-max", type=int, nargs=3, default=[128, 128, 128], metavar=("NX", "NY", "NZ"))
    ap.add_argument("--save-checkpoint", action="store_true", help="also write checkpoint.pt")
    ap.add_argument("--ae-checkpoint", default=None,
                    help="checkpoint.pt of an earlier run: reuse its autoencoder (same data, mode, "
                         "inputs), train only the LSTM")
    a = ap.parse_args(argv)
    for name in ("lstm_epochs", "batch", "lstm_batch", "latent_channels", "base_width", "window",
                 "outputs", "hidden", "layers", "rollout", "horizon", "state_width"):
        if getattr(a, name) < 1:
            ap.error(f"--{name.replace('_', '-')} must be at least 1")
    if a.window < 2:
        ap.error("--window must be at least 2")
    if a.epochs < 1 and not a.ae_checkpoint:
        ap.error("--epochs must be at least 1 (or give --ae-checkpoint)")
    if a.time_limit is not None and not a.time_limit > 0:
        ap.error(f"--time-limit must be a positive number of seconds (got {a.time_limit})")
    if a.state and a.outputs != 1:
        ap.error(f"--state needs --outputs 1 (got --outputs {a.outputs}): the state is that of the one "
                 "predicted step")
    if a.physics_weight < 0:
        ap.error(f"--physics-weight must be at least 0 (got {a.physics_weight})")
    if not 0 < a.holdout < 1:
        ap.error("--holdout must be between 0 and 1")
    return a


def _air_padded(x):
    """x [1, Cin, nz, ny, nx] on a grid 8 cells wider in x, filled with air: 0 in the first
    channel (pressure, residual), +1 (the clamped level set far outside) in the others."""
    pad = torch.zeros(1, x.shape[1], x.shape[2], x.shape[3], DOWNSAMPLE)
    pad[:, 1:] = 1.0
    return torch.cat([x, pad], 4)


def _golden_inputs(ae, ds, spec, scene_id, w, state_spec=None):
    """Encoder input of a held-out frame t, the true codes of t-w..t-1, the encoder input on
    another grid, and for a state model the state channels of frame t (the predicted frame) on
    both grids."""
    a = SceneArrays(ds.scene(scene_id))
    t = min(a.scene.frames - 1, max(w, a.scene.frames // 2))
    x, _ = make_input(spec, np.asarray(a.pressure[t]), np.asarray(a.hydrostatic[t]),
                      np.asarray(a.levelset[t]))
    x = torch.from_numpy(x)[None]
    codes = encode_scene(ae.encoder.cpu(), a, spec, "cpu")
    hist = codes[t - w:t].reshape(w, codes.shape[1], -1)
    s = s_alt = None
    if state_spec is not None:
        s = torch.from_numpy(scene_state(state_spec, a, t))[None]
        s_alt = _air_padded(s)
    return x, hist, _air_padded(x), s, s_alt


def _load_ae(path, spec, train_ids):
    ck = torch.load(path, map_location="cpu")
    problems = []
    if ck["mode"] != spec.mode:
        problems.append(f"mode {ck['mode']} != {spec.mode}")
    if ck["inputs"] != spec.channels:
        problems.append(f"inputs {ck['inputs']} != {spec.channels}")
    if ck["train_scenes"] != train_ids:
        problems.append("different training scenes")
    if abs(ck["pressure_scale"] - spec.pressure_scale) > 1e-6 * spec.pressure_scale:
        problems.append(f"pressureScale {ck['pressure_scale']} != {spec.pressure_scale}")
    if problems:
        raise DatasetError(f"--ae-checkpoint {path} does not match this run: {'; '.join(problems)}")
    ae = Autoencoder(AEConfig(**ck["ae_config"]))
    ae.load_state_dict(ck["autoencoder"])
    return ae, ck.get("ae_history", [])


def run(args):
    ctx = D.setup(args.device)
    D.seed_everything(args.seed)
    if args.threads:
        torch.set_num_threads(args.threads)
    timings = {}
    t_all = t0 = time.time()
    def deadline(share):
        return None if args.time_limit is None else t_all + share * args.time_limit
    ctx.log(f"[1/6] loading {args.data} (torch {torch.__version__}, device {ctx.device}, "
            f"{ctx.world} process(es))")
    ds = load_dataset(args.data, min_frames=args.window + 4)
    heldout = [s for s in args.heldout.split(",") if s] if args.heldout else None
    train_ids, held_ids = split_scenes(ds, args.holdout, args.seed, heldout)
    mode = args.mode
    scale = pressure_scale(ds, train_ids, mode)
    spec = InputSpec(mode, scale, ds.cell_size, args.level_set_clamp, args.inputs == "pressure,levelset")
    ctx.log(f"  {len(ds.scenes)} scenes at {list(ds.resolution)}: train {len(train_ids)}, held out "
            f"{held_ids}; pressureScale ({mode}) {scale:.6g} Pa")
    state_spec = None
    if args.state:
        channels = check_state_files(ds)
        state_spec = StateSpec(channels, residual_scale(ds, train_ids), ds.cell_size, args.level_set_clamp)
        ctx.log(f"  state channels {channels}, residualScale {state_spec.residual_scale:.6g} Pa")
    timings["load"] = time.time() - t0

    t0 = time.time()
    if args.ae_checkpoint:
        ctx.log(f"[2/6] loading the autoencoder from {args.ae_checkpoint}")
        ae, ae_hist = _load_ae(args.ae_checkpoint, spec, train_ids)
        ae_cfg = ae.cfg
        args.latent_channels, args.base_width = ae_cfg.latent_channels, ae_cfg.base_width
        args.decoder_downsample = ae_cfg.decoder_downsample
    else:
        ctx.log("[2/6] training the autoencoder")
        ae_cfg = AEConfig(len(spec.channels), args.latent_channels, args.base_width, args.init,
                          args.decoder_downsample)
        torch.manual_seed(args.seed)
        ae = Autoencoder(ae_cfg)
        frames = FrameDataset(ds, train_ids, spec)
        ae_hist = train_autoencoder(ae, frames, ctx, args.epochs, args.batch, args.lr, args.seed,
                                    args.workers, augment=not args.no_mirror, deadline=deadline(0.5))
    ae.to(ctx.device).eval()
    ctx.check_in_sync(ae, "autoencoder")
    timings["autoencoder"] = time.time() - t0

    t0 = time.time()
    ctx.log("[3/6] encoding training scenes")
    codes = encode_scenes(ae.encoder, ds, train_ids, spec, ctx.device)
    mean, std, delta = code_statistics(codes)
    timings["encode"] = time.time() - t0

    t0 = time.time()
    ctx.log("[4/6] training the LSTM")
    lstm_cfg = LSTMConfig(args.latent_channels, args.window, args.outputs, args.hidden, args.layers,
                          not args.no_context, args.base, args.state,
                          len(state_spec.channels) if state_spec else 0, args.state_width)
    torch.manual_seed(args.seed + 1)
    lstm = LatentLSTM(lstm_cfg)
    lstm.set_normalization(mean, std, delta)
    physics = None
    if args.physics_weight > 0:
        for p_ in ae.decoder.parameters():  # frozen: the loss trains the LSTM only
            p_.requires_grad_(False)
        ae.decoder.train()  # no dropout or norms; selects the deterministic upsampling backward
        physics = {"weight": args.physics_weight, "spec": spec,
                   "decode": getattr(ae, "decode_full", ae.decoder),
                   "arrays": {sid: SceneArrays(ds.scene(sid)) for sid in train_ids}}
    state = None
    if state_spec is not None:
        state = {"spec": state_spec, "arrays": {sid: SceneArrays(ds.scene(sid)) for sid in train_ids}}
    lstm_hist, copy_last = train_lstm(lstm, codes, ctx, args.lstm_epochs, args.lstm_batch,
                                      args.lstm_lr, args.seed, args.rollout, physics, deadline=deadline(0.8),
                                      state=state)
    ae.eval()
    ctx.check_in_sync(lstm, "LSTM")
    timings["lstm"] = time.time() - t0
    ctx.barrier()
    if not ctx.is_main:
        D.teardown(ctx)
        return None

    t0 = time.time()
    ctx.log(f"[5/6] exporting ONNX to {args.out}")
    out = args.out
    os.makedirs(out, exist_ok=True)
    for stale in ("golden", "images"):
        shutil.rmtree(os.path.join(out, stale), ignore_errors=True)
    if os.path.exists(os.path.join(out, "manifest.json")):  # written last: its presence = complete set
        os.remove(os.path.join(out, "manifest.json"))
    ae.cpu().eval()
    lstm.cpu().eval()
    info = export_models(ae, lstm, out, ds.grid, len(spec.channels))
    info["encoder"]["parameters"] = count_parameters(ae.encoder)
    info["decoder"]["parameters"] = count_parameters(ae.decoder)
    # The state encoder is a submodule of the LSTM module but its own graph: counted apart.
    info["lstm"]["parameters"] = count_parameters(lstm) - (count_parameters(lstm.state_encoder) if args.state else 0)
    if args.state:
        info["stateEncoder"]["parameters"] = count_parameters(lstm.state_encoder)
    x_main, hist_main, x_alt, s_main, s_alt = _golden_inputs(ae, ds, spec, held_ids[0], args.window, state_spec)
    golden = write_golden(ae, lstm, out, x_main, hist_main, x_alt, s_main, s_alt)
    if args.save_checkpoint:
        torch.save({**autoencoder_checkpoint(ae, ae_hist, mode, scale, spec.channels, train_ids),
                    "lstm": lstm.state_dict(), "lstm_config": lstm_cfg.to_dict()}, os.path.join(out, "checkpoint.pt"))
    timings["export"] = time.time() - t0

    t0 = time.time()
    ctx.log(f"[6/6] evaluating on held-out scenes {held_ids}")
    ev, samples = evaluate(ae, lstm, ds, held_ids, spec, args.horizon, log=ctx.log, state_spec=state_spec)
    timings["evaluate"] = time.time() - t0
    timings["total"] = time.time() - t_all

    res_min = [min(a, b) for a, b in zip(args.res_min, ds.resolution)]
    res_max = [max(a, b) for a, b in zip(args.res_max, ds.resolution)]
    manifest = {
        "format": "latent-liquid-model",
        "version": 1,
        "mode": mode,
        "window": args.window,
        "outputs": args.outputs,
        "latent": {"channels": args.latent_channels, "downsample": DOWNSAMPLE,
                   "decoderDownsample": ae_cfg.decoder_downsample},
        "inputChannels": spec.channels,
        "levelSetClamp": args.level_set_clamp,
        "resolutions": {"kind": "multiple-of", "multiple": DOWNSAMPLE, "min": res_min, "max": res_max,
                        "trained": list(ds.resolution)},
        "normalization": {"pressureScale": scale},
        "files": {"encoder": "encoder.onnx", "lstm": "lstm.onnx", "decoder": "decoder.onnx",
                  **({"stateEncoder": "state-encoder.onnx"} if args.state else {})},
        "fileInfo": info,
        "training": {
            "dataset": os.path.abspath(args.data),
            "data": ds.describe(),
            "trainScenes": train_ids,
            "heldOutScenes": held_ids,
            "seed": args.seed,
            "epochs": len(ae_hist),
            "autoencoderFrom": args.ae_checkpoint,
            "lstmEpochs": args.lstm_epochs,
            "rollout": args.rollout,
            "torch": torch.__version__,
            "device": str(ctx.device),
            "processes": ctx.world,
            "autoencoder": ae_cfg.to_dict(),
            "lstm": lstm_cfg.to_dict(),
            "hyperparameters": {"batch": args.batch, "lr": args.lr, "lstmBatch": args.lstm_batch,
                                "workers": args.workers, "mirror": not args.no_mirror,
                                "lstmLr": args.lstm_lr, "holdout": args.holdout},
            "losses": {"autoencoder": ae_hist, "lstm": lstm_hist},
            "copyLastCodeMse": copy_last,
            "timings": timings,
            "command": " ".join(sys.argv),
            "timeLimit": args.time_limit,
        },
        "evaluation": ev,
        "golden": {"index": "golden/golden.json", "cases": [c["name"] for c in golden["cases"]],
                   "tolerance": {"maxAbsOverMaxRef": GOLDEN_TOLERANCE}},
    }
    if state_spec is not None:
        manifest["state"] = {"inputChannels": state_spec.channels, "residualScale": state_spec.residual_scale}
    images = write_report(out, manifest, ae_hist, lstm_hist, samples)
    manifest["report"] = {"file": "REPORT.md", "images": images}
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
    a, l1, l4 = ev["autoencoder"], ev["lstm"]["1step"], ev["lstm"]["4step"]
    ctx.log(f"done in {timings['total']:.1f} s: held-out relL2 AE {a['relL2']:.4f}, LSTM 1-step "
            f"{l1['relL2']:.4f}, 4-step {l4['relL2']:.4f} (dynamic: {a['relL2Dyn']:.4f}, "
            f"{l1['relL2Dyn']:.4f}, {l4['relL2Dyn']:.4f}); sizes enc/lstm/dec "
            f"{info['encoder']['bytes']}/{info['lstm']['bytes']}/{info['decoder']['bytes']} bytes")
    D.teardown(ctx)
    return manifest


def main(argv=None):
    args = parse_args(argv)
    try:
        run(args)
    except (DatasetError, ExportError) as e:
        print(f"error: {e}", file=sys.stderr, flush=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
