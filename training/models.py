"""Networks: a fully convolutional 3D autoencoder and a latent LSTM shared across latent cells.

Everything here exports to ONNX opset 17 with only ops that onnxruntime-web's native WebGPU
provider runs (Conv, LeakyRelu, Resize(nearest), MatMul, Add, Mul, Sub, Div, Tanh, ReduceMean,
Transpose, constant-shape Reshape, Squeeze, Slice/Gather with constant indices, LSTM).
No ConvTranspose (unsupported for 3D on WebGPU) and no shape-computing subgraphs.

Layouts (see docs/contracts.md):
  encoder  [B, Cin, nz, ny, nx] -> [B, C, nz/8, ny/8, nx/8]
  decoder  [B, C, lz, ly, lx]   -> [B, 1, nz/s, ny/s, nx/s]   (s = AEConfig.decoder_downsample)
  lstm     history [w, C, N]    -> prediction [o, C, N]   (N = lz*ly*lx latent cells)
           a state model (LSTMConfig.state): history [w, C, N], state [C, N] -> [1, C, N]
  state encoder [B, Cs, nz, ny, nx] -> [B, C, nz/8, ny/8, nx/8]
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import partial

import torch
import torch.nn as nn
import torch.nn.functional as F

DOWNSAMPLE = 8  # three stride-2 stages
LEAK = 0.1
DECODER_DOWNSAMPLES = (1, 2, 4)  # allowed AEConfig.decoder_downsample values


@dataclass
class AEConfig:
    in_channels: int = 2
    latent_channels: int = 16
    base_width: int = 8  # widths per stage: b (full), 2b (/2), 4b (/4), 4b (/8)
    init: str = "he"  # conv weight init: "he" (LeakyReLU gain) or "torch" (torch's default)
    # The decoder outputs 1/s of the grid per axis (it skips its last log2(s) upsampling stages);
    # the runtime upsamples trilinearly. 1 = full resolution.
    decoder_downsample: int = 1

    def __post_init__(self):
        if self.decoder_downsample not in DECODER_DOWNSAMPLES:
            raise ValueError(f"decoder_downsample must be one of {DECODER_DOWNSAMPLES} "
                             f"(got {self.decoder_downsample!r})")

    def widths(self):
        b = self.base_width
        return [b, 2 * b, 4 * b, 4 * b]

    def to_dict(self):
        return asdict(self)


@dataclass
class LSTMConfig:
    channels: int = 16
    window: int = 6
    outputs: int = 1
    hidden: int = 64
    layers: int = 2
    context: bool = True  # add a projection of the mean code over all latent cells
    base: str = "linear"  # residual base: "linear" extrapolation or "last" code
    # State conditioning (docs/contracts.md "State conditioning"): a StateEncoder maps the
    # predicted step's state channels to a code added to the head output. Only for outputs == 1.
    state: bool = False
    state_channels: int = 0  # Cs, number of state input channels (residual, levelset[, solid])
    state_width: int = 4  # the state encoder's base width

    def __post_init__(self):
        if self.state:
            if self.outputs != 1:
                raise ValueError(f"a state-conditioned LSTM needs outputs == 1 (got outputs={self.outputs}): "
                                 "the state is that of the one predicted step")
            if self.state_channels < 1:
                raise ValueError(f"state_channels must be at least 1 for a state model (got {self.state_channels})")
            if self.state_width < 1:
                raise ValueError(f"state_width must be at least 1 (got {self.state_width})")

    def to_dict(self):
        return asdict(self)


def _conv(cin, cout, k=3, stride=1, init="he"):
    conv = nn.Conv3d(cin, cout, k, stride=stride, padding=k // 2)
    if init == "he":
        # He init for LeakyReLU keeps the signal's variance through the ~20 layers; torch's
        # default shrinks it about 6x per layer, so the untrained output ignores the input.
        nn.init.kaiming_normal_(conv.weight, a=LEAK, nonlinearity="leaky_relu")
        nn.init.zeros_(conv.bias)
    return conv


class _NearestUp2Fn(torch.autograd.Function):
    """Nearest x2 upsampling whose backward is a deterministic 2x2x2 block sum.

    CUDA's own upsample_nearest3d backward uses atomics (non-deterministic); this one uses
    avg_pool3d, which is deterministic on CPU and CUDA.
    """

    @staticmethod
    def forward(ctx, x):
        return F.interpolate(x, scale_factor=2.0, mode="nearest")

    @staticmethod
    def backward(ctx, grad):
        return F.avg_pool3d(grad, 2) * 8.0


class NearestUp2(nn.Module):
    def forward(self, x):
        if self.training and torch.is_grad_enabled():
            return _NearestUp2Fn.apply(x)
        # Exported as Resize(mode=nearest) with constant scales.
        return F.interpolate(x, scale_factor=2.0, mode="nearest")


def _linear_up_matrix(n, s):
    """[n*s, n] float64 matrix of 1D linear upsampling by s as F.interpolate computes it with
    align_corners=False: output i reads source (i + 0.5)/s - 0.5, clamped to >= 0, from its floor
    and the next cell (clamped to n - 1)."""
    i = torch.arange(n * s, dtype=torch.float64)
    src = ((i + 0.5) / s - 0.5).clamp(min=0.0)
    i0 = src.floor().long()
    i1 = (i0 + 1).clamp(max=n - 1)
    l1 = src - i0
    rows = torch.arange(n * s)
    m = torch.zeros(n * s, n, dtype=torch.float64)
    m.index_put_((rows, i0), 1.0 - l1, accumulate=True)
    m.index_put_((rows, i1), l1, accumulate=True)  # i1 == i0 at the upper edge
    return m


class _TrilinearUpFn(torch.autograd.Function):
    """F.interpolate(trilinear, align_corners=False) by an integer factor, with a deterministic
    backward: the adjoint applied axis by axis as matrix products (CUDA's own
    upsample_trilinear3d backward uses atomics, i.e. is not deterministic)."""

    @staticmethod
    def forward(ctx, x, s):
        ctx.s, ctx.dims = s, x.shape[2:]
        return F.interpolate(x, scale_factor=float(s), mode="trilinear", align_corners=False)

    @staticmethod
    def backward(ctx, grad):
        d, h, w = ctx.dims
        mz, my, mx = (_linear_up_matrix(n, ctx.s).to(grad.dtype).to(grad.device) for n in (d, h, w))
        g = grad @ mx  # [B, C, D*s, H*s, W]
        g = (g.transpose(3, 4) @ my).transpose(3, 4)  # [B, C, D*s, H, W]
        g = (g.transpose(2, 4) @ mz).transpose(2, 4)  # [B, C, D, H, W]
        return g.contiguous(), None


def upsample_to_grid(coarse, s):
    """The decoder's 1/s output [B, 1, nz/s, ny/s, nx/s] at full resolution, exactly
    F.interpolate(coarse, scale_factor=s, mode="trilinear", align_corners=False), the operation
    the runtime's WGSL kernel `upsampleDecoded` performs; identity for s = 1."""
    if s == 1:
        return coarse
    if torch.is_grad_enabled() and coarse.requires_grad:
        return _TrilinearUpFn.apply(coarse, s)
    return F.interpolate(coarse, scale_factor=float(s), mode="trilinear", align_corners=False)


class Encoder(nn.Module):
    def __init__(self, cfg: AEConfig):
        super().__init__()
        w, c = cfg.widths(), partial(_conv, init=cfg.init)
        layers = [c(cfg.in_channels, w[0]), nn.LeakyReLU(LEAK)]
        for i in range(3):
            layers += [c(w[i], w[i + 1], 3, 2), nn.LeakyReLU(LEAK),
                       c(w[i + 1], w[i + 1]), nn.LeakyReLU(LEAK)]
        layers += [c(w[3], cfg.latent_channels, 1)]  # linear code, no activation
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)


class Decoder(nn.Module):
    def __init__(self, cfg: AEConfig):
        super().__init__()
        w, c = cfg.widths(), partial(_conv, init=cfg.init)
        layers = [c(cfg.latent_channels, w[3]), nn.LeakyReLU(LEAK),
                  c(w[3], w[3]), nn.LeakyReLU(LEAK)]
        # s = 2 or 4 drops the last one or two stages: the costliest ones, at the finest grids.
        stages = (3, 2, 1)[:3 - {1: 0, 2: 1, 4: 2}[cfg.decoder_downsample]]
        for i in stages:
            layers += [NearestUp2(), c(w[i], w[i - 1]), nn.LeakyReLU(LEAK),
                       c(w[i - 1], w[i - 1]), nn.LeakyReLU(LEAK)]
        layers += [c(w[stages[-1] - 1], 1)]
        self.net = nn.Sequential(*layers)

    def forward(self, z):
        return self.net(z)


class Autoencoder(nn.Module):
    def __init__(self, cfg: AEConfig):
        super().__init__()
        self.cfg = cfg
        self.encoder = Encoder(cfg)
        self.decoder = Decoder(cfg)

    def decode_full(self, z):
        """Decoded pressure at the full grid resolution: the decoder's (possibly coarse) output
        upsampled as the runtime does it. Training losses and evaluation use this."""
        return upsample_to_grid(self.decoder(z), self.cfg.decoder_downsample)

    def forward(self, x):
        return self.decode_full(self.encoder(x))


def autoencoder_checkpoint(ae, history, mode, pressure_scale, inputs, train_scenes):
    """The autoencoder part of a checkpoint.pt, what training.pipeline --ae-checkpoint reads back
    and checks (mode, inputs, training scenes, pressure scale) before reusing the weights."""
    return {"autoencoder": ae.state_dict(), "ae_config": ae.cfg.to_dict(), "ae_history": history, "mode": mode,
            "pressure_scale": pressure_scale, "inputs": inputs, "train_scenes": train_scenes}


class StateEncoder(Encoder):
    """The state encoder of a state-conditioned model: the encoder's conv chain (so the runtime
    runs it like the encoder) from the Cs state channels to C code channels, with its own base
    width. Its last conv starts at zero, so an untrained state model predicts exactly what the
    unconditioned model with the same LSTM weights predicts."""

    def __init__(self, in_channels, channels, base_width):
        super().__init__(AEConfig(in_channels, channels, base_width))
        last = self.net[-1]
        nn.init.zeros_(last.weight)
        nn.init.zeros_(last.bias)


class LatentLSTM(nn.Module):
    """Predicts the next `outputs` latent codes of every latent cell from its last `window` codes.

    One LSTM is shared by all latent cells (cells are the batch, channels the features), so the
    same weights serve any domain size. Per time step a cell's input is its normalized code and
    its change since the previous frame; with `context` a projection of the mean of those over
    all cells of the frame is added (a ReduceMean, valid for any N). The prediction is residual
    on a base: the last code (`base="last"`) or its linear extrapolation (`base="linear"`,
    last + k * (last - previous) for the k-th output); the head starts at zero, so an untrained
    model predicts the base. Code normalization (per-channel mean/std, one-frame change scale
    from the training codes) lives in buffers and is baked into the exported graph.
    """

    def __init__(self, cfg: LSTMConfig):
        super().__init__()
        if cfg.window < 2:
            raise ValueError("the LSTM window must be at least 2 (it reads frame-to-frame changes)")
        self.cfg = cfg
        c, h = cfg.channels, cfg.hidden
        self.register_buffer("code_mean", torch.zeros(c))
        self.register_buffer("code_std", torch.ones(c))
        self.register_buffer("delta_scale", torch.ones(c))  # RMS one-frame change, normalized
        steps = torch.arange(1, cfg.outputs + 1, dtype=torch.float32)[:, None]
        self.register_buffer("base_steps", steps if cfg.base == "linear" else torch.zeros_like(steps))
        self.inp = nn.Linear(2 * c, h)
        self.ctx = nn.Linear(2 * c, h, bias=False) if cfg.context else None
        self.lstm = nn.LSTM(h, h, num_layers=cfg.layers)  # sequence-first
        self.head = nn.Linear(h, cfg.outputs * c)
        nn.init.zeros_(self.head.weight)
        nn.init.zeros_(self.head.bias)
        # Built last, so the LSTM's own weights for a seed are those of the unconditioned model.
        # Exported separately (state-encoder.onnx); lstm.onnx only takes its output.
        self.state_encoder = StateEncoder(cfg.state_channels, c, cfg.state_width) if cfg.state else None

    def set_normalization(self, mean, std, delta_scale):
        self.code_mean.copy_(mean)
        self.code_std.copy_(std)
        self.delta_scale.copy_(delta_scale)

    def normalize(self, x):
        return (x - self.code_mean) / self.code_std

    def denormalize(self, x):
        return x * self.code_std + self.code_mean

    def _features(self, xn, cell_dim):
        """xn: [w, ..., C] normalized codes, cells at `cell_dim` -> [w-1, ..., H] LSTM inputs."""
        x = torch.cat([xn[1:], (xn[1:] - xn[:-1]) / self.delta_scale], -1)
        f = self.inp(x)
        if self.ctx is not None:
            f = f + self.ctx(x.mean(dim=cell_dim, keepdim=True))
        return torch.tanh(f)

    def encode_state(self, s):
        """State channels [B, Cs, nz, ny, nx] -> state codes [B, N, C] (the layout of the training path)."""
        z = self.state_encoder(s)
        return z.reshape(z.shape[0], z.shape[1], -1).permute(0, 2, 1)

    def _check_state(self, state):
        if (state is not None) != self.cfg.state:
            raise ValueError("a state model (LSTMConfig.state) needs a state input, an unconditioned one takes none"
                             if self.cfg.state else "this LSTM has no state input (LSTMConfig.state is False)")

    def _head(self, f, last, prev, state=None):
        """f: [w-1, M, H]; last, prev: [M, C] normalized codes of the last two frames; state:
        None or [M, C] state codes -> [M, o, C]."""
        cfg = self.cfg
        y, _ = self.lstm(f)  # [w-1, M, H]
        d = self.head(y[-1])  # [M, o*C]
        if state is not None:  # in normalized-change units, before the reshape (contract)
            d = d + state
        d = d.reshape(-1, cfg.outputs, cfg.channels)
        base = last.unsqueeze(1) + self.base_steps * (last - prev).unsqueeze(1)
        return base + d * self.delta_scale

    def forward_normalized(self, xn, state=None):
        """Training path. xn: [w, B, N, C] normalized; state: [B, N, C] state codes of the
        predicted step (state models only) -> [o, B, N, C] normalized."""
        self._check_state(state)
        w, b, n, c = xn.shape
        f = self._features(xn, cell_dim=2).reshape(w - 1, b * n, -1)
        st = None if state is None else state.reshape(b * n, c)
        out = self._head(f, xn[-1].reshape(b * n, c), xn[-2].reshape(b * n, c), st)  # [B*N, o, C]
        return out.reshape(b, n, self.cfg.outputs, c).permute(2, 0, 1, 3)

    def forward(self, history, state=None):
        """Export path (contract layout). history: [w, C, N] raw codes; state: [C, N] state code
        (state models only) -> [o, C, N]."""
        self._check_state(state)
        xn = self.normalize(history.permute(0, 2, 1))  # [w, N, C]
        f = self._features(xn, cell_dim=1)  # [w-1, N, H]
        out = self._head(f, xn[-1], xn[-2], None if state is None else state.t())  # [N, o, C]
        return self.denormalize(out).permute(1, 2, 0)


def count_parameters(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())
