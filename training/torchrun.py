"""`torchrun` that also works with Debian 12's torch 1.13 on Python 3.11.

There, `torchrun` crashes at start ("'NoneType' object has no attribute 'get'"): its
`Std.from_str` finds stream settings by iterating an IntFlag, and Python 3.11 no longer yields
the zero / multi-bit members, so the default `--redirects 0 --tee 0` become None. This wrapper
repairs that one function when it is broken and then runs torch.distributed.run unchanged:

    /usr/bin/python3 -m training.torchrun --standalone --nproc_per_node=2 -m training.pipeline ...
"""
import re

from torch.distributed.elastic.multiprocessing import api


def _from_str(cls, vm):
    if re.match(api._VALUE_REGEX, vm):
        return cls(int(vm))
    if re.match(api._MAPPING_REGEX, vm):
        return {int(i): cls(int(v)) for i, v in (m.split(":") for m in vm.split(","))}
    raise ValueError(f"{vm} does not match: <{api._VALUE_REGEX}> or <{api._MAPPING_REGEX}>")


if api.Std.from_str("0") is None:
    api.Std.from_str = classmethod(_from_str)

if __name__ == "__main__":
    from torch.distributed.run import main

    main()
