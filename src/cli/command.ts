/**
 * A small, typed command framework over node:util parseArgs: every command declares its positionals and
 * options once, and gets parsing, strict unknown-option errors and generated --help from that.
 */
import { parseArgs } from 'node:util';
import { CamlinkError } from '../errors/camlink-error.js';
import type { CamlinkConfig } from '../config/schema.js';

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly description: string;
  readonly short?: string;
  readonly multiple?: boolean;
  /** Placeholder shown in help, e.g. DIR. */
  readonly valueName?: string;
}

export interface PositionalSpec {
  readonly name: string;
  readonly description: string;
  readonly required: boolean;
}

type OptionValue<S extends OptionSpec> = S['type'] extends 'boolean'
  ? boolean | undefined
  : S['multiple'] extends true
    ? string[] | undefined
    : string | undefined;

export type OptionValues<O extends Record<string, OptionSpec>> = { [K in keyof O]: OptionValue<O[K]> } & {
  readonly config: string | undefined;
  readonly 'data-dir': string | undefined;
  readonly 'log-level': string | undefined;
};

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  readonly env: NodeJS.ProcessEnv;
  /** stdout is a terminal (a person reads it): `camlink up` then shows logs for people (log.format auto). */
  readonly stdoutIsTTY?: boolean;
}

export interface CommandContext<O extends Record<string, OptionSpec>> {
  readonly args: readonly string[];
  readonly options: OptionValues<O>;
  readonly io: CliIo;
  /** The effective configuration: file, CAMLINK_* env, then --data-dir / --log-level flags. */
  config(): Readonly<CamlinkConfig>;
}

export interface Command {
  readonly kind: 'command';
  readonly name: string;
  readonly summary: string;
  readonly description?: string;
  readonly positionals: readonly PositionalSpec[];
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** Commands chosen when the first argument names one (`camlink camera stream`); else this one runs. */
  readonly subcommands: readonly Command[];
  execute(argv: readonly string[], io: CliIo, path: readonly string[]): Promise<number>;
}

export interface CommandGroup {
  readonly kind: 'group';
  readonly name: string;
  readonly summary: string;
  readonly children: readonly CommandNode[];
}

/**
 * A command or group named and summarised up front, its module imported only when it is chosen: the
 * root's `--help` and one command's run load that command's code, not the whole CLI's (start-up time).
 */
export interface LazyCommand {
  readonly kind: 'lazy';
  readonly name: string;
  readonly summary: string;
  load(): Promise<Command | CommandGroup>;
}

export type CommandNode = Command | CommandGroup | LazyCommand;

export function defineLazy(
  name: string,
  summary: string,
  load: () => Promise<Command | CommandGroup>,
): LazyCommand {
  return { kind: 'lazy', name, summary, load };
}

/** The command or group behind a node, imported if it is lazy. */
export async function resolveNode(node: CommandNode): Promise<Command | CommandGroup> {
  if (node.kind !== 'lazy') return node;
  const loaded = await node.load();
  if (loaded.name !== node.name) {
    throw new Error(`lazy command "${node.name}" loaded "${loaded.name}"`);
  }
  return loaded;
}

/** Options every command accepts. */
export const globalOptions = {
  'data-dir': {
    type: 'string',
    valueName: 'DIR',
    description: 'camlink data directory (default ./.camlink)',
  },
  config: { type: 'string', valueName: 'FILE', description: 'JSON config file (or env CAMLINK_CONFIG)' },
  'log-level': {
    type: 'string',
    valueName: 'LEVEL',
    description: 'fatal|error|warn|info|debug|trace|silent',
  },
  help: { type: 'boolean', short: 'h', description: 'show this help' },
} as const satisfies Record<string, OptionSpec>;

export function defineCommand<const O extends Record<string, OptionSpec>>(spec: {
  name: string;
  summary: string;
  description?: string;
  positionals?: readonly PositionalSpec[];
  options: O;
  subcommands?: readonly Command[];
  run(ctx: CommandContext<O>): Promise<number | void>;
}): Command {
  const positionals = spec.positionals ?? [];
  const subcommands = spec.subcommands ?? [];
  const allOptions: Record<string, OptionSpec> = { ...spec.options, ...globalOptions };
  return {
    kind: 'command',
    name: spec.name,
    summary: spec.summary,
    ...(spec.description === undefined ? {} : { description: spec.description }),
    positionals,
    options: allOptions,
    subcommands,
    async execute(argv, io, path) {
      const sub = subcommands.find((c) => c.name === argv[0]);
      if (sub !== undefined) return sub.execute(argv.slice(1), io, [...path, sub.name]);
      let parsed: ReturnType<typeof parseArgs>;
      try {
        parsed = parseArgs({
          args: [...argv],
          options: Object.fromEntries(
            Object.entries(allOptions).map(([name, o]) => [
              name,
              {
                type: o.type,
                ...(o.short ? { short: o.short } : {}),
                ...(o.multiple ? { multiple: true } : {}),
              },
            ]),
          ),
          allowPositionals: true,
          strict: true,
        });
      } catch (err) {
        const message = err instanceof Error ? (err.message.split('. ')[0] ?? err.message) : String(err);
        throw new CamlinkError('CLI_USAGE', `${message} (see camlink ${path.join(' ')} --help)`);
      }
      // A command with subcommands and no positionals of its own: a first positional is a command name,
      // so an unknown one is a usage error even with --help (not the parent's help and exit 0).
      const unknown = parsed.positionals[0];
      if (subcommands.length > 0 && positionals.length === 0 && unknown !== undefined) {
        throw unknownCommandError(unknown, path, subcommands);
      }
      if (parsed.values.help === true) {
        io.stdout(commandHelp(this, path));
        return 0;
      }
      const required = positionals.filter((p) => p.required).length;
      if (parsed.positionals.length < required) {
        const missing = positionals[parsed.positionals.length];
        throw new CamlinkError(
          'CLI_USAGE',
          `missing argument ${missing?.name ?? ''} (see camlink ${path.join(' ')} --help)`,
        );
      }
      if (parsed.positionals.length > positionals.length) {
        throw new CamlinkError(
          'CLI_USAGE',
          `unexpected argument "${parsed.positionals[positionals.length]}" (see camlink ${path.join(' ')} --help)`,
        );
      }
      const values = parsed.values as OptionValues<O>;
      // Imported here, not at the top: `--help` needs no configuration (nor zod).
      const { loadConfig } = await import('../config/load.js');
      let config: Readonly<CamlinkConfig> | undefined;
      const ctx: CommandContext<O> = {
        args: parsed.positionals,
        options: values,
        io,
        config() {
          config ??= loadConfig({
            file: values.config,
            env: io.env,
            flags: {
              dataDir: values['data-dir'],
              ...(values['log-level'] === undefined ? {} : { log: { level: values['log-level'] } }),
            },
          });
          return config;
        },
      };
      return (await spec.run(ctx)) ?? 0;
    },
  };
}

/** CLI_USAGE naming the unknown command and listing the valid ones. */
export function unknownCommandError(
  name: string,
  path: readonly string[],
  valid: readonly { readonly name: string }[],
): CamlinkError {
  const where = path.length === 0 ? 'camlink' : `camlink ${path.join(' ')}`;
  return new CamlinkError(
    'CLI_USAGE',
    `unknown command "${name}" for ${where}; valid commands: ${valid.map((c) => c.name).join(', ')} (see ${where} --help)`,
  );
}

export function defineGroup(name: string, summary: string, children: CommandNode[]): CommandGroup {
  return { kind: 'group', name, summary, children };
}

export function commandHelp(command: Command, path: readonly string[]): string {
  const args = command.positionals.map((p) => (p.required ? p.name : `[${p.name}]`)).join(' ');
  const lines = [`Usage: camlink ${path.join(' ')}${args ? ` ${args}` : ''} [options]`, '', command.summary];
  if (command.description) lines.push('', command.description);
  if (command.positionals.length > 0) {
    lines.push('', 'Arguments:');
    for (const p of command.positionals) lines.push(formatRow(p.name, p.description));
  }
  lines.push('', 'Options:');
  for (const [name, o] of Object.entries(command.options)) {
    const flag = `${o.short ? `-${o.short}, ` : ''}--${name}${o.type === 'string' ? ` ${o.valueName ?? 'VALUE'}` : ''}`;
    lines.push(formatRow(flag, `${o.description}${o.multiple ? ' (repeatable)' : ''}`));
  }
  if (command.subcommands.length > 0) {
    lines.push('', 'Commands:');
    for (const c of command.subcommands) lines.push(formatRow(c.name, c.summary));
    lines.push('', `Run "camlink ${path.join(' ')} <command> --help" for the options of a command.`);
  }
  return `${lines.join('\n')}\n`;
}

export function groupHelp(group: CommandGroup, path: readonly string[]): string {
  const prefix = path.length === 0 ? 'camlink' : `camlink ${path.join(' ')}`;
  const lines = [`Usage: ${prefix} <command> [options]`, '', group.summary, '', 'Commands:'];
  for (const child of group.children) lines.push(formatRow(child.name, child.summary));
  lines.push('', `Run "${prefix} <command> --help" for the options of a command.`);
  return `${lines.join('\n')}\n`;
}

function formatRow(left: string, right: string): string {
  return `  ${left.padEnd(30)} ${right}`;
}
