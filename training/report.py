"""PNG figures (matplotlib, Agg) and the Markdown report of a trained model set."""
from __future__ import annotations

import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402



_FORM_NAMES = {"persistenceTotal": "copy total", "persistence": "copy last", "direct": "direct", "delta": "delta"}


def _kind_header(forms):
    return "| kind | " + " | ".join(f"{_FORM_NAMES[f]} {h}" for h in (1, 4) for f in forms) + " |"


def _kind_rule(forms):
    return "| --- |" + " --- |" * (2 * len(forms))

def _slice(field, liquid, k):
    return np.where(liquid[k], field[k], np.nan)


def slice_figure(sample, path):
    """Mid-depth (z) slices: total and dynamic pressure for truth/AE/LSTM, and errors."""
    liquid = sample["liquid"]
    k = liquid.shape[0] // 2
    ps = sample["hydrostatic"]
    cols = [("ground truth", sample["truth"]), ("autoencoder", sample["ae"]),
            ("LSTM 1-step", sample["lstm1"]), ("LSTM 4-step", sample["lstm4"])]
    truth = _slice(sample["truth"], liquid, k)
    dyn_truth = _slice(sample["truth"] - ps, liquid, k)
    fin = np.isfinite(truth)
    vmax = float(np.nanmax(np.abs(truth))) if fin.any() else 1.0
    dmax = float(np.nanmax(np.abs(dyn_truth))) if fin.any() else 1.0
    errs = [_slice(f - sample["truth"], liquid, k) for _, f in cols[1:]]
    emax = max([float(np.nanmax(np.abs(e))) for e in errs if np.isfinite(e).any()] + [1e-9])
    fig, axes = plt.subplots(3, 4, figsize=(13, 9.5))
    for j, (name, f) in enumerate(cols):
        im0 = axes[0, j].imshow(_slice(f, liquid, k), origin="lower", cmap="viridis", vmin=0, vmax=vmax)
        axes[0, j].set_title(f"{name}\ntotal p (Pa)")
        im1 = axes[1, j].imshow(_slice(f - ps, liquid, k), origin="lower", cmap="RdBu_r", vmin=-dmax, vmax=dmax)
        axes[1, j].set_title(f"{name}\ndynamic p - p_s (Pa)")
    fig.colorbar(im0, ax=axes[0, :].tolist(), shrink=0.8)
    fig.colorbar(im1, ax=axes[1, :].tolist(), shrink=0.8)
    axes[2, 0].imshow(np.where(liquid[k], 1.0, 0.0), origin="lower", cmap="Blues", vmin=0, vmax=1.5)
    axes[2, 0].set_title("liquid cells")
    for j, e in enumerate(errs):
        im2 = axes[2, j + 1].imshow(e, origin="lower", cmap="RdBu_r", vmin=-emax, vmax=emax)
        axes[2, j + 1].set_title(f"{cols[j + 1][0]}\nerror (Pa)")
    fig.colorbar(im2, ax=axes[2, :].tolist(), shrink=0.8)
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(f"held-out {sample['scene']}, frame {sample['frame']}, slice z = {k} (x right, y up)")
    fig.savefig(path, dpi=80)
    plt.close(fig)


def loss_figure(ae_hist, lstm_hist, path):
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    axes[0].semilogy([h["epoch"] for h in ae_hist], [h["mse"] for h in ae_hist], "o-")
    axes[0].set_title("autoencoder: training MSE (normalized pressure)")
    axes[1].semilogy([h["epoch"] for h in lstm_hist], [h["mse"] for h in lstm_hist], "o-")
    axes[1].set_title("LSTM: training rollout MSE (normalized codes)")
    for ax in axes:
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


def horizon_figure(ev, path):
    hz = ev["lstm"]["horizon"]
    steps = [h["steps"] for h in hz]
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    for ax, key, label in ((axes[0], "relL2", "relative to total pressure"),
                           (axes[1], "relL2Dyn", "relative to dynamic pressure")):
        ax.plot(steps, [h[key] for h in hz], "o-", label="LSTM rollout, direct")
        if "delta" in ev["lstm"]:
            ax.plot(steps, [h[key] for h in ev["lstm"]["delta"]["horizon"]], "^-",
                    label="LSTM rollout, delta (runtime)")
        ax.axhline(ev["autoencoder"][key], color="k", ls="--", label="autoencoder only")
        ax.plot([1, 4], [ev["persistence"]["1step"][key], ev["persistence"]["4step"][key]], "s",
                color="r", label="copy last frame")
        ax.set_xlabel("steps predicted from true history")
        ax.set_title(f"held-out relative L2 error, {label}")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


def _f(v, digits=4):
    return "n/a" if v is None else f"{v:.{digits}f}"


def _decoder_note(manifest):
    s = manifest["latent"].get("decoderDownsample", 1)
    return "" if s == 1 else f", decoder output at 1/{s} resolution (upsampled trilinearly)"


def _state_note(manifest):
    st = manifest.get("state")
    if not st:
        return ""
    return (f" State-conditioned: each predicted step also sees {st['inputChannels']} of the frame it "
            f"predicts (residualScale {st['residualScale']:.6g} Pa, state encoder base width "
            f"{manifest['training']['lstm']['state_width']}).")


def write_report(out_dir, manifest, ae_hist, lstm_hist, samples):
    """Writes images/*.png and REPORT.md; returns the image paths (relative to out_dir)."""
    img_dir = os.path.join(out_dir, "images")
    os.makedirs(img_dir, exist_ok=True)
    ev = manifest["evaluation"]
    images = []
    loss_figure(ae_hist, lstm_hist, os.path.join(img_dir, "training_loss.png"))
    images.append("images/training_loss.png")
    horizon_figure(ev, os.path.join(img_dir, "horizon.png"))
    images.append("images/horizon.png")
    for s in samples[:2]:
        name = f"images/slices_{s['scene']}_f{s['frame']:04d}.png"
        slice_figure(s, os.path.join(out_dir, name))
        images.append(name)

    tr = manifest["training"]
    data = tr["data"]
    rows = [("autoencoder reconstruction", ev["autoencoder"]),
            ("LSTM 1-step, direct", ev["lstm"]["1step"]), ("LSTM 4-step, direct", ev["lstm"]["4step"]),
            ("LSTM 1-step, delta (runtime default)", ev["lstm"]["delta"]["1step"]),
            ("LSTM 4-step, delta (runtime default)", ev["lstm"]["delta"]["4step"]),
            ("LSTM 1-step vs AE reconstruction", ev["lstm"]["vsAutoencoder"]["1step"]),
            ("LSTM 4-step vs AE reconstruction", ev["lstm"]["vsAutoencoder"]["4step"]),
            ("copy last frame, 1 step", ev["persistence"]["1step"]),
            ("copy last frame, 4 steps", ev["persistence"]["4step"])]
    if "persistenceTotal" in ev and manifest["mode"] == "split":
        rows += [("copy last total pressure (classical warm start), 1 step", ev["persistenceTotal"]["1step"]),
                 ("copy last total pressure (classical warm start), 4 steps", ev["persistenceTotal"]["4step"])]
    lines = [f"# Model set `{os.path.basename(os.path.normpath(out_dir))}`", ""]
    if data.get("synthetic"):
        lines += ["> **Trained on SYNTHETIC data (training/synthetic_dataset.py): for tests only, "
                  "never ship this model.**", ""]
    lines += [
        f"Mode `{manifest['mode']}`, window {manifest['window']}, outputs {manifest['outputs']}, "
        f"latent {manifest['latent']['channels']} channels at 1/{manifest['latent']['downsample']} "
        f"resolution{_decoder_note(manifest)}, inputs {manifest['inputChannels']}, pressureScale "
        f"{manifest['normalization']['pressureScale']:.6g} Pa.{_state_note(manifest)}",
        "",
        f"Data: `{data['path']}` ({data['scenes']} scenes, {data['frames']} frames, resolution "
        f"{data['resolution']} [nx, ny, nz], cell {data['cellSize']} m); "
        f"{len(tr['trainScenes'])} training scenes, {len(tr['heldOutScenes'])} held-out scenes "
        f"({', '.join(tr['heldOutScenes'])}).",
        f"Seed {tr['seed']}, torch {tr['torch']}, device {tr['device']}, {tr['processes']} process(es); "
        f"autoencoder {tr['epochs']} epochs, LSTM {tr['lstmEpochs']} epochs "
        f"({tr['rollout']}-step rollout loss).",
        "",
        "## Held-out evaluation",
        "",
        "Relative L2 error of decoded total pressure over liquid cells, mean over frames "
        "(pooled over all frames in brackets). `/total` divides by the total pressure, `/dynamic` "
        "by the dynamic part p - p_s (see training/README.md). \"vs AE reconstruction\" rows "
        "measure the prediction alone: decoded prediction against the decoded true code. "
        "\"direct\" decodes the predicted code; \"delta\" is what the runtime applies by default: "
        "the last solved frame plus D(predicted code) - D(its code) (training/evaluate.py).",
        "",
        "| prediction | /total | /dynamic | frames |",
        "| --- | --- | --- | --- |",
    ]
    for name, r in rows:
        lines.append(f"| {name} | {_f(r['relL2'])} ({_f(r['relL2Pooled'])}) | "
                     f"{_f(r['relL2Dyn'])} ({_f(r['relL2DynPooled'])}) | {r['frames']} |")
    # Split models also get the classical warm start (the last total pressure) as a column.
    forms = (("persistenceTotal",) if manifest["mode"] == "split" and "persistenceTotal" in ev else ()) \
        + ("persistence", "direct", "delta")
    lines += ["", "Per scene kind, /dynamic (mean over frames); lower than \"copy last\" means the "
              "prediction is a better warm start than the last solved frame:", "",
              _kind_header(forms), _kind_rule(forms)]
    for kind, kforms in ev["byKind"].items():
        cells = [_f(kforms[form][f"{h}step"]["relL2Dyn"]) for h in (1, 4) for form in forms]
        lines.append(f"| {kind} | " + " | ".join(cells) + " |")
    if ev.get("residual", {}).get("persistence", {}).get("1step") is not None:
        lines += ["", "Relative residual ||b - A p_hat|| / ||b|| of each frame's stored Poisson system "
                  "(mean over frames): the residual a solve warm-started from the prediction begins "
                  "with, and in proportion the divergence projecting with it would leave. The label "
                  "itself is below the dataset's solver tolerance.", "",
                  _kind_header(forms), _kind_rule(forms)]
        for kind, res in [("all", ev["residual"]), *ev["residualByKind"].items()]:
            cells = [_f(res[form][f"{h}step"]) for h in (1, 4) for form in forms]
            lines.append(f"| {kind} | " + " | ".join(cells) + " |")
    lines += ["", "Rollout horizon (LSTM fed its own predictions):", "",
              "| steps | " + " | ".join(str(h["steps"]) for h in ev["lstm"]["horizon"]) + " |",
              "| --- |" + " --- |" * len(ev["lstm"]["horizon"]),
              "| /total | " + " | ".join(_f(h["relL2"]) for h in ev["lstm"]["horizon"]) + " |",
              "| /dynamic | " + " | ".join(_f(h["relL2Dyn"]) for h in ev["lstm"]["horizon"]) + " |",
              "| /dynamic, delta | " + " | ".join(_f(h["relL2Dyn"]) for h in ev["lstm"]["delta"]["horizon"]) + " |",
              "", "## Models", "",
              "| net | parameters | bytes | ops |", "| --- | --- | --- | --- |"]
    for net in [n for n in ("encoder", "lstm", "decoder", "stateEncoder") if n in manifest["fileInfo"]]:
        info = manifest["fileInfo"][net]
        ops = ", ".join(f"{k} {v}" for k, v in sorted(info["ops"].items()))
        lines.append(f"| {net} | {info['parameters']} | {info['bytes']} | {ops} |")
    t = tr["timings"]
    lines += ["", "Timings (s): " + ", ".join(f"{k} {v:.1f}" for k, v in t.items()), "",
              f"Final training losses: autoencoder MSE {ae_hist[-1]['mse']:.4e} (normalized pressure, "
              f"liquid cells), LSTM {tr['rollout']}-step rollout MSE {lstm_hist[-1]['mse']:.4e} "
              f"(normalized codes; copying the last code gives {tr['copyLastCodeMse']:.4e}).", "",
              "## Images", ""]
    lines += [f"![{os.path.basename(p)}]({p})" for p in images]
    with open(os.path.join(out_dir, "REPORT.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    return images
