/**
 * `camlink` entry point: dispatches argv through the command tree and turns every failure into one
 * line on stderr ("camlink: <message> [CODE]") and a non-zero exit (2 for usage errors, 1 otherwise).
 */
import { CamlinkError } from '../errors/camlink-error.js';
import {
  groupHelp,
  resolveNode,
  unknownCommandError,
  type CliIo,
  type CommandGroup,
  type CommandNode,
} from './command.js';
import { rootCommand } from './commands/index.js';

export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export async function runCli(
  argv: readonly string[],
  io: CliIo,
  root: CommandGroup = rootCommand,
): Promise<number> {
  try {
    return await dispatch(root, argv, io, []);
  } catch (err) {
    if (err instanceof CamlinkError) {
      io.stderr(`camlink: ${err.message} [${err.code}]\n`);
      return err.code === 'CLI_USAGE' ? EXIT_USAGE : EXIT_FAILURE;
    }
    const message = err instanceof Error ? err.message : String(err);
    io.stderr(`camlink: internal error: ${message} [INTERNAL]\n`);
    if (io.env.CAMLINK_DEBUG_STACK === '1' && err instanceof Error && err.stack) io.stderr(`${err.stack}\n`);
    return EXIT_FAILURE;
  }
}

async function dispatch(
  chosen: CommandNode,
  argv: readonly string[],
  io: CliIo,
  path: readonly string[],
): Promise<number> {
  const node = await resolveNode(chosen);
  if (node.kind === 'command') return node.execute(argv, io, path);
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    io.stdout(groupHelp(node, path));
    return first === undefined && path.length > 0 ? EXIT_USAGE : 0;
  }
  if (first === '--version' && path.length === 0) {
    io.stdout(`${await packageVersion()}\n`);
    return 0;
  }
  const child = node.children.find((c) => c.name === first);
  if (child === undefined) throw unknownCommandError(first, path, node.children);
  return dispatch(child, rest, io, [...path, child.name]);
}

async function packageVersion(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}
