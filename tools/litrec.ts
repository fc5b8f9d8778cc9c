#!/usr/bin/env node
/** `litrec`: the recommender on any dataset — info, evaluate, recommend, tune, fetch. Subcommands live in tools/cli/. */
import * as fs from "fs";
import * as path from "path";
import { parseArgs, runCommand, checkOptions, UsageError, type CliArgs } from "./cli/common";
import { registeredModels } from "../lib/model";
import "../lib/index"; // every chapter registers its models

const COMMANDS: Record<string, string> = {
  info: "counts, density and rating histogram of a dataset",
  evaluate: "fit a model on a split and report RMSE / MAE / timings",
  fit: "fit a model and save it to a folder (for recommend / evaluate --model-file)",
  recommend: "top-N unseen items for a user",
  tune: "grid search with k-fold cross-validation",
  fetch: "download a public rating set (MovieLens, THU Netflix) into the cache",
};

function usage(): string {
  const lines = ["litrec — literate recommender systems", "", "usage:"];
  for (const cmd of Object.keys(COMMANDS)) {
    const mod = loadCommand(cmd);
    lines.push(`  ${mod?.usage ?? `litrec ${cmd} …  (not available in this build)`}`);
    lines.push(`      ${COMMANDS[cmd]}`);
  }
  lines.push("", "DIR is detected: THU Netflix (netflix_train.txt …), MovieLens ratings.csv, u.data or ratings.dat.");
  lines.push("Data policies (any command): --duplicates first|last|mean|error (default last), --unknown-users error|drop|keep (default error).");
  lines.push("", "models:");
  for (const m of registeredModels()) lines.push(`  ${m.name.padEnd(14)} ${m.description}${Object.keys(m.params).length ? ` (${Object.keys(m.params).join(", ")})` : ""}`);
  return lines.join("\n");
}

/** The module of a subcommand (tools/cli/NAME), or null when it is not there. */
function loadCommand(cmd: string): { run(args: CliArgs): Promise<number>; usage?: string } | null {
  const base = path.join(__dirname, "cli", cmd);
  if (![".ts", ".js"].some((ext) => fs.existsSync(base + ext))) return null;
  return require(base);
}

async function main(argv: string[]): Promise<number> {
  return runCommand(async () => {
    const args = parseArgs(argv);
    if (!args.command || args.command === "help") {
      console.log(usage());
      return args.command || args.help ? 0 : 2;
    }
    if (!(args.command in COMMANDS)) throw new UsageError(`unknown command '${args.command}' (one of: ${Object.keys(COMMANDS).join(", ")})`);
    const mod = loadCommand(args.command);
    if (!mod) throw new UsageError(`'${args.command}' is not available in this build`);
    if (args.help) {
      console.log(mod.usage ?? `litrec ${args.command}`);
      return 0;
    }
    if (mod.usage) checkOptions(args.command, mod.usage, args.given);
    return mod.run(args);
  });
}

if (require.main === module) main(process.argv.slice(2)).then((code) => (process.exitCode = code));

export { main };
