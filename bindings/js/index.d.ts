// Types for wasyncio's JavaScript API (index.mjs).

/** What crosses between C and JavaScript: numbers, strings, bytes; undefined for none. */
export type Value = number | string | Uint8Array | undefined;

/** What a C call's argument may be: booleans become 1 or 0, other objects their JSON. */
export type Argument = Value | boolean | bigint | null | ArrayBuffer | ArrayBufferView | object;

export interface Options {
  /** Where the C program's stdout lines go (console.log by default). */
  print?: (line: string) => void;
  /** Where its stderr lines go (console.error by default). */
  printErr?: (line: string) => void;
  /** JavaScript functions C may call by name with wa_js_call; they may return promises. */
  imports?: Record<string, (...args: Value[]) => unknown>;
}

/** What a task waits on, in a task dump. */
export type WaitsOn =
  | null
  | { kind: 'task'; id: number }
  | { kind: 'future' }
  | { kind: 'sleep'; until: number }
  | { kind: 'wait_queue' }
  | { kind: 'gather' | 'wait' | 'as_completed' | 'shield'; ids: number[]; futures: number };

/** One task in a dump (wa_loop_dump_tasks). Times are on the loop clock, in seconds. */
export interface TaskInfo {
  id: number;
  name: string;
  state: 'pending' | 'done' | 'cancelled';
  /** The id of the task that created it, or 0. */
  parent: number;
  waits_on: WaitsOn;
  cancelling: number;
  /** How many times it has run. */
  steps: number;
  error: null | { code: number; message: string };
  /** Present for tasks made in debug mode. */
  created?: number;
  started?: number | null;
  finished?: number | null;
  run_ms?: number;
  /** "file:line" where it was made, in debug mode. */
  created_at: string | null;
}

export interface TaskDump {
  time: number;
  tasks: TaskInfo[];
}

/** A module loaded as a library. */
export interface Module {
  /** Runs the C function exported as name (WA_JS_EXPORT) as a task; an AbortSignal as the
   *  last argument cancels it. Rejects with an Error whose code names the C error. */
  run(name: string, ...args: (Argument | AbortSignal)[]): Promise<Value>;
  /** Every task of the module's loop. */
  dumpTasks(): TaskDump;
  /** Stops the loop; tasks still running are cancelled and cleaned up. */
  close(): Promise<void>;
}

/** Loads a module built with `wa-cc --target=web` (a path in node, or a URL). */
export function load(module: string | URL, options?: Options): Promise<Module>;

/** Runs a built module's main(args); resolves with its exit code. */
export function start(module: string | URL, args?: string[], options?: Options): Promise<number>;
