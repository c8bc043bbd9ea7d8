"""deepgen's unconditional DCGAN and its default recipe, written again in PyTorch: a reference for what the network
and recipe reach when an independent engine trains them. Its samples are scored by deepgen's own classifier and
metric code (bench/score-npy.ts), so the two engines' numbers sit on one scale. A benchmark, not a test: nothing in
the test suite or CI imports torch.

    node --import tsx bench/export-mnist.ts --out DIR/mnist-train.npy
    nice -n 19 /usr/bin/python3 bench/dcgan-torch.py --data DIR/mnist-train.npy --out-dir DIR \\
        --seed 0 --epochs 30 --sample-at 10,30 [--threads 1] [--n-samples 10000] [--resume]
    node --import tsx bench/score-npy.ts --samples DIR/samples-seed0-e10.npy --samples DIR/samples-seed0-e30.npy

What it matches in src/models/adversarial (dcgan.ts, adversarial.ts, losses.ts, normal-init.ts), src/nn and
src/train:
  G: z (100, N(0, I)) -> Linear 6272 + BatchNorm1d + ReLU -> [128, 7, 7] -> ConvTranspose(4, 2, 1) 64 + BatchNorm2d
     + ReLU -> ConvTranspose(4, 2, 1) 1 -> sigmoid.
  D: Conv(4, 2, 1) 64 + LeakyReLU 0.2 -> Conv(4, 2, 1) 128 + BatchNorm2d + LeakyReLU 0.2 -> Linear 1 (a logit).
  Every linear, convolution and transposed-convolution weight from N(0, 0.02^2), their biases zero; BatchNorm gains
  from N(1, 0.02^2), shifts zero. BatchNorm momentum 0.1, eps 1e-5, running variance unbiased (both engines').
  Adam at 2e-4, betas (0.5, 0.999), eps 1e-8, for each network, constant rate.
  One step per minibatch of 64 real images (the 50,000 images of the 8-bit `mnist` train split in [0, 1], shuffled
  anew each epoch; the last batch of an epoch holds the remaining 16, so 782 steps an epoch):
    D: fake = G(z) for fresh z, one per real image, without a graph (G in training mode, so its batch-norm estimates
       move); loss = mean softplus(-D(real)) + mean softplus(D(fake)), with real and fake in two separate D passes
       (two sets of batch statistics); one Adam step.
    G: fresh z again; loss = mean softplus(-D(G(z))) (non-saturating), D in training mode; one Adam step.
  Samples: G in eval mode (running batch-norm estimates), sigmoid outputs, float32 .npy [n, 784].
What differs: random streams (PyTorch's generator, not deepgen's), so runs agree in distribution, not bit for bit.

At each epoch in --sample-at the samples go to DIR/samples-seed{S}-e{E}.npy (drawn with their own generator, so
sampling does not move the training stream); after every epoch the state goes to DIR/checkpoint-seed{S}.pt, which
--resume continues from (the batch order is a function of seed and epoch) and --sample-only samples (the same
images a --sample-at of that epoch draws). Progress every --log-every steps and a summary at the end, as JSON
lines on stdout, with wall and CPU (process) seconds; the per-step figures leave sampling out.
"""
import argparse
import json
import os
import time

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # one thread unless asked otherwise, before numpy and torch load their pools
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

ap = argparse.ArgumentParser()
ap.add_argument("--data", help="float32 .npy [N, 784] of training images in [0, 1] (not for --sample-only)")
ap.add_argument("--out-dir", required=True)
ap.add_argument("--seed", type=int, default=0)
ap.add_argument("--epochs", type=int, default=10)
ap.add_argument("--sample-at", default="", help="epochs after which to sample (default: the last)")
ap.add_argument("--n-samples", type=int, default=10000)
ap.add_argument("--batch", type=int, default=64)
ap.add_argument("--threads", type=int, default=1)
ap.add_argument("--log-every", type=int, default=100)
ap.add_argument("--resume", action="store_true")
ap.add_argument("--sample-only", action="store_true",
                help="sample the networks of DIR/checkpoint-seed{S}.pt (the end of its epoch) without training")
args = ap.parse_args()

torch.set_num_threads(args.threads)
torch.set_num_interop_threads(1)
NOISE, WIDTH, STD, LR, BETAS = 100, 64, 0.02, 2e-4, (0.5, 0.999)


class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(NOISE, 2 * WIDTH * 7 * 7)
        self.bn0 = nn.BatchNorm1d(2 * WIDTH * 7 * 7)
        self.up1 = nn.ConvTranspose2d(2 * WIDTH, WIDTH, 4, 2, 1)
        self.bn1 = nn.BatchNorm2d(WIDTH)
        self.up2 = nn.ConvTranspose2d(WIDTH, 1, 4, 2, 1)

    def forward(self, z):
        x = F.relu(self.bn0(self.fc(z))).view(-1, 2 * WIDTH, 7, 7)
        return torch.sigmoid(self.up2(F.relu(self.bn1(self.up1(x))))).view(-1, 784)


class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, WIDTH, 4, 2, 1)
        self.conv2 = nn.Conv2d(WIDTH, 2 * WIDTH, 4, 2, 1)
        self.bn2 = nn.BatchNorm2d(2 * WIDTH)
        self.fc = nn.Linear(2 * WIDTH * 7 * 7, 1)

    def forward(self, x):
        h = F.leaky_relu(self.conv1(x.view(-1, 1, 28, 28)), 0.2)
        h = F.leaky_relu(self.bn2(self.conv2(h)), 0.2)
        return self.fc(h.flatten(1)).view(-1)


def normal_init(net):
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
                m.weight.normal_(0.0, STD)
                m.bias.zero_()
            elif isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
                m.weight.normal_(1.0, STD)
                m.bias.zero_()


def sample(G, path, n, seed):
    """n images from G in eval mode, from z drawn with their own generator; G goes back to training mode."""
    g = torch.Generator().manual_seed(seed)
    G.eval()
    with torch.no_grad():
        x = torch.cat([G(torch.randn(min(1000, n - i), NOISE, generator=g)) for i in range(0, n, 1000)])
    G.train()
    np.save(path, x.numpy().astype(np.float32))
    return {"samples": path, "n": n, "mean": float(x.mean())}


def load_data():
    if not args.data:
        raise SystemExit("--data FILE.npy is needed to train")
    data = torch.from_numpy(np.load(args.data))
    if data.dtype != torch.float32 or data.ndim != 2 or data.shape[1] != 784:
        raise SystemExit(f"{args.data}: need float32 [N, 784], found {data.dtype} {list(data.shape)}")
    return data


def main():
    os.makedirs(args.out_dir, exist_ok=True)
    ckpt = os.path.join(args.out_dir, f"checkpoint-seed{args.seed}.pt")
    sample_at = {int(e) for e in args.sample_at.split(",") if e} or {args.epochs}

    torch.manual_seed(args.seed)
    G, D = Generator(), Discriminator()
    normal_init(G)
    normal_init(D)
    opt_g = torch.optim.Adam(G.parameters(), LR, betas=BETAS, eps=1e-8)
    opt_d = torch.optim.Adam(D.parameters(), LR, betas=BETAS, eps=1e-8)
    epoch0, step = 0, 0
    if (args.resume or args.sample_only) and os.path.exists(ckpt):
        s = torch.load(ckpt)
        G.load_state_dict(s["G"])
        D.load_state_dict(s["D"])
        opt_g.load_state_dict(s["opt_g"])
        opt_d.load_state_dict(s["opt_d"])
        torch.set_rng_state(s["rng"])
        epoch0, step = s["epoch"], s["step"]
    if args.sample_only:
        if epoch0 == 0:
            raise SystemExit(f"--sample-only: no checkpoint at {ckpt}")
        path = os.path.join(args.out_dir, f"samples-seed{args.seed}-e{epoch0}.npy")
        print(json.dumps({"event": "sampled", "epoch": epoch0, "step": step,
                          **sample(G, path, args.n_samples, args.seed)}), flush=True)
        return
    data = load_data()
    n_train = data.shape[0]
    G.train()
    D.train()
    print(json.dumps({"event": "start", "torch": torch.__version__, "threads": torch.get_num_threads(),
                      "n_train": n_train, "batch": args.batch, "seed": args.seed, "epochs": args.epochs,
                      "from_epoch": epoch0, "step": step}), flush=True)

    wall0, cpu0 = time.perf_counter(), time.process_time()
    lw, lc, steps_here = wall0, cpu0, 0
    aside_wall = aside_cpu = 0.0  # sampling time, kept out of the per-step figures
    acc = {"loss_d": 0.0, "loss_g": 0.0, "d_real": 0.0, "d_fake": 0.0, "k": 0}
    for epoch in range(epoch0, args.epochs):
        order = torch.randperm(n_train, generator=torch.Generator().manual_seed(args.seed * 100003 + epoch))
        for b in range(0, n_train, args.batch):
            real = data[order[b:b + args.batch]]
            n = real.shape[0]
            with torch.no_grad():
                fake = G(torch.randn(n, NOISE))
            l_real, l_fake = D(real), D(fake)
            loss_d = F.softplus(-l_real).mean() + F.softplus(l_fake).mean()
            opt_d.zero_grad()
            loss_d.backward()
            opt_d.step()
            loss_g = F.softplus(-D(G(torch.randn(n, NOISE)))).mean()
            opt_g.zero_grad()
            loss_g.backward()
            opt_g.step()
            step += 1
            steps_here += 1
            acc["loss_d"] += loss_d.item()
            acc["loss_g"] += loss_g.item()
            acc["d_real"] += torch.sigmoid(l_real).mean().item()
            acc["d_fake"] += torch.sigmoid(l_fake).mean().item()
            acc["k"] += 1
            if step % args.log_every == 0:
                w, c, k = time.perf_counter(), time.process_time(), acc.pop("k")
                rec = {"step": step, "epoch": epoch, **{key: round(v / k, 4) for key, v in acc.items()},
                       "ms_per_step_wall": round((w - lw) * 1000 / k, 1),
                       "ms_per_step_cpu": round((c - lc) * 1000 / k, 1)}
                print(json.dumps(rec), flush=True)
                lw, lc = w, c
                acc = {"loss_d": 0.0, "loss_g": 0.0, "d_real": 0.0, "d_fake": 0.0, "k": 0}
        state = {"G": G.state_dict(), "D": D.state_dict(), "opt_g": opt_g.state_dict(),
                 "opt_d": opt_d.state_dict(), "rng": torch.get_rng_state(), "epoch": epoch + 1, "step": step}
        torch.save(state, ckpt + ".tmp")
        os.replace(ckpt + ".tmp", ckpt)  # a reader (--sample-only) never sees half a file
        done = {"event": "epoch", "epoch": epoch + 1, "step": step,
                "wall_s": round(time.perf_counter() - wall0, 1), "cpu_s": round(time.process_time() - cpu0, 1)}
        if epoch + 1 in sample_at:
            path = os.path.join(args.out_dir, f"samples-seed{args.seed}-e{epoch + 1}.npy")
            sw, sc = time.perf_counter(), time.process_time()
            done.update(sample(G, path, args.n_samples, args.seed))
            aside_wall += time.perf_counter() - sw
            aside_cpu += time.process_time() - sc
            lw, lc = lw + time.perf_counter() - sw, lc + time.process_time() - sc
        print(json.dumps(done), flush=True)
    wall, cpu = time.perf_counter() - wall0 - aside_wall, time.process_time() - cpu0 - aside_cpu
    print(json.dumps({"event": "end", "steps_this_session": steps_here, "training_wall_s": round(wall, 1),
                      "training_cpu_s": round(cpu, 1), "sampling_wall_s": round(aside_wall, 1),
                      "ms_per_step_wall": round(wall * 1000 / max(steps_here, 1), 1),
                      "ms_per_step_cpu": round(cpu * 1000 / max(steps_here, 1), 1)}), flush=True)


if __name__ == "__main__":
    main()
