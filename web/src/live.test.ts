import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  backoffDelay,
  isFatalClose,
  isRemovedClose,
  LiveClient,
  liveUrl,
  type LiveMessage,
  type LiveStatus,
} from './live';
import { FakeSocket } from './test/fakeSocket';

function client(overrides: Partial<ConstructorParameters<typeof LiveClient>[0]> = {}) {
  const messages: LiveMessage[] = [];
  const statuses: LiveStatus[] = [];
  const live = new LiveClient({
    url: (since) => liveUrl({ protocol: 'https:', host: 'quiz.test' }, 'ABCDEF', 'tok', since),
    onMessage: (message) => messages.push(message),
    onStatus: (status) => statuses.push(status),
    WebSocket: FakeSocket,
    random: () => 1,
    initialDelayMs: 500,
    maxDelayMs: 8000,
    pingIntervalMs: 0,
    ...overrides,
  });
  return { live, messages, statuses };
}

async function settle(): Promise<void> {
  // connect() awaits the URL builder before creating the socket.
  await vi.advanceTimersByTimeAsync(0);
}

describe('LiveClient', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    FakeSocket.reset();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('connects to the session live URL with the token and no resume point', async () => {
    const { live } = client();
    live.start();
    await settle();
    const socket = FakeSocket.last();
    expect(socket.url.startsWith('wss://quiz.test/v1/sessions/ABCDEF/live?')).toBe(true);
    expect(socket.params.get('access_token')).toBe('tok');
    expect(socket.params.has('since')).toBe(false);
    live.stop();
  });

  it('resumes with since=<last seq> after a dropped connection', async () => {
    const { live, messages, statuses } = client();
    live.start();
    await settle();
    const first = FakeSocket.last();
    first.open();
    first.receive({ type: 'session.snapshot', seq: 4 });
    first.receive({ type: 'participant.joined', seq: 5, user_id: 'u1' });
    first.receive({ type: 'leaderboard.updated', seq: 7, version: 2 });
    first.drop();
    expect(statuses.at(-1)).toBe('reconnecting');

    await vi.advanceTimersByTimeAsync(499);
    expect(FakeSocket.instances).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    const second = FakeSocket.last();
    expect(FakeSocket.instances).toHaveLength(2);
    expect(second.params.get('since')).toBe('7');
    second.open();
    expect(statuses.at(-1)).toBe('open');
    expect(messages.map((message) => message.seq)).toEqual([4, 5, 7]);
    live.stop();
  });

  it('drops replayed events it has already seen', async () => {
    const { live, messages } = client();
    live.start();
    await settle();
    const socket = FakeSocket.last();
    socket.open();
    socket.receive({ type: 'session.snapshot', seq: 10 });
    socket.receive({ type: 'answer.result', seq: 11, submission_id: 's1' });
    socket.receive({ type: 'answer.result', seq: 11, submission_id: 's1' });
    socket.receive({ type: 'leaderboard.updated', seq: 9 });
    socket.receive({ type: 'pong' });
    expect(messages.map((message) => message.type)).toEqual([
      'session.snapshot',
      'answer.result',
      'pong',
    ]);
    live.stop();
  });

  it('accepts a fresh snapshot as the new resume point, even with a lower seq', async () => {
    const { live, messages } = client();
    live.start();
    await settle();
    const socket = FakeSocket.last();
    socket.open();
    socket.receive({ type: 'session.snapshot', seq: 50 });
    socket.receive({ type: 'session.snapshot', seq: 3 });
    socket.receive({ type: 'leaderboard.updated', seq: 4 });
    expect(messages.map((message) => message.seq)).toEqual([50, 3, 4]);
    expect(live.lastSeq).toBe(4);
    live.stop();
  });

  it('backs off exponentially up to the cap while the server stays away', async () => {
    const { live } = client();
    live.start();
    await settle();
    const delays: number[] = [];
    for (let attempt = 0; attempt < 6; attempt += 1) {
      const count = FakeSocket.instances.length;
      FakeSocket.last().drop();
      let waited = 0;
      while (FakeSocket.instances.length === count) {
        await vi.advanceTimersByTimeAsync(100);
        waited += 100;
      }
      delays.push(waited);
    }
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 8000]);
    live.stop();
  });

  it('starts the backoff again once a connection delivered a message', async () => {
    const { live } = client();
    live.start();
    await settle();
    FakeSocket.last().drop();
    await vi.advanceTimersByTimeAsync(500);
    FakeSocket.last().drop();
    await vi.advanceTimersByTimeAsync(1000);
    const socket = FakeSocket.last();
    socket.open();
    socket.receive({ type: 'session.snapshot', seq: 1 });
    socket.drop();
    const count = FakeSocket.instances.length;
    await vi.advanceTimersByTimeAsync(500);
    expect(FakeSocket.instances.length).toBe(count + 1);
    live.stop();
  });

  it('does not reconnect after stop()', async () => {
    const { live, statuses } = client();
    live.start();
    await settle();
    const socket = FakeSocket.last();
    socket.open();
    live.stop();
    expect(socket.closedWith?.code).toBe(1000);
    socket.drop();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(FakeSocket.instances).toHaveLength(1);
    expect(statuses.at(-1)).toBe('closed');
  });

  it('gives up on a policy close and reports failed', async () => {
    const { live, statuses } = client();
    live.start();
    await settle();
    FakeSocket.last().drop(4403, 'forbidden');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(FakeSocket.instances).toHaveLength(1);
    expect(statuses.at(-1)).toBe('failed');
  });

  it('never reconnects once the host removed this user (4403 "removed by the host")', async () => {
    const statuses: LiveStatus[] = [];
    const details: Array<{ code?: number; reason?: string } | undefined> = [];
    const { live } = client({
      onStatus: (status, detail) => {
        statuses.push(status);
        details.push(detail);
      },
    });
    live.start();
    await settle();
    FakeSocket.last().open();
    FakeSocket.last().drop(4403, 'removed by the host');
    expect(statuses.at(-1)).toBe('failed');
    expect(details.at(-1)).toEqual({ code: 4403, reason: 'removed by the host' });
    expect(live.ended).toBe(true);

    // Not by itself, nor when the page asks (back online, tab visible, Retry).
    await vi.advanceTimersByTimeAsync(60_000);
    live.reconnectNow();
    live.start();
    live.suspend();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(FakeSocket.instances).toHaveLength(1);
  });

  it('still lets another 4403 close be retried by hand', async () => {
    const { live, statuses } = client();
    live.start();
    await settle();
    FakeSocket.last().drop(4403, 'not a participant');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(FakeSocket.instances).toHaveLength(1);
    expect(statuses.at(-1)).toBe('failed');
    expect(live.ended).toBe(false);

    live.reconnectNow();
    await settle();
    expect(FakeSocket.instances).toHaveLength(2);
    live.stop();
  });

  it('closes for good on end(), whatever asks to reconnect afterwards', async () => {
    const { live } = client();
    live.start();
    await settle();
    const socket = FakeSocket.last();
    socket.open();
    live.end();
    expect(socket.closedWith?.code).toBe(1000);
    live.reconnectNow();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(FakeSocket.instances).toHaveLength(1);
  });

  it('reconnects at once when asked, without waiting for the backoff', async () => {
    const { live } = client({ initialDelayMs: 10_000 });
    live.start();
    await settle();
    FakeSocket.last().drop();
    live.reconnectNow();
    await settle();
    expect(FakeSocket.instances).toHaveLength(2);
    live.stop();
  });

  it('sends pings and treats a silent connection as dead', async () => {
    const { live } = client({ pingIntervalMs: 1000, idleTimeoutMs: 2500 });
    live.start();
    await settle();
    const socket = FakeSocket.last();
    socket.open();
    await vi.advanceTimersByTimeAsync(1000);
    expect(socket.sent).toEqual([{ type: 'ping' }]);
    await vi.advanceTimersByTimeAsync(2000);
    expect(socket.closedWith?.code).toBe(4000);
    await vi.advanceTimersByTimeAsync(500);
    expect(FakeSocket.instances).toHaveLength(2);
    live.stop();
  });

  it('reconnects when a probe gets no answer, and keeps a connection that answers', async () => {
    const { live, statuses } = client();
    live.start();
    await settle();
    const socket = FakeSocket.last();
    socket.open();

    live.probe(4000);
    expect(socket.sent).toEqual([{ type: 'ping' }]);
    await vi.advanceTimersByTimeAsync(1000);
    socket.receive({ type: 'pong' });
    await vi.advanceTimersByTimeAsync(3000);
    expect(socket.closedWith).toBeNull();

    live.probe(4000);
    await vi.advanceTimersByTimeAsync(4000);
    expect(socket.closedWith?.code).toBe(4000);
    expect(statuses.at(-1)).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(500);
    expect(FakeSocket.instances).toHaveLength(2);
    live.stop();
  });

  it('sends client messages only while open', async () => {
    const { live } = client();
    live.start();
    await settle();
    const socket = FakeSocket.last();
    expect(live.send({ type: 'answer.submit' })).toBe(false);
    socket.open();
    expect(live.send({ type: 'answer.submit', question_id: 'q1' })).toBe(true);
    expect(socket.sent).toEqual([{ type: 'answer.submit', question_id: 'q1' }]);
    live.stop();
  });

  it('reports failed when no token can be had for the URL', async () => {
    const { live, statuses } = client({
      url: () => Promise.reject(new Error('signed out')),
    });
    live.start();
    await settle();
    expect(FakeSocket.instances).toHaveLength(0);
    expect(statuses.at(-1)).toBe('failed');
  });
});

describe('backoff and close codes', () => {
  it('adds at most 25 % jitter below the exponential delay', () => {
    expect(backoffDelay(0, 500, 15_000, () => 0)).toBe(375);
    expect(backoffDelay(3, 500, 15_000, () => 0.999999)).toBe(4000);
    expect(backoffDelay(10, 500, 15_000, () => 1)).toBe(15_000);
  });

  it('treats policy and 44xx close codes as final', () => {
    expect(isFatalClose(1008)).toBe(true);
    expect(isFatalClose(4401)).toBe(true);
    expect(isFatalClose(1006)).toBe(false);
    expect(isFatalClose(1011)).toBe(false);
    expect(isFatalClose(4000)).toBe(false);
  });

  it('knows the close of a removed player by its code and reason together', () => {
    expect(isRemovedClose(4403, 'removed by the host')).toBe(true);
    expect(isRemovedClose(4403, 'not a participant')).toBe(false);
    expect(isRemovedClose(4401, 'removed by the host')).toBe(false);
    expect(isRemovedClose(undefined, undefined)).toBe(false);
  });

  it('uses ws:// on plain http pages', () => {
    expect(liveUrl({ protocol: 'http:', host: 'localhost:8000' }, 'ABCDEF', 'a b', 12)).toBe(
      'ws://localhost:8000/v1/sessions/ABCDEF/live?access_token=a+b&since=12',
    );
  });
});
