/**
 * WebSocket client of the live channel (`/v1/sessions/{id}/live`).
 *
 * It reconnects by itself after a dropped connection, with exponential backoff,
 * and resumes with `?since=<last seq>` so that the server replays what was
 * missed (or sends a fresh `session.snapshot`). Messages whose `seq` was already
 * seen are dropped, so a replay never applies an event twice.
 */

/** One server message: a JSON object with `type` and (except pong/error) `seq`. */
export interface LiveMessage {
  type: string;
  seq?: number;
  [key: string]: unknown;
}

export type LiveStatus = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'failed' | 'closed';

/** The subset of the browser WebSocket that the client uses. */
export interface SocketLike {
  readyState: number;
  onopen: ((event: Event) => void) | null;
  onmessage: ((event: MessageEvent) => void) | null;
  onclose: ((event: CloseEvent) => void) | null;
  onerror: ((event: Event) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type SocketFactory = new (url: string) => SocketLike;

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export interface LiveOptions {
  /** Build the URL of one connection attempt; `since` is the last seq seen, if any. */
  url: (since: number | null) => string | Promise<string>;
  onMessage: (message: LiveMessage) => void;
  onStatus?: (status: LiveStatus, detail?: { code?: number; reason?: string }) => void;
  /** WebSocket constructor; injected in tests. */
  WebSocket?: SocketFactory;
  timers?: Timers;
  /** Random in [0, 1) for jitter; injected in tests. */
  random?: () => number;
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** Interval of `{"type":"ping"}` keep-alives. */
  pingIntervalMs?: number;
  /** Without any message for this long the connection counts as dead. */
  idleTimeoutMs?: number;
}

const OPEN = 1;

/** Whether a close code means "do not try again" (policy or client-error codes). */
export function isFatalClose(code: number): boolean {
  return code === 1008 || (code >= 4400 && code < 4500);
}

/** The close the server gives the sockets of a player the host removed. */
export const REMOVED_CLOSE_CODE = 4403;
export const REMOVED_CLOSE_REASON = 'removed by the host';

/**
 * Whether a close says the host removed this user from the session: final for
 * good (no retry, no reconnect when back online). Other 4403 closes stay as
 * any other fatal close.
 */
export function isRemovedClose(code: number | undefined, reason: string | undefined): boolean {
  return code === REMOVED_CLOSE_CODE && reason === REMOVED_CLOSE_REASON;
}

/** Return the delay before reconnect attempt `attempt` (0-based), with jitter. */
export function backoffDelay(
  attempt: number,
  initialMs: number,
  maxMs: number,
  random: () => number,
): number {
  const base = Math.min(maxMs, initialMs * 2 ** attempt);
  // Jitter between 75 % and 100 % keeps a crowd of clients from reconnecting in step.
  return Math.round(base * (0.75 + 0.25 * random()));
}

/** Live channel client with reconnect and resume. */
export class LiveClient {
  private readonly options: LiveOptions;
  private readonly timers: Timers;
  private readonly Socket: SocketFactory;
  private socket: SocketLike | null = null;
  private attempt = 0;
  private reconnectTimer: unknown = null;
  private pingTimer: unknown = null;
  private lastMessageAt = 0;
  private stopped = true;
  /** Ended for good (the host removed this user): nothing opens a socket again. */
  private _ended = false;
  private generation = 0;
  private _lastSeq: number | null = null;
  private _status: LiveStatus = 'idle';

  constructor(options: LiveOptions) {
    this.options = options;
    this.timers = options.timers ?? {
      setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
      clearTimeout: (handle) => globalThis.clearTimeout(handle as number),
      setInterval: (fn, ms) => globalThis.setInterval(fn, ms),
      clearInterval: (handle) => globalThis.clearInterval(handle as number),
    };
    const Socket = options.WebSocket ?? (globalThis.WebSocket as unknown as SocketFactory);
    this.Socket = Socket;
  }

  /** The highest `seq` seen so far (the resume point), or null. */
  get lastSeq(): number | null {
    return this._lastSeq;
  }

  get status(): LiveStatus {
    return this._status;
  }

  /** Whether the channel has ended for good ({@link end}, or the host removed this user). */
  get ended(): boolean {
    return this._ended;
  }

  /** Open the connection (and keep it open until {@link stop}). */
  start(): void {
    if (!this.stopped || this._ended) return;
    this.stopped = false;
    this.attempt = 0;
    void this.connect();
  }

  /** Close the connection for good. */
  stop(): void {
    this.stopped = true;
    this.generation += 1;
    this.clearTimers();
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      detach(socket);
      socket.close(1000, 'client closed');
    }
    this.setStatus('closed');
  }

  /**
   * Close the connection and never open it again, whatever asks (the host
   * removed this user: there is nothing more to hear).
   */
  end(): void {
    this._ended = true;
    this.stop();
  }

  /** Reconnect now instead of waiting for the backoff (e.g. when back online). */
  reconnectNow(): void {
    if (this._ended) return;
    if (this.stopped) {
      this.start();
      return;
    }
    if (this._status === 'open') return;
    this.attempt = 0;
    this.dropSocket();
    void this.connect();
  }

  /**
   * Drop the connection now and retry with backoff (the browser went offline:
   * the socket may not notice for a long time, and showing it live would lie).
   */
  suspend(): void {
    if (this.stopped) return;
    this.dropSocket();
    this.scheduleReconnect();
  }

  /**
   * Check the connection now: send a ping, and if nothing at all comes back
   * within `timeoutMs`, count it as dead and reconnect. For a page that
   * has reason to doubt it (a request over the same network stalled): a
   * Wi-Fi that passes no traffic closes no socket, and the keep-alives
   * alone would take most of a minute to notice.
   */
  probe(timeoutMs = 4000): void {
    const socket = this.socket;
    if (this.stopped || !socket || socket.readyState !== OPEN) return;
    const asked = Date.now();
    this.send({ type: 'ping' });
    this.timers.setTimeout(() => {
      if (socket !== this.socket || this.lastMessageAt >= asked) return;
      this.dropSocket();
      this.scheduleReconnect();
    }, timeoutMs);
  }

  /** Send a message; false when the socket is not open. */
  send(message: Record<string, unknown>): boolean {
    if (!this.socket || this.socket.readyState !== OPEN) return false;
    this.socket.send(JSON.stringify(message));
    return true;
  }

  private async connect(): Promise<void> {
    const generation = ++this.generation;
    this.clearTimers();
    this.setStatus(this.attempt === 0 && this._lastSeq === null ? 'connecting' : 'reconnecting');
    let url: string;
    try {
      url = await this.options.url(this._lastSeq);
    } catch {
      if (generation === this.generation) this.setStatus('failed');
      return;
    }
    if (this.stopped || generation !== this.generation) return;
    let socket: SocketLike;
    try {
      socket = new this.Socket(url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      if (socket !== this.socket) return;
      this.lastMessageAt = Date.now();
      this.setStatus('open');
      this.startHeartbeat(socket);
    };
    socket.onmessage = (event) => {
      if (socket !== this.socket) return;
      this.lastMessageAt = Date.now();
      this.handle(event.data);
    };
    socket.onerror = () => {
      // A close event always follows; reconnecting is decided there.
    };
    socket.onclose = (event) => {
      if (socket !== this.socket) return;
      this.socket = null;
      this.clearTimers();
      if (this.stopped) return;
      if (isFatalClose(event.code)) {
        this.stopped = true;
        if (isRemovedClose(event.code, event.reason)) this._ended = true;
        this.setStatus('failed', { code: event.code, reason: event.reason });
        return;
      }
      this.scheduleReconnect();
    };
  }

  private handle(raw: unknown): void {
    if (typeof raw !== 'string') return;
    let message: LiveMessage;
    try {
      const parsed = JSON.parse(raw) as unknown;
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return;
      message = parsed as LiveMessage;
    } catch {
      return;
    }
    if (typeof message.type !== 'string') return;
    const seq = typeof message.seq === 'number' ? message.seq : null;
    if (seq !== null) {
      if (message.type === 'session.snapshot') {
        // A snapshot is the whole state: it resets the resume point too.
        this._lastSeq = seq;
      } else {
        if (this._lastSeq !== null && seq <= this._lastSeq) return;
        this._lastSeq = seq;
      }
    }
    // A message proves the connection works: the next drop starts a new backoff.
    this.attempt = 0;
    this.options.onMessage(message);
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    const delay = backoffDelay(
      this.attempt,
      this.options.initialDelayMs ?? 500,
      this.options.maxDelayMs ?? 15_000,
      this.options.random ?? Math.random,
    );
    this.attempt += 1;
    this.setStatus('reconnecting');
    this.reconnectTimer = this.timers.setTimeout(() => {
      this.reconnectTimer = null;
      void this.connect();
    }, delay);
  }

  private startHeartbeat(socket: SocketLike): void {
    const interval = this.options.pingIntervalMs ?? 20_000;
    const idle = this.options.idleTimeoutMs ?? interval * 2.5;
    if (interval <= 0) return;
    this.pingTimer = this.timers.setInterval(() => {
      if (socket !== this.socket) return;
      if (Date.now() - this.lastMessageAt > idle) {
        // No pong nor event for too long: the connection is dead without a close.
        this.dropSocket();
        this.scheduleReconnect();
        return;
      }
      this.send({ type: 'ping' });
    }, interval);
  }

  private dropSocket(): void {
    this.clearTimers();
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      detach(socket);
      try {
        socket.close(4000, 'reconnecting');
      } catch {
        // Already closed.
      }
    }
  }

  private clearTimers(): void {
    if (this.reconnectTimer !== null) this.timers.clearTimeout(this.reconnectTimer);
    if (this.pingTimer !== null) this.timers.clearInterval(this.pingTimer);
    this.reconnectTimer = null;
    this.pingTimer = null;
  }

  private setStatus(status: LiveStatus, detail?: { code?: number; reason?: string }): void {
    if (status === this._status && !detail) return;
    this._status = status;
    this.options.onStatus?.(status, detail);
  }
}

function detach(socket: SocketLike): void {
  socket.onopen = null;
  socket.onmessage = null;
  socket.onclose = null;
  socket.onerror = null;
}

/** Build the live channel URL on the page's own origin. */
export function liveUrl(
  location: { protocol: string; host: string },
  sessionId: string,
  token: string,
  since: number | null,
): string {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const params = new URLSearchParams({ access_token: token });
  if (since !== null) params.set('since', String(since));
  return `${scheme}://${location.host}/v1/sessions/${encodeURIComponent(sessionId)}/live?${params}`;
}
