"""Single-process or data-parallel (torchrun) execution context, and seeding.

Under `torchrun` (env RANK/WORLD_SIZE/LOCAL_RANK set) a process group is created: gloo on CPU,
nccl on CUDA. Rank 0 alone writes files; `DistContext.is_main` tells which process that is.
"""
from __future__ import annotations

import os
import random
from dataclasses import dataclass

import numpy as np
import torch
import torch.distributed as dist


@dataclass
class DistContext:
    rank: int = 0
    world: int = 1
    local_rank: int = 0
    device: torch.device = torch.device("cpu")

    @property
    def is_main(self):
        return self.rank == 0

    @property
    def distributed(self):
        return self.world > 1

    def log(self, *args):
        if self.is_main:
            print(*args, flush=True)

    def barrier(self):
        if self.distributed:
            dist.barrier()

    def check_in_sync(self, module, name):
        """Raises unless every process holds bit-identical parameters and buffers."""
        if not self.distributed:
            return
        flat = torch.cat([t.detach().reshape(-1).double().cpu() for t in module.state_dict().values()])
        dev = self.device if self.device.type == "cuda" else torch.device("cpu")  # nccl needs CUDA
        local = torch.tensor([float(flat.sum()), float((flat * flat).sum()), float(flat.abs().max())],
                             dtype=torch.float64, device=dev)
        gathered = [torch.zeros_like(local) for _ in range(self.world)]
        dist.all_gather(gathered, local)
        if any(not torch.equal(g.cpu(), gathered[0].cpu()) for g in gathered):
            raise RuntimeError(f"{name}: weights differ between processes: {[g.tolist() for g in gathered]}")
        self.log(f"  {name}: weights identical on all {self.world} processes")

    def all_sum(self, values):
        """Sums a list of floats over all processes."""
        if not self.distributed:
            return list(values)
        t = torch.tensor(values, dtype=torch.float64,
                         device=self.device if self.device.type == "cuda" else "cpu")
        dist.all_reduce(t)
        return t.tolist()


def setup(device_arg=None) -> DistContext:
    """Creates the context; `device_arg` is 'cpu', 'cuda' or None (cuda when available)."""
    if device_arg is None:
        device_arg = "cuda" if torch.cuda.is_available() else "cpu"
    if device_arg == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("--device cuda requested but torch.cuda.is_available() is False")
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    if device_arg == "cuda":
        torch.cuda.set_device(local_rank)
        device = torch.device("cuda", local_rank)
    else:
        device = torch.device("cpu")
    if world > 1 and not dist.is_initialized():
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    return DistContext(rank, world, local_rank, device)


def teardown(ctx: DistContext):
    if ctx.distributed and dist.is_initialized():
        dist.destroy_process_group()


def seed_everything(seed: int):
    """Seeds python, numpy and torch, and asks torch for deterministic kernels."""
    # Needed by cuBLAS for deterministic matmuls; must be set before the first CUDA call.
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    random.seed(seed)
    np.random.seed(seed % (2 ** 32))
    torch.manual_seed(seed)
    torch.backends.cudnn.benchmark = False
    torch.backends.cudnn.deterministic = True
    torch.use_deterministic_algorithms(True, warn_only=True)
