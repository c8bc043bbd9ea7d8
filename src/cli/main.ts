#!/usr/bin/env -S node --no-concurrent-marking
/**
 * The deepgen command line. Each command lives in its own module; this file only wires them to commander.
 *
 * V8 marks the heap on the main thread (--no-concurrent-marking): a training step allocates tens of megabytes of
 * tensor storage, whose external-memory pressure starts a marking cycle every step or two, and with concurrent
 * marking a convolutional image model's training step took ~30 % more CPU time (125 vs 91 ms, one engine thread on a
 * loaded host).
 */
import { Command } from "commander";
import { benchCommand } from "./bench.js";
import { demoCommand } from "./demo.js";
import { infoCommand } from "./info.js";
import { trainCommand } from "./train.js";
import { completeCommand, evalCommand, sampleCommand } from "./eval.js";
import { dataCommand, modelsCommand } from "./catalog.js";
import "../models/index.js";
import { paramsCommand } from "./params.js";
import { latentCommands } from "./latent.js";
import { reproduceCommand } from "./reproduce.js";
import { anomalyCommand } from "./anomaly.js";
import { studioCommand } from "./studio.js";
import { scoreCommand } from "./score.js";
import { VERSION } from "../version.js";
import { jobsCommand } from "./jobs.js";
import { sweepCommand } from "./sweep.js";
import { workerCommand } from "./worker.js";

const program = new Command();
program
  .name("deepgen")
  .description("Deep generative models on a TypeScript tensor engine with a native C++ CPU backend")
  .version(VERSION)
  .showHelpAfterError();

trainCommand(program);
evalCommand(program);
scoreCommand(program);
sampleCommand(program);
completeCommand(program);
modelsCommand(program);
dataCommand(program);
paramsCommand(program);
latentCommands(program);
reproduceCommand(program);
anomalyCommand(program);
benchCommand(program);
demoCommand(program);
infoCommand(program);
studioCommand(program);
sweepCommand(program);
workerCommand(program);
jobsCommand(program);

program.parseAsync(process.argv).catch((e: Error) => {
  process.stderr.write(`deepgen: ${e.message}\n`);
  process.exit(1);
});
