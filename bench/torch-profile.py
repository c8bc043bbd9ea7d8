"""Per-op CPU time of one PyTorch peer step (torch.profiler), to set beside bench/op-profile.ts.

    /usr/bin/python3 bench/torch-profile.py dcgan [--steps 10] [--peer ../shared/peers] [--top 25]
"""
import argparse
import json
import os
import sys

ap = argparse.ArgumentParser()
ap.add_argument("case")
ap.add_argument("--steps", type=int, default=10)
ap.add_argument("--top", type=int, default=25)
ap.add_argument("--peer", default=os.path.join(os.path.dirname(__file__), "../../shared/peers"))
args = ap.parse_args()
sys.path.insert(0, os.path.abspath(args.peer))
import torch  # noqa: E402
import torch_peer  # noqa: E402
from torch.profiler import ProfilerActivity, profile  # noqa: E402

torch.set_num_threads(1)
torch.manual_seed(0)
params, loss_fn = torch_peer.CASES[args.case]()
opt = torch.optim.Adam(params, 1e-3)


def step():
    loss = loss_fn()
    opt.zero_grad()
    loss.backward()
    opt.step()


for _ in range(3):
    step()
with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:
    for _ in range(args.steps):
        step()
rows = []
for e in prof.key_averages(group_by_input_shape=True):
    self_ms = round(e.self_cpu_time_total / 1000 / args.steps, 2)
    rows.append({"op": e.key, "shapes": str(e.input_shapes)[:90], "self_ms": self_ms, "calls": e.count / args.steps})
rows.sort(key=lambda r: -r["self_ms"])
total = sum(r["self_ms"] for r in rows)
out = {"case": args.case, "steps": args.steps, "self_ms_per_step": round(total, 1), "top": rows[: args.top]}
print(json.dumps(out, indent=1))
