/**
 * Training recipes: how to train a model (dataset, epochs, batch, optimizer, schedule, early stopping). Every value
 * — from a model's registration, a config file or a command-line flag — passes the same schema before anything is
 * written, so `--epochs -2` and `{"training": {"epochs": -2}}` fail with the same message.
 */
import * as z from "zod";
import { OptionsError } from "./options.js";

const posInt = (rule: string) => z.number({ error: rule }).int({ error: rule }).positive({ error: rule });
const posNum = (rule: string) => z.number({ error: rule }).positive({ error: rule }).finite({ error: rule });
const nonNeg = (rule: string) => z.number({ error: rule }).min(0, { error: rule }).finite({ error: rule });

export const scheduleSchema = z.strictObject(
  {
    kind: z.enum(["constant", "step", "exponential", "cosine", "warmup-cosine", "linear-decay", "stages"], {
      error: 'must be one of "constant", "step", "exponential", "cosine", "warmup-cosine", "linear-decay", "stages"',
    }),
    every: posInt("must be a positive integer (steps)").optional(),
    gamma: posNum("must be a positive number").optional(),
    /** cosine, warmup-cosine, linear-decay: steps to the floor; left out, the run's length (epochs × batches) */
    total: posInt("must be a positive integer (steps)").optional(),
    warmupSteps: z
      .number({ error: "must be a non-negative integer (steps)" })
      .int({ error: "must be a non-negative integer (steps)" })
      .min(0, { error: "must be a non-negative integer (steps)" })
      .optional(),
    minFactor: nonNeg("must be a number in [0, 1]").max(1, { error: "must be a number in [0, 1]" }).optional(),
    /** linear-decay: steps at the full rate before the decay to minFactor at `total` */
    holdSteps: z
      .number({ error: "must be a non-negative integer (steps)" })
      .int({ error: "must be a non-negative integer (steps)" })
      .min(0, { error: "must be a non-negative integer (steps)" })
      .optional(),
    /** stages: each stage lasts `ratio` times as many steps as the one before (Burda et al.: 3) */
    ratio: z.number({ error: "must be a number >= 1" }).min(1, { error: "must be a number >= 1" }).finite().optional(),
    /** stages: the number of stages; the rate stays at the last stage's after them */
    stages: posInt("must be a positive integer").optional(),
  },
  { error: 'must be an object such as {"kind": "cosine", "total": 50000}' },
);

const betaRule = "must be [β1, β2] with each in [0, 1), e.g. [0.5, 0.999]";
const beta = () => z.number({ error: betaRule }).min(0, { error: betaRule }).lt(1, { error: betaRule });
const betaPair = z.tuple([beta(), beta()], { error: betaRule });

export const recipeSchema = z
  .strictObject({
    dataset: z.string({ error: "must be a dataset name (see deepgen data)" }).min(1),
    epochs: posInt("must be a positive integer, e.g. 100"),
    batchSize: posInt("must be a positive integer, e.g. 100"),
    lr: posNum("must be a positive number, e.g. 0.001"),
    optimizer: z
      .enum(["adam", "adamw", "sgd", "rmsprop"], { error: 'must be one of "adam", "adamw", "sgd", "rmsprop"' })
      .optional(),
    weightDecay: nonNeg("must be a non-negative number, e.g. 0.0001").optional(),
    /** false: weight decay on the weight matrices only, not on biases and other one-dimensional parameters */
    decayBiases: z.boolean({ error: "must be true or false" }).optional(),
    /** L1 penalty λ·Σ|w| on the weight matrices (not biases), added to the loss of every image */
    l1: nonNeg("must be a non-negative number, e.g. 0.0005").optional(),
    /** sgd's momentum (default 0.9) */
    momentum: nonNeg("must be a number in [0, 1)").lt(1, { error: "must be a number in [0, 1)" }).optional(),
    /**
     * decay of an exponential moving average of the weights (e.g. 0.999): the average is what validation, the best
     * checkpoint and evaluation use, while the raw weights keep training; 0 or absent: no average
     */
    ema: nonNeg("must be a number in [0, 1), e.g. 0.999")
      .lt(1, { error: "must be a number in [0, 1), e.g. 0.999" })
      .optional(),
    /** Adam's moment decays (adam, adamw): one pair for every phase, or pairs by phase name; default [0.9, 0.999] */
    betas: z
      .union([betaPair, z.record(z.string(), betaPair)], {
        error: `${betaRule}, or an object of such pairs by training phase, e.g. {"generator": [0.5, 0.999]}`,
      })
      .optional(),
    schedule: scheduleSchema.optional(),
    /** stop after this many epochs without a better validation NLL */
    patience: posInt("must be a positive integer (epochs), e.g. 10").optional(),
    /**
     * validate after every this many epochs and after the last (default 1); patience still counts epochs since the
     * best, checked when a validation runs
     */
    validEvery: posInt("must be a positive integer (epochs), e.g. 5").optional(),
    clipNorm: posNum("must be a positive number, e.g. 5").optional(),
    /** what the recipe reproduces, with its source */
    reference: z.string({ error: "must be a string" }).optional(),
    /** model options the recipe uses on top of the model's defaults (the user's options still win) */
    options: z.record(z.string(), z.unknown(), { error: "must be an object of model options" }).optional(),
  })
  .superRefine((r, ctx) => {
    if (r.momentum !== undefined && (r.optimizer ?? "adam") !== "sgd")
      ctx.addIssue({
        code: "custom",
        path: ["momentum"],
        message: `applies to sgd only, not ${r.optimizer ?? "adam"}`,
      });
    if (r.decayBiases === false && r.optimizer === "adamw")
      ctx.addIssue({
        code: "custom",
        path: ["decayBiases"],
        message: "applies to the L2 of adam, sgd and rmsprop, not to adamw's decoupled decay",
      });
    if (r.betas && r.optimizer && r.optimizer !== "adam" && r.optimizer !== "adamw")
      ctx.addIssue({ code: "custom", path: ["betas"], message: `applies to adam and adamw only, not ${r.optimizer}` });
  });

export type Recipe = z.output<typeof recipeSchema>;
export type ScheduleSpec = z.output<typeof scheduleSchema>;

/** Validates a (complete) recipe; `who` names where it came from. */
export function parseRecipe(who: string, raw: unknown): Recipe {
  const r = recipeSchema.safeParse(raw);
  if (r.success) return r.data;
  const lines = r.error.issues.map((i) => {
    if (i.code === "unrecognized_keys") {
      const known = Object.keys(recipeSchema.shape).join(", ");
      return `unknown training setting ${i.keys.map((k) => `"${k}"`).join(", ")}; known: ${known}`;
    }
    const p = i.path.join(".");
    const got = i.path.reduce<unknown>((o, k) => (o as Record<PropertyKey, unknown> | undefined)?.[k], raw);
    return `training setting "${p}" ${i.message} (got ${JSON.stringify(got)})`;
  });
  throw new OptionsError(`${who}: ${lines.join("; ")}`);
}
