/**
 * The Jupyter kernel `nbts`: the messaging protocol (v5.3) over zeromq, executing cells with a Session.
 * Shell requests run one at a time in arrival order; control (interrupt, shutdown) is answered while a cell waits;
 * the heartbeat echoes from a worker thread, so a busy cell does not look like a dead kernel.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { Worker } from "worker_threads";
import * as ts from "typescript";
import { Session, CellSink, MimeBundle } from "./session";

type Zmq = typeof import("zeromq");

export interface ConnectionInfo {
  transport: string;
  ip: string;
  key: string;
  signature_scheme: string;
  shell_port: number;
  control_port: number;
  stdin_port: number;
  iopub_port: number;
  hb_port: number;
}

interface Header {
  msg_id: string;
  session: string;
  username: string;
  date: string;
  msg_type: string;
  version: string;
}

interface Message {
  identities: Buffer[];
  header: Header;
  parent_header: Partial<Header>;
  metadata: Record<string, unknown>;
  content: any;
}

const DELIM = "<IDS|MSG>";
const PROTOCOL_VERSION = "5.3";

function packageVersion(): string {
  try {
    return JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "package.json"), "utf8")).version;
  } catch {
    return "0.0.0";
  }
}

export class KernelServer {
  private readonly zmq: Zmq;
  private readonly session: Session;
  private readonly sessionId = crypto.randomUUID();
  private shell!: InstanceType<Zmq["Router"]>;
  private control!: InstanceType<Zmq["Router"]>;
  private stdin!: InstanceType<Zmq["Router"]>;
  private iopub!: InstanceType<Zmq["Publisher"]>;
  private heartbeat: Worker | null = null;
  private executionCount = 0;
  private readonly history: { line: number; input: string; output: string | null }[] = [];
  private readonly queue: { socket: InstanceType<Zmq["Router"]>; msg: Message }[] = [];
  private working = false;
  private iopubChain: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly conn: ConnectionInfo, dir: string) {
    this.zmq = require("zeromq");
    this.session = new Session(dir);
  }

  private url(port: number) {
    return `${this.conn.transport}://${this.conn.ip}:${port}`;
  }

  async start() {
    const z = this.zmq;
    this.shell = new z.Router();
    this.control = new z.Router();
    this.stdin = new z.Router();
    this.iopub = new z.Publisher();
    await Promise.all([
      this.shell.bind(this.url(this.conn.shell_port)),
      this.control.bind(this.url(this.conn.control_port)),
      this.stdin.bind(this.url(this.conn.stdin_port)),
      this.iopub.bind(this.url(this.conn.iopub_port)),
    ]);
    this.startHeartbeat();
    process.on("SIGINT", () => this.session.interrupt());
    // A cell's stray rejection or callback error is reported where the cell's output goes; the kernel lives on.
    const report = (e: unknown) => {
      const text = `${e instanceof Error ? e.stack : String(e)}\n`;
      const sink = this.session.currentSink;
      if (sink) sink.stream("stderr", text);
      else process.stderr.write(text);
    };
    process.on("unhandledRejection", report);
    process.on("uncaughtException", report);
    this.publish("status", { execution_state: "starting" }, {});
    void this.receive(this.shell, (m) => this.enqueue(this.shell, m));
    void this.receive(this.control, (m) => this.handleControl(m));
  }

  private startHeartbeat() {
    const zmqPath = require.resolve("zeromq");
    const code = `const zmq = require(${JSON.stringify(zmqPath)}); const { workerData, parentPort } = require("worker_threads");
const s = new zmq.Reply();
parentPort.once("message", () => { s.close(); parentPort.close(); });
(async () => { await s.bind(workerData.url); try { for await (const m of s) await s.send(m); } catch {} })();`;
    this.heartbeat = new Worker(code, { eval: true, workerData: { url: this.url(this.conn.hb_port) } });
    this.heartbeat.unref();
  }

  private sign(parts: string[]): string {
    if (!this.conn.key) return "";
    const h = crypto.createHmac(this.conn.signature_scheme.replace(/^hmac-/, ""), this.conn.key);
    for (const p of parts) h.update(p);
    return h.digest("hex");
  }

  private parse(frames: Buffer[]): Message | null {
    const i = frames.findIndex((f) => f.toString() === DELIM);
    if (i < 0 || frames.length < i + 6) return null;
    const [signature, header, parent, metadata, content] = frames.slice(i + 1, i + 6).map((f) => f.toString("utf8"));
    const expected = this.sign([header, parent, metadata, content]);
    if (this.conn.key && (signature.length !== expected.length || !crypto.timingSafeEqual(Buffer.from(signature), Buffer.from(expected)))) {
      process.stderr.write("nbts kernel: dropped a message with a bad signature\n");
      return null;
    }
    return { identities: frames.slice(0, i), header: JSON.parse(header), parent_header: JSON.parse(parent), metadata: JSON.parse(metadata), content: JSON.parse(content) };
  }

  private frames(identities: Buffer[], msgType: string, content: unknown, parent: Partial<Header>, metadata: Record<string, unknown> = {}): (Buffer | string)[] {
    const header: Header = { msg_id: crypto.randomUUID(), session: this.sessionId, username: "nbts", date: new Date().toISOString(), msg_type: msgType, version: PROTOCOL_VERSION };
    const parts = [JSON.stringify(header), JSON.stringify(parent), JSON.stringify(metadata), JSON.stringify(content)];
    return [...identities, DELIM, this.sign(parts), ...parts];
  }

  private async receive(socket: InstanceType<Zmq["Router"]>, handle: (m: Message) => void | Promise<void>) {
    try {
      for await (const frames of socket) {
        const msg = this.parse(frames as Buffer[]);
        if (msg) await handle(msg);
      }
    } catch (e: any) {
      if (!this.closed) process.stderr.write(`nbts kernel: ${e?.stack ?? e}\n`);
    }
  }

  /** iopub messages go out in order, each after the one before. */
  publish(msgType: string, content: unknown, parent: Partial<Header>) {
    const frames = this.frames([Buffer.from(`kernel.${this.sessionId}.${msgType}`)], msgType, content, parent);
    this.iopubChain = this.iopubChain.then(() => this.iopub.send(frames)).catch(() => undefined);
  }

  private async reply(socket: InstanceType<Zmq["Router"]>, req: Message, msgType: string, content: unknown) {
    await this.iopubChain; // outputs of a request reach the client before its reply
    await socket.send(this.frames(req.identities, msgType, content, req.header));
  }

  private enqueue(socket: InstanceType<Zmq["Router"]>, msg: Message) {
    this.queue.push({ socket, msg });
    if (!this.working) void this.work();
  }

  private async work() {
    this.working = true;
    while (this.queue.length) {
      const { socket, msg } = this.queue.shift()!;
      this.publish("status", { execution_state: "busy" }, msg.header);
      try {
        await this.handleShell(socket, msg);
      } catch (e: any) {
        process.stderr.write(`nbts kernel: ${msg.header.msg_type}: ${e?.stack ?? e}\n`);
      }
      this.publish("status", { execution_state: "idle" }, msg.header);
    }
    this.working = false;
  }

  private kernelInfo() {
    return {
      status: "ok",
      protocol_version: PROTOCOL_VERSION,
      implementation: "nbts",
      implementation_version: packageVersion(),
      language_info: {
        name: "typescript",
        version: ts.version,
        mimetype: "text/typescript",
        file_extension: ".ts",
        codemirror_mode: { name: "javascript", typescript: true },
      },
      banner: `nbts: TypeScript ${ts.version} on Node.js ${process.version}, compiled with ${path.join(this.session.root, "tsconfig.json")}`,
      help_links: [],
    };
  }

  private async handleShell(socket: InstanceType<Zmq["Router"]>, msg: Message) {
    const c = msg.content;
    switch (msg.header.msg_type) {
      case "kernel_info_request":
        return this.reply(socket, msg, "kernel_info_reply", this.kernelInfo());
      case "execute_request":
        return this.execute(socket, msg);
      case "complete_request": {
        const r = this.session.complete(c.code, c.cursor_pos);
        return this.reply(socket, msg, "complete_reply", { status: "ok", matches: r.matches, cursor_start: r.start, cursor_end: r.end, metadata: {} });
      }
      case "inspect_request": {
        const text = this.session.inspect(c.code, c.cursor_pos);
        return this.reply(socket, msg, "inspect_reply", { status: "ok", found: text !== null, data: text === null ? {} : { "text/plain": text }, metadata: {} });
      }
      case "is_complete_request": {
        const status = this.session.isComplete(c.code);
        return this.reply(socket, msg, "is_complete_reply", status === "incomplete" ? { status, indent: "" } : { status });
      }
      case "history_request":
        return this.reply(socket, msg, "history_reply", { status: "ok", history: this.historyFor(c) });
      case "comm_info_request":
        return this.reply(socket, msg, "comm_info_reply", { status: "ok", comms: {} });
      case "comm_open":
        // No comm targets: close it, as the protocol asks.
        this.publish("comm_close", { comm_id: c.comm_id, data: {} }, msg.header);
        return;
      case "comm_msg":
      case "comm_close":
        return;
      case "shutdown_request":
        return this.shutdown(socket, msg);
      case "interrupt_request":
        this.session.interrupt();
        return this.reply(socket, msg, "interrupt_reply", { status: "ok" });
      default:
        process.stderr.write(`nbts kernel: unsupported request ${msg.header.msg_type}\n`);
    }
  }

  private async handleControl(msg: Message) {
    switch (msg.header.msg_type) {
      case "shutdown_request":
        return this.shutdown(this.control, msg);
      case "interrupt_request":
        this.session.interrupt();
        return this.reply(this.control, msg, "interrupt_reply", { status: "ok" });
      case "kernel_info_request":
        return this.reply(this.control, msg, "kernel_info_reply", this.kernelInfo());
      default:
        // Anything else on control is served like a shell request, in turn.
        this.enqueue(this.control, msg);
    }
  }

  private async shutdown(socket: InstanceType<Zmq["Router"]>, msg: Message) {
    await this.reply(socket, msg, "shutdown_reply", { status: "ok", restart: Boolean(msg.content.restart) });
    this.publish("status", { execution_state: "idle" }, msg.header);
    await this.iopubChain;
    await this.close();
    process.exit(0);
  }

  /** Closes the sockets and the heartbeat thread (zeromq aborts a process that exits with them open). */
  async close() {
    if (this.closed) return;
    this.closed = true;
    const hb = this.heartbeat;
    if (hb) {
      const gone = new Promise((r) => hb.once("exit", r));
      hb.postMessage("close"); // terminate() while zeromq is inside the thread aborts the process
      await Promise.race([gone, new Promise((r) => setTimeout(r, 1000))]);
    }
    for (const s of [this.shell, this.control, this.stdin, this.iopub]) s.close();
  }

  private async execute(socket: InstanceType<Zmq["Router"]>, msg: Message) {
    const c = msg.content;
    const silent = Boolean(c.silent);
    const store = c.store_history !== false && !silent;
    if (store) this.executionCount++;
    const count = this.executionCount;
    this.publish("execute_input", { code: c.code, execution_count: count }, msg.header);
    const parent = msg.header;
    const payload: { source: "page"; data: MimeBundle; start: number }[] = [];
    const sink: CellSink = {
      clear: (wait) => {
        if (!silent) this.publish("clear_output", { wait }, parent);
      },
      page: (text) => {
        payload.push({ source: "page", data: { "text/plain": text }, start: 0 });
      },
      stream: (name, text) => {
        if (!silent) this.publish("stream", { name, text }, parent);
      },
      display: (data, metadata, displayId, update) => {
        if (silent) return;
        const content = { data, metadata, transient: displayId ? { display_id: displayId } : {} };
        this.publish(update ? "update_display_data" : "display_data", content, parent);
      },
    };
    const outcome = await this.session.execute(c.code, sink);
    let output: string | null = null;
    if (outcome.ok) {
      if (outcome.result && !silent) {
        this.publish("execute_result", { execution_count: count, data: outcome.result, metadata: {} }, parent);
        output = String((outcome.result as MimeBundle)["text/plain"] ?? "");
      }
      if (store) this.history.push({ line: count, input: c.code, output });
      return this.reply(socket, msg, "execute_reply", { status: "ok", execution_count: count, user_expressions: {}, payload });
    }
    const err = outcome.error;
    if (!silent) this.publish("error", err, parent);
    if (store) this.history.push({ line: count, input: c.code, output: null });
    await this.reply(socket, msg, "execute_reply", { status: "error", execution_count: count, ...err, user_expressions: {}, payload: [] });
    if (c.stop_on_error !== false) this.abortQueued();
  }

  /** After an error, the execute requests already waiting are answered "aborted", as Jupyter's kernels do. */
  private abortQueued() {
    const waiting = this.queue.filter((q) => q.msg.header.msg_type === "execute_request");
    for (const q of waiting) this.queue.splice(this.queue.indexOf(q), 1);
    for (const q of waiting) {
      this.publish("status", { execution_state: "busy" }, q.msg.header);
      void this.reply(q.socket, q.msg, "execute_reply", { status: "aborted", execution_count: this.executionCount, user_expressions: {}, payload: [] });
      this.publish("status", { execution_state: "idle" }, q.msg.header);
    }
  }

  private historyFor(c: { hist_access_type: string; output?: boolean; n?: number; session?: number; start?: number; stop?: number; pattern?: string; unique?: boolean }) {
    const row = (h: { line: number; input: string; output: string | null }) => (c.output ? [1, h.line, [h.input, h.output]] : [1, h.line, h.input]);
    let rows = this.history;
    if (c.hist_access_type === "tail") rows = rows.slice(-(c.n ?? 10));
    else if (c.hist_access_type === "range") {
      const start = c.start ?? 1, stop = c.stop ?? Infinity;
      rows = c.session !== undefined && c.session !== 1 && c.session !== 0 ? [] : rows.filter((h) => h.line >= start && h.line < stop);
    } else if (c.hist_access_type === "search") {
      const re = new RegExp(`^${(c.pattern ?? "*").replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`, "s");
      rows = rows.filter((h) => re.test(h.input));
      if (c.unique) {
        const seen = new Set<string>();
        rows = [...rows].reverse().filter((h) => !seen.has(h.input) && seen.add(h.input)).reverse();
      }
      if (c.n) rows = rows.slice(-c.n);
    }
    return rows.map(row);
  }
}

/** `node … tools/kernel/main.ts <connection file>`: what Jupyter starts for the kernelspec `nbts`. */
export async function runKernel(connectionFile: string) {
  const conn = JSON.parse(fs.readFileSync(connectionFile, "utf8")) as ConnectionInfo;
  const server = new KernelServer(conn, process.cwd());
  await server.start();
  const stop = () => void server.close().finally(() => process.exit(0));
  for (const signal of ["SIGTERM", "SIGHUP"] as const) process.on(signal, stop);
  // A kernel whose Jupyter died (killed, not shut down) ends too, as IPython's parent poller does.
  const parent = Number(process.env.JPY_PARENT_PID) || process.ppid;
  setInterval(() => {
    try {
      process.kill(parent, 0);
    } catch {
      stop();
    }
  }, 3000).unref();
}
