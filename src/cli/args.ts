/** Raised for bad command-line usage; the CLI prints it with the command's help and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Parsed arguments: positionals and `--name value` / `--flag` options. */
export interface ParsedArgs {
  positionals: string[];
  options: Map<string, string | true>;
}

/**
 * Parses `--name value`, `--name=value` and boolean `--flag` (names listed in `flags`).
 * Unknown options are errors, so typos never pass silently.
 */
export function parseArgs(argv: string[], known: { values: string[]; flags: string[] }): ParsedArgs {
  const positionals: string[] = [];
  const options = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) { positionals.push(a); continue; }
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
    if (known.flags.includes(name)) {
      if (eq > 0) throw new UsageError(`--${name} takes no value`);
      options.set(name, true);
    } else if (known.values.includes(name)) {
      const value = eq > 0 ? a.slice(eq + 1) : argv[++i];
      if (value === undefined || (eq < 0 && value.startsWith('--'))) throw new UsageError(`--${name} needs a value`);
      options.set(name, value);
    } else {
      throw new UsageError(`unknown option --${name}`);
    }
  }
  return { positionals, options };
}

/** Reads an integer option within [min, max]. */
export function intOption(args: ParsedArgs, name: string, fallback: number, min: number, max: number): number {
  const v = args.options.get(name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (v === true || !Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer in [${min}, ${max}] (got ${String(v)})`);
  return n;
}

/** Reads a number option within [min, max] (exclusive lower bound if `exclusiveMin`). */
export function numberOption(args: ParsedArgs, name: string, fallback: number | undefined, min: number, max: number, exclusiveMin = false): number | undefined {
  const v = args.options.get(name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (v === true || !Number.isFinite(n) || n < min || n > max || (exclusiveMin && n === min)) {
    throw new UsageError(`--${name} must be a number in ${exclusiveMin ? '(' : '['}${min}, ${max}] (got ${String(v)})`);
  }
  return n;
}

/** Reads a string option. */
export function stringOption(args: ParsedArgs, name: string): string | undefined {
  const v = args.options.get(name);
  if (v === true) throw new UsageError(`--${name} needs a value`);
  return v;
}
