"""An --ae-checkpoint from a model set's ONNX encoder and decoder, so the LSTM (or a state
model) can be retrained on a shipped autoencoder without retraining it:

    python -m training.ae_from_model models/latent-liquid-total scratch/ae.pt

The ONNX initializers carry the PyTorch parameter names (`net.0.weight`, ...), so the weights
load into `Autoencoder` one to one; the checkpoint's training scenes and pressure scale come from
the manifest and are checked against the run that uses it (training.pipeline `_load_ae`), which
must therefore use the same data, mode and held-out scenes. `check_golden` compares the rebuilt
networks with the model set's golden outputs.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np
import onnx
import torch
from onnx import numpy_helper

from .models import AEConfig, Autoencoder, autoencoder_checkpoint


class ModelSetError(ValueError):
    pass


def _weights(path, prefix):
    model = onnx.load(path)
    return {f"{prefix}.{t.name}": torch.from_numpy(numpy_helper.to_array(t).copy()) for t in model.graph.initializer
            if t.name.startswith("net.")}


def autoencoder_from_model(model_dir):
    """(Autoencoder, manifest) rebuilt from model_dir's encoder.onnx and decoder.onnx."""
    with open(os.path.join(model_dir, "manifest.json")) as f:
        manifest = json.load(f)
    training = manifest.get("training") or {}
    cfg = training.get("autoencoder")
    if not cfg:
        raise ModelSetError(f"{model_dir}/manifest.json has no training.autoencoder (a model set from training.pipeline is needed)")
    cfg = dict(cfg)
    cfg.setdefault("decoder_downsample", manifest["latent"].get("decoderDownsample", 1))
    ae = Autoencoder(AEConfig(**cfg))
    files = manifest["files"]
    state = {**_weights(os.path.join(model_dir, files["encoder"]), "encoder"),
             **_weights(os.path.join(model_dir, files["decoder"]), "decoder")}
    expected = ae.state_dict()
    missing = sorted(set(expected) - set(state))
    extra = sorted(set(state) - set(expected))
    if missing or extra:
        raise ModelSetError(f"{model_dir}: the ONNX weights do not match an autoencoder {cfg}: missing {missing[:4]}, unexpected {extra[:4]}")
    for k, v in state.items():
        if tuple(v.shape) != tuple(expected[k].shape):
            raise ModelSetError(f"{model_dir}: {k} has shape {tuple(v.shape)}, the autoencoder {cfg} needs {tuple(expected[k].shape)}")
    ae.load_state_dict(state)
    ae.eval()
    return ae, manifest


def check_golden(ae, model_dir):
    """Max |rebuilt - golden| / max |golden| over the model set's encoder and decoder golden cases."""
    with open(os.path.join(model_dir, "golden", "golden.json")) as f:
        cases = json.load(f)["cases"]

    def tensor(t):
        return torch.from_numpy(np.fromfile(os.path.join(model_dir, "golden", t["file"]), dtype="<f4").reshape(t["dims"]))
    worst = 0.0
    for c in cases:
        if c["net"] not in ("encoder", "decoder"):
            continue
        net = ae.encoder if c["net"] == "encoder" else ae.decoder
        (x,), (y,) = c["inputs"].values(), c["outputs"].values()
        with torch.no_grad():
            out = net(tensor(x))
        want = tensor(y)
        worst = max(worst, float((out - want).abs().max() / want.abs().max().clamp(min=1e-12)))
    return worst


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m training.ae_from_model", description=__doc__.split("\n\n")[0])
    ap.add_argument("model", help="model set directory (manifest.json, encoder.onnx, decoder.onnx)")
    ap.add_argument("out", help="checkpoint to write (for training.pipeline --ae-checkpoint)")
    a = ap.parse_args(argv)
    try:
        ae, manifest = autoencoder_from_model(a.model)
    except (ModelSetError, OSError, KeyError) as e:
        print(f"ae_from_model: {e}", file=sys.stderr)
        return 2
    err = check_golden(ae, a.model)
    t = manifest["training"]
    torch.save({**autoencoder_checkpoint(ae, t.get("losses", {}).get("autoencoder", []), manifest["mode"],
                                          manifest["normalization"]["pressureScale"], manifest["inputChannels"], t["trainScenes"]),
                "from_model": os.path.abspath(a.model)}, a.out)
    print(f"ae_from_model: {a.out} from {a.model} (golden cases within {err:.2e} of their scale)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
