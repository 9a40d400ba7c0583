"""ONNX export (opset 17), graph clean-up, op allow-list check and golden input/output pairs.

The exported graphs must run entirely on onnxruntime-web's native WebGPU provider:
* no ConvTranspose (3D is unsupported there; the decoder uses Resize(nearest) + Conv);
* no Shape-computing subgraphs (they run on the CPU): every Reshape takes a constant shape, and
  the LSTM's initial_h/initial_c inputs (which torch builds from Shape/ConstantOfShape) are
  removed, so ONNX's default zero state is used;
* only ops in ALLOWED_OPS.
"""
from __future__ import annotations

import inspect
import json
import os
import warnings

import numpy as np
import onnx
import torch

OPSET = 17
ALLOWED_OPS = {
    "Conv", "LeakyRelu", "Resize", "Constant", "Identity", "Transpose", "Reshape", "Squeeze",
    "Unsqueeze", "Gather", "Slice", "Sub", "Div", "Mul", "Add", "MatMul", "Gemm", "ReduceMean",
    "Tanh", "LSTM", "Concat",
}
FORBIDDEN_OPS = {"ConvTranspose", "Shape", "ConstantOfShape", "Expand", "Size", "NonZero", "Range",
                 "Loop", "If", "Scan"}


class ExportError(Exception):
    pass


def _export(module, args, path, input_names, output_names, dynamic_axes):
    kwargs = dict(opset_version=OPSET, input_names=input_names, output_names=output_names,
                  dynamic_axes=dynamic_axes, do_constant_folding=True)
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        kwargs["dynamo"] = False  # torch >= 2.9 defaults to the dynamo exporter
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, args, path, **kwargs)


def clean_graph(model: onnx.ModelProto) -> onnx.ModelProto:
    """Drops LSTM initial states and every node/initializer that no graph output depends on."""
    g = model.graph
    for n in g.node:
        if n.op_type == "LSTM":
            ins = list(n.input[:5])  # X, W, R, B, sequence_lens; drop initial_h, initial_c, P
            while ins and ins[-1] == "":
                ins.pop()
            del n.input[:]
            n.input.extend(ins)
    needed = {o.name for o in g.output}
    keep = []
    for n in reversed(list(g.node)):
        if any(o in needed for o in n.output):
            keep.append(n)
            needed.update(i for i in n.input if i)
    keep.reverse()
    del g.node[:]
    g.node.extend(keep)
    inits = [i for i in g.initializer if i.name in needed]
    del g.initializer[:]
    g.initializer.extend(inits)
    return model


def check_graph(model: onnx.ModelProto, name: str):
    """Raises ExportError when an op is forbidden/unlisted or a Reshape shape is not constant."""
    g = model.graph
    const = {i.name for i in g.initializer}
    const.update(o for n in g.node if n.op_type == "Constant" for o in n.output)
    ops = {}
    for n in g.node:
        ops[n.op_type] = ops.get(n.op_type, 0) + 1
        if n.op_type in FORBIDDEN_OPS or n.op_type not in ALLOWED_OPS:
            raise ExportError(f"{name}: op {n.op_type} ({n.name}) is not allowed on the WebGPU path")
        if n.op_type == "Reshape" and n.input[1] not in const:
            raise ExportError(f"{name}: Reshape {n.name} has a computed shape")
        if n.op_type == "Resize":
            mode = [a.s.decode() for a in n.attribute if a.name == "mode"]
            if mode and mode[0] != "nearest":
                raise ExportError(f"{name}: Resize {n.name} mode {mode[0]} (nearest expected)")
        if n.op_type == "LSTM" and len(n.input) > 5:
            raise ExportError(f"{name}: LSTM {n.name} still has initial state inputs")
    for t in g.initializer:
        if t.data_type not in (onnx.TensorProto.FLOAT, onnx.TensorProto.INT64):
            raise ExportError(f"{name}: initializer {t.name} has data type {t.data_type}")
    return ops


def export_models(ae, lstm, out_dir, grid, in_channels):
    """Writes encoder.onnx, decoder.onnx, lstm.onnx (and for a state model state-encoder.onnx,
    with lstm.onnx taking a second input `state`); returns {net: {"file", "bytes", "ops"}}."""
    ae = ae.cpu().eval()
    lstm = lstm.cpu().eval()
    nz, ny, nx = grid
    x = torch.zeros(1, in_channels, nz, ny, nx)
    z = ae.encoder(x)
    c = z.shape[1]
    lat = {2: "lz", 3: "ly", 4: "lx"}
    full = {2: "nz", 3: "ny", 4: "nx"}
    # A coarse decoder (AEConfig.decoder_downsample s > 1) outputs [1, 1, nz/s, ny/s, nx/s]; the
    # runtime upsamples it, so the graph holds no trilinear Resize.
    decoded = full if ae.cfg.decoder_downsample == 1 else {2: "cz", 3: "cy", 4: "cx"}
    n = z[0, 0].numel()
    hist = torch.zeros(lstm.cfg.window, c, n)
    jobs = [
        ("encoder", "encoder", ae.encoder, (x,), ["pressure"], ["code"], {"pressure": full, "code": lat}),
        ("decoder", "decoder", ae.decoder, (z,), ["code"], ["pressure"], {"code": lat, "pressure": decoded}),
    ]
    if lstm.cfg.state:
        s = torch.zeros(1, lstm.cfg.state_channels, nz, ny, nx)
        jobs += [("stateEncoder", "state-encoder", lstm.state_encoder, (s,), ["state"], ["stateCode"],
                  {"state": full, "stateCode": lat}),
                 ("lstm", "lstm", lstm, (hist, torch.zeros(c, n)), ["history", "state"], ["prediction"],
                  {"history": {2: "N"}, "state": {1: "N"}, "prediction": {2: "N"}})]
    else:
        jobs += [("lstm", "lstm", lstm, (hist,), ["history"], ["prediction"],
                  {"history": {2: "N"}, "prediction": {2: "N"}})]
    info = {}
    for name, file, module, args, ins, outs, axes in jobs:
        path = os.path.join(out_dir, f"{file}.onnx")
        with torch.no_grad():
            _export(module, args, path, ins, outs, axes)
        model = clean_graph(onnx.load(path))
        onnx.checker.check_model(model)
        model = onnx.shape_inference.infer_shapes(model)
        ops = check_graph(model, name)
        onnx.save(model, path)
        info[name] = {"file": f"{file}.onnx", "bytes": os.path.getsize(path), "ops": ops}
    return info


def _write_bin(folder, name, arr):
    arr = np.ascontiguousarray(arr, dtype="<f4")
    arr.tofile(os.path.join(folder, name))
    return {"file": name, "dims": list(arr.shape)}


def state_effect(lstm, hist, state_code):
    """max |prediction(state) - prediction(zero state)| / max |prediction(state)| of a state
    model's LSTM (history [w, C, N], state code [C, N]): how much the golden case depends on
    the state, so that a runtime ignoring the state fails the golden comparison."""
    with_state = lstm(hist, state_code)
    without = lstm(hist, torch.zeros_like(state_code))
    return float((with_state - without).abs().max() / with_state.abs().max().clamp(min=1e-30))


@torch.no_grad()
def write_golden(ae, lstm, out_dir, x_main, history_main, x_alt=None, state_main=None, state_alt=None):
    """Golden pairs computed by PyTorch (float32, little-endian raw .bin + golden/golden.json).

    The decoder cases hold the exported decoder's own output: coarse (1/s per axis) for a model
    with AEConfig.decoder_downsample s > 1. x_main: encoder input [1, Cin, nz, ny, nx] (a real held-out frame); history_main: [w, C, N]
    real codes; x_alt: optional input at another resolution (checks multi-resolution graphs).
    A state model (lstm.cfg.state) also needs state_main (and with x_alt state_alt): the state
    channels [1, Cs, nz, ny, nx] of the frame the LSTM case predicts; it gets stateEncoder cases,
    and its LSTM cases take the state encoder's output as their `state` input (and record
    `stateEffect`, see state_effect).
    """
    ae = ae.cpu().eval()
    lstm = lstm.cpu().eval()
    folder = os.path.join(out_dir, "golden")
    os.makedirs(folder, exist_ok=True)
    cases = []

    def case(net, tag, inputs, out_name, out, **extra):
        cases.append({"net": net, "name": f"{net}_{tag}",
                      "inputs": {k: _write_bin(folder, f"{net}_{tag}_{k}.bin", v.numpy()) for k, v in inputs.items()},
                      "outputs": {out_name: _write_bin(folder, f"{net}_{tag}_{out_name}.bin", out.numpy())},
                      **extra})

    for tag, x, s in (("main", x_main, state_main), ("alt", x_alt, state_alt)):
        if x is None:
            continue
        z = ae.encoder(x)
        case("encoder", tag, {"pressure": x}, "code", z)
        case("decoder", tag, {"code": z}, "pressure", ae.decoder(z))
        if tag == "main":
            hist = history_main
        else:  # history at the other resolution: the main frame's code repeated with drift
            flat = z.reshape(z.shape[1], -1)
            hist = torch.stack([flat * (1 + 0.05 * k) for k in range(lstm.cfg.window)])
        if lstm.cfg.state:
            if s is None:
                raise ValueError(f"write_golden: a state model needs the state input of the {tag} case")
            sc = lstm.state_encoder(s)
            case("stateEncoder", tag, {"state": s}, "stateCode", sc)
            code = sc.reshape(sc.shape[1], -1)  # the code layout [C, N]: one buffer reinterpreted
            case("lstm", tag, {"history": hist, "state": code}, "prediction", lstm(hist, code),
                 stateEffect=state_effect(lstm, hist, code))
        else:
            case("lstm", tag, {"history": hist}, "prediction", lstm(hist))
    index = {"format": "latent-liquid-golden", "version": 1, "dtype": "float32-le",
             "producer": f"torch {torch.__version__}", "cases": cases}
    with open(os.path.join(folder, "golden.json"), "w") as f:
        json.dump(index, f, indent=1)
    return index
