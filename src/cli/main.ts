#!/usr/bin/env -S node --no-concurrent-marking
/**
 * The deepgen command line. Each command lives in its own module, wired to commander in program.ts; this file parses
 * the process's arguments.
 *
 * V8 marks the heap on the main thread (--no-concurrent-marking): a training step allocates tens of megabytes of
 * tensor storage, whose external-memory pressure starts a marking cycle every step or two, and with concurrent
 * marking a convolutional image model's training step took ~30 % more CPU time (125 vs 91 ms, one engine thread on a
 * loaded host).
 */
import { createProgram } from "./program.js";

createProgram()
  .parseAsync(process.argv)
  .catch((e: Error) => {
    process.stderr.write(`deepgen: ${e.message}\n`);
    process.exit(1);
  });
