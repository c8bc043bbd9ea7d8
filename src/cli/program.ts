/**
 * The deepgen command tree: every command module wired to one commander program. `main.ts` parses the process's
 * arguments with it; tests build their own to call commands in-process.
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

/** A fresh program holding every command (commander keeps parse state on its commands: one program per parse). */
export function createProgram(): Command {
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
  return program;
}
