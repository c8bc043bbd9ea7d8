/**
 * The measured recipes of MADE and its 32-mask ensemble (REPRODUCTION.md has the runs behind each figure), and the
 * one-class anomaly recipe; made.ts registers the models with them.
 */
import type { Recipe } from "../registry.js";

export const madeRecipe: Recipe = {
  dataset: "binarized-mnist",
  epochs: 18,
  batchSize: 100,
  lr: 1e-3,
  patience: 5,
  weightDecay: 3e-5,
  options: { hidden: [8000] },
  schedule: { kind: "cosine", total: 9000, minFactor: 0.02 },
  reference:
    "Germain et al. 2015: 88.40 nats with one mask " +
    "(measured here: 88.17 with this recipe; a 500-unit layer plateaus near 94.5)",
};

/**
 * One-class anomaly detection (`deepgen anomaly one-class`): a 500-unit MADE with direct connections on each digit's
 * ~5,000 training images, constant learning rate, the best epoch on that digit's validation images. Chosen on the
 * valid split (mean AUROC, seed 0): fixed binarization 95.1 vs dynamic 94.8 with `--score complexity
 * --binarizations 8`, the best of raw/complexity × stored/averaged images.
 */
export const oneClassRecipe: Recipe = {
  dataset: "mnist-fixed",
  epochs: 20,
  batchSize: 100,
  lr: 1e-3,
  options: { hidden: [500], directConnections: true },
  reference:
    "one-class MNIST (Ruff et al. 2018): a plain PyTorch MADE of this shape, 20 epochs, 94.3 % mean AUROC " +
    "(measured here: 94.9 % with --score complexity --binarizations 8, 91.2 % with raw −log p)",
};

/**
 * The published 86.64 is a network with two hidden layers of 8000 units (the authors' code gives that command for its
 * best MNIST result: 32 masks, orders and connectivity both drawn, direct input→output weights, Adagrad, until 30
 * epochs pass without a better valid score); this recipe keeps one layer, which fits a session on two cores.
 *
 * The 32-mask ensemble at the one-mask recipe's width, each mask after the first drawing a random order as well as
 * its connectivity (`orderAgnostic`, as the authors' command does). Measured, seed 0, one thread: test 89.65 nats
 * exact, valid 90.49, in 2 h 10 min; in natural order the same recipe gave 90.38 (valid 91.25) — random orders train
 * more slowly (valid 93.58 against 93.43 after 10 epochs) but overfit far less (the one-mask training loss ends
 * 0.4 nats under the ensemble's valid NLL, against 4.5 in natural order). At 500 units over 6 epochs random orders
 * had been 4 nats worse, which is why the recipe was in natural order before. Longer training alone overfit in
 * natural order: with L2 3e-5 and a 70-epoch cosine the valid NLL stood at 91.44, 91.22 and 91.22 after 20, 30 and
 * 40 epochs while the training loss fell from 87.9 to 83.7, so this recipe has 30 epochs, L2 1e-4 and a weight
 * average (the 20-epoch recipe before it, L2 3e-5, no average: 90.90). Validation of the 32 models costs more than an
 * epoch of training, so it runs every 10 epochs and after the last. Dropout on the hidden units was worse at this
 * length (p = 0.2: 90.83, p = 0.4: 91.50, natural order), so the recipe has none.
 */
export const ensembleRecipe: Recipe = {
  dataset: "binarized-mnist",
  epochs: 30,
  batchSize: 100,
  lr: 1e-3,
  patience: 5,
  validEvery: 10,
  weightDecay: 1e-4,
  ema: 0.999,
  // measured with 500 units (6 epochs, valid): direct connections −16 to −35 nats
  options: { hidden: [8000], orderAgnostic: true, directConnections: true },
  schedule: { kind: "cosine", total: 15000, minFactor: 0.02 },
  reference:
    "Germain et al. 2015: 86.64 nats (32-mask ensemble, two hidden layers); measured here: 89.65 with this recipe " +
    "(one layer, 30 epochs, seed 0)",
};

/** 200 epochs (not run: ~5 h at one thread from the measured ~70 s an epoch and ~3.5 min a validation). */
export const ensembleFull: Recipe = {
  ...ensembleRecipe,
  epochs: 200,
  patience: 20,
  schedule: { kind: "cosine", total: 100000, minFactor: 0.02 },
  reference: "Germain et al. 2015: 86.64 nats (32-mask ensemble); the 30-epoch recipe 200 epochs long (not run)",
};
