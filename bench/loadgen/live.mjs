// Load generator for bench/live.py: players over WebSocket, or answers over HTTP.
//
// It runs outside the server's Python process so that the figures measure the
// server, not a Python client competing with it for the same two cores. It
// prints one JSON object of figures on stdout; bench/live.py starts the server,
// runs this, adds the server's peak RSS and writes bench/RESULTS.md.
//
//   node live.mjs --base http://127.0.0.1:8000 --players 1000 --questions 5
//   node live.mjs --base http://127.0.0.1:8000 --http --clients 64 --duration 10

import { writeFileSync } from "node:fs";
import http from "node:http";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { WebSocket } from "ws";

const { values: opts } = parseArgs({
  options: {
    base: { type: "string", default: "http://127.0.0.1:8000" },
    players: { type: "string", default: "1000" },
    questions: { type: "string", default: "5" },
    seconds: { type: "string", default: "20" },
    http: { type: "boolean", default: false },
    floor: { type: "boolean", default: false },
    flow: { type: "string", default: "live" },
    clients: { type: "string", default: "64" },
    duration: { type: "string", default: "10" },
    // Each player answers after a uniform random delay in [0, spread) seconds
    // after question.opened, as a class does; 0 answers at once (a burst).
    spread: { type: "string", default: "0" },
    // A CSV file to write one row per answer to (see ANSWER_COLUMNS).
    "answers-csv": { type: "string", default: "" },
  },
});
const spreadMs = Number(opts.spread) * 1000;
// The rows of --answers-csv, times in ms from when the question's
// question.opened first reached any player: when it reached this one, when
// they sent the answer; then answer -> result and answer -> on the board.
const ANSWER_COLUMNS = ["question", "opened_ms", "sent_ms", "result_ms", "visible_ms"];

const base = new URL(opts.base);
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
const now = () => performance.now();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const QUIZ = (count) => ({
  title: "Benchmark quiz",
  questions: Array.from({ length: count }, (_, n) => ({
    prompt: `Question ${n}`,
    kind: "choice",
    choices: ["alpha", "beta", "gamma", "delta"],
    answer: "alpha",
  })),
});

function requestOnce(method, path, body, token) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? null : Buffer.from(JSON.stringify(body));
    const headers = {};
    if (data) {
      headers["content-type"] = "application/json";
      headers["content-length"] = data.length;
    }
    if (token) headers.authorization = `Bearer ${token}`;
    const req = http.request(
      { host: base.hostname, port: base.port, path, method, agent, headers },
      (res) => {
        const chunks = [];
        res.on("data", (chunk) => chunks.push(chunk));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString();
          let parsed = null;
          try {
            parsed = text ? JSON.parse(text) : null;
          } catch {
            parsed = text;
          }
          resolve({ status: res.statusCode, body: parsed });
        });
      },
    );
    req.on("error", reject);
    if (data) req.write(data);
    req.end();
  });
}

async function request(method, path, body, token) {
  // A pooled connection the server closed while idle fails once: try again.
  for (let attempt = 0; ; attempt++) {
    try {
      return await requestOnce(method, path, body, token);
    } catch (error) {
      if (attempt === 2) throw error;
      await sleep(100);
    }
  }
}

async function expect(status, promise, what) {
  const response = await promise;
  const wanted = Array.isArray(status) ? status : [status];
  if (!wanted.includes(response.status)) {
    throw new Error(`${what}: ${response.status} ${JSON.stringify(response.body)}`);
  }
  return response.body;
}

async function limited(items, limit, fn) {
  let next = 0;
  const results = new Array(items.length);
  async function worker() {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index], index);
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

function pct(values, q) {
  if (!values.length) return null;
  const ordered = [...values].sort((a, b) => a - b);
  return ordered[Math.min(ordered.length - 1, Math.floor(q * ordered.length))];
}

async function token(name) {
  return expect(200, request("POST", "/v1/dev/token", { name }), "token");
}

async function setup(mode, seconds, questionCount) {
  const host = await token("bench-host");
  const quiz = await expect(
    201,
    request("POST", "/v1/quizzes", QUIZ(questionCount), host.access_token),
    "quiz",
  );
  const session = await expect(
    201,
    request(
      "POST",
      "/v1/sessions",
      { quiz_id: quiz.quiz_id, mode, question_seconds: seconds },
      host.access_token,
    ),
    "session",
  );
  return { host: host.access_token, sessionId: session.session_id };
}

async function makePlayers(count, prefix, sessionId) {
  const players = Array.from({ length: count }, (_, n) => ({
    name: `${prefix}${String(n).padStart(5, "0")}`,
    token: "",
    userId: "",
    sent: new Map(),
    resultAt: new Map(),
    scoreAfter: new Map(),
    // When question.opened reached the player, and the points each answer earned.
    openedAt: new Map(),
    earned: new Map(),
    visibleAt: new Map(),
    snapshots: 0,
    errors: 0,
  }));
  // Tokens first (the identity provider's work, not the join's).
  await limited(players, 64, async (player) => {
    const body = await token(player.name);
    player.token = body.access_token;
    player.userId = body.user_id;
  });
  const started = now();
  await limited(players, 64, (player) =>
    expect(
      [200, 201],
      request("POST", `/v1/sessions/${sessionId}/participants`, undefined, player.token),
      "join",
    ),
  );
  return { players, joinS: (now() - started) / 1000 };
}

let resultsSeen = 0;
// When each question's question.opened reached its first and last player:
// the room-wide fan-out's spread, which every late receiver loses of its time.
const openedSpan = new Map();
// The time each player had to answer: from when question.opened reached
// them to its closes_at (wall clocks: the server is on this machine).
const timeToAnswer = [];
const leastTimeByQuestion = new Map();
const framesByType = {};

function submitFrame(questionId, submission) {
  return JSON.stringify({
    type: "answer.submit",
    question_id: questionId,
    answer: "alpha",
    submission_id: submission,
  });
}

function play(sessionId, player) {
  const url =
    `ws://${base.host}/v1/sessions/${sessionId}/live?access_token=` +
    encodeURIComponent(player.token);
  return new Promise((resolveOpen, rejectOpen) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: 120_000 });
    player.ws = ws;
    player.closed = new Promise((resolve) => ws.on("close", resolve));
    ws.on("open", () => resolveOpen());
    ws.on("error", (error) => {
      player.errors += 1;
      rejectOpen(error);
    });
    ws.on("message", (data) => {
      const at = now();
      const event = JSON.parse(data);
      framesByType[event.type] = (framesByType[event.type] ?? 0) + 1;
      switch (event.type) {
        case "question.opened": {
          const submission = `${player.userId}-${event.question_id}`;
          const span = openedSpan.get(event.question_id) ?? { first: at, last: at };
          span.first = Math.min(span.first, at);
          span.last = Math.max(span.last, at);
          openedSpan.set(event.question_id, span);
          player.openedAt.set(submission, at);
          const left = Date.parse(event.closes_at) - Date.now();
          timeToAnswer.push(left);
          leastTimeByQuestion.set(
            event.question_id,
            Math.min(leastTimeByQuestion.get(event.question_id) ?? Infinity, left),
          );
          const send = () => {
            player.sent.set(submission, now());
            ws.send(submitFrame(event.question_id, submission));
          };
          if (spreadMs > 0) setTimeout(send, Math.random() * spreadMs);
          else send();
          break;
        }
        case "answer.result":
          if (!player.resultAt.has(event.submission_id)) {
            player.resultAt.set(event.submission_id, at);
            resultsSeen += 1;
          }
          player.scoreAfter.set(event.submission_id, event.score);
          if (event.correct) player.earned.set(event.submission_id, event.points - 100 * Math.min(event.streak, 5));
          break;
        case "leaderboard.updated": {
          const score = event.me ? event.me.score : -1;
          for (const [submission, after] of player.scoreAfter) {
            if (!player.visibleAt.has(submission) && score >= after) {
              player.visibleAt.set(submission, at);
            }
          }
          break;
        }
        case "session.snapshot":
          player.snapshots += 1;
          break;
        case "error":
          player.errors += 1;
          break;
        case "session.finished":
          ws.close();
          break;
        default:
          break;
      }
    });
  });
}

// A line that tells bench/live.py a phase has ended, so that it can read the
// server's CPU time between phases (tokens and joins, sockets, play).
function phase(name) {
  process.stdout.write(`@phase ${name}\n`);
}

async function live() {
  const count = Number(opts.players);
  const questions = Number(opts.questions);
  const seconds = Number(opts.seconds);
  const { host, sessionId } = await setup("live", seconds, Math.max(questions, 1));
  const { players, joinS } = await makePlayers(count, "p", sessionId);
  phase("joined");
  const connectStarted = now();
  // Connect in waves, as a room does, not in one SYN flood.
  for (let first = 0; first < players.length; first += 250) {
    await Promise.all(players.slice(first, first + 250).map((p) => play(sessionId, p)));
  }
  const connectS = (now() - connectStarted) / 1000;
  await sleep(1000);
  phase("connected");
  await expect(200, request("POST", `/v1/sessions/${sessionId}/start`, undefined, host), "start");
  const playStarted = now();
  for (let number = 0; number < questions; number++) {
    const deadline = now() + seconds * 1000;
    const target = (number + 1) * count;
    while (now() < deadline && resultsSeen < target) await sleep(20);
    await sleep(500); // let the last leaderboard frame arrive
    if (number + 1 < questions) {
      await expect(200, request("POST", `/v1/sessions/${sessionId}/next`, undefined, host), "next");
    }
  }
  const playS = (now() - playStarted) / 1000;
  phase("played");
  await expect(200, request("POST", `/v1/sessions/${sessionId}/finish`, undefined, host), "finish");
  await Promise.race([Promise.all(players.map((p) => p.closed)), sleep(30_000)]);
  for (const player of players) player.ws.terminate();

  const results = [];
  // Answer -> result, for answers sent in the first second after the question
  // first reached anyone (while question.opened is still going out to the
  // room) and for those sent later: where the p99 comes from.
  const resultsFirstSecond = [];
  const resultsLater = [];
  const rows = [];
  const visible = [];
  // Speed points each correct answer lost against its player's own time
  // (question.opened reached them -> they sent the answer), streak bonus
  // aside: what late delivery and the server's queues cost a player.
  const lost = [];
  const perQuestion = new Map();
  let sent = 0;
  let firstSent = Infinity;
  let lastResult = 0;
  for (const player of players) {
    sent += player.sent.size;
    for (const [submission, sentAt] of player.sent) {
      firstSent = Math.min(firstSent, sentAt);
      const resultAt = player.resultAt.get(submission);
      const question = submission.slice(submission.lastIndexOf("-") + 1);
      if (resultAt !== undefined) {
        results.push(resultAt - sentAt);
        lastResult = Math.max(lastResult, resultAt);
        const span = perQuestion.get(question) ?? { first: Infinity, last: 0 };
        span.first = Math.min(span.first, sentAt);
        span.last = Math.max(span.last, resultAt);
        perQuestion.set(question, span);
      }
      const visibleAt = player.visibleAt.get(submission);
      if (visibleAt !== undefined) visible.push(visibleAt - sentAt);
      const openedFirst = openedSpan.get(question)?.first ?? sentAt;
      if (resultAt !== undefined) {
        (sentAt - openedFirst < 1000 ? resultsFirstSecond : resultsLater).push(resultAt - sentAt);
      }
      if (opts["answers-csv"]) {
        const opened = player.openedAt.get(submission) ?? NaN;
        rows.push(
          [question, opened - openedFirst, sentAt - openedFirst, resultAt - sentAt, visibleAt - sentAt]
            .map((n) => (typeof n === "number" ? (Number.isNaN(n) ? "" : n.toFixed(1)) : n))
            .join(","),
        );
      }
      const earned = player.earned.get(submission);
      if (earned !== undefined) {
        const own = sentAt - player.openedAt.get(submission);
        const t = own < 500 ? 0 : own / 1000;
        lost.push(Math.max(0, Math.round(1000 * (1 - t / seconds / 2)) - earned));
      }
    }
  }
  if (opts["answers-csv"]) {
    writeFileSync(opts["answers-csv"], [ANSWER_COLUMNS.join(","), ...rows].join("\n") + "\n");
  }
  // Answers per second over the bursts: each question's answers from its
  // first send to its last result (the time between questions is idle).
  let busyMs = 0;
  for (const span of perQuestion.values()) busyMs += span.last - span.first;
  return {
    players: count,
    questions,
    spread_s: spreadMs / 1000,
    join_s: joinS,
    connect_s: connectS,
    answers_sent: sent,
    answers_scored: results.length,
    answers_per_s: busyMs ? results.length / (busyMs / 1000) : null,
    result_p50_ms: pct(results, 0.5),
    result_p99_ms: pct(results, 0.99),
    result_p99_ms_first_second: pct(resultsFirstSecond, 0.99),
    result_p99_ms_later: pct(resultsLater, 0.99),
    visible_p99_ms: pct(visible, 0.99),
    visible_count: visible.length,
    dropped:
      sent - results.length + players.reduce((n, p) => n + Math.max(0, p.snapshots - 1), 0),
    errors: players.reduce((n, p) => n + p.errors, 0),
    play_s: playS,
    span_s: (lastResult - firstSent) / 1000,
    opened_spread_ms: Math.max(0, ...[...openedSpan.values()].map((s) => s.last - s.first)),
    // Against the question's own seconds: less is time the fan-out took away.
    time_to_answer_min_ms: timeToAnswer.reduce((least, n) => Math.min(least, n), Infinity),
    time_to_answer_p1_ms: pct(timeToAnswer, 0.01),
    time_to_answer_min_ms_by_question: [...leastTimeByQuestion.values()],
    points_lost_p50: pct(lost, 0.5),
    points_lost_p99: pct(lost, 0.99),
    points_lost_max: lost.reduce((most, n) => Math.max(most, n), 0),
    frames_received: framesByType,
  };
}

async function httpAnswers() {
  // POST .../answers from many concurrent clients. In the live flow every
  // request is an answer to the open question; in the self-paced flow each
  // answer is two requests, as a self-paced player makes them (fetch the
  // current question, which starts its timer, then answer it).
  const clients = Number(opts.clients);
  const duration = Number(opts.duration) * 1000;
  const selfPaced = opts.flow === "self-paced";
  const perClient = selfPaced ? 16 : 64;
  const questionCount = 200;
  const { host, sessionId } = await setup(selfPaced ? "self_paced" : "live", 300, questionCount);
  const { players } = await makePlayers(clients * perClient, "h", sessionId);
  await expect(200, request("POST", `/v1/sessions/${sessionId}/start`, undefined, host), "start");
  const latencies = [];
  const statuses = {};
  const count = (status) => {
    statuses[status] = (statuses[status] ?? 0) + 1;
  };
  const path = `/v1/sessions/${sessionId}/answers`;
  let questionId = null;
  const refreshQuestion = async () => {
    const body = await expect(200, request("GET", `/v1/sessions/${sessionId}`, undefined, host), "session");
    questionId = body.current_question.question_id;
  };
  const began = now();
  const stopAt = began + duration;
  if (selfPaced) {
    await Promise.all(
      Array.from({ length: clients }, async (_, index) => {
        const group = players.slice(index * perClient, (index + 1) * perClient);
        for (let turn = 0; now() < stopAt; turn++) {
          const player = group[turn % group.length];
          const current = await request(
            "GET",
            `/v1/sessions/${sessionId}/questions/current`,
            undefined,
            player.token,
          );
          if (current.status !== 200) continue;
          const sentAt = now();
          const response = await request(
            "POST",
            path,
            { question_id: current.body.question_id, answer: "alpha" },
            player.token,
          );
          latencies.push(now() - sentAt);
          count(response.status);
        }
      }),
    );
  } else {
    // Every player answers the open question; when all have, the host opens
    // the next one (a short barrier every clients x 64 answers).
    await refreshQuestion();
    while (now() < stopAt) {
      await Promise.all(
        Array.from({ length: clients }, async (_, index) => {
          const group = players.slice(index * perClient, (index + 1) * perClient);
          for (const player of group) {
            if (now() >= stopAt) return;
            const sentAt = now();
            const response = await request(
              "POST",
              path,
              { question_id: questionId, answer: "alpha" },
              player.token,
            );
            latencies.push(now() - sentAt);
            count(response.status);
          }
        }),
      );
      if (now() >= stopAt) break;
      await expect(200, request("POST", `/v1/sessions/${sessionId}/next`, undefined, host), "next");
      await refreshQuestion();
    }
  }
  const elapsed = (now() - began) / 1000;
  const accepted = statuses[202] ?? 0;
  const requests = Object.values(statuses).reduce((a, b) => a + b, 0);
  return {
    flow: selfPaced ? "self-paced" : "live",
    clients,
    seconds: elapsed,
    answers_accepted: accepted,
    answers_per_s: accepted / elapsed,
    requests_per_s: ((selfPaced ? 2 : 1) * requests) / elapsed,
    p50_ms: pct(latencies, 0.5),
    p99_ms: pct(latencies, 0.99),
    statuses,
  };
}

async function floor() {
  // bench/ws_floor.py: the same pattern against the bare server stack.
  const count = Number(opts.players);
  const rounds = Number(opts.questions);
  const sockets = [];
  const latencies = [];
  let answered = 0;
  let busyMs = 0;
  for (let first = 0; first < count; first += 250) {
    const wave = [];
    for (let n = first; n < Math.min(count, first + 250); n++) {
      const ws = new WebSocket(`ws://${base.host}/floor`, { perMessageDeflate: false });
      const sent = new Map();
      ws.on("message", (data) => {
        const at = now();
        const event = JSON.parse(data);
        if (event.type === "question.opened") {
          const submission = `u${n}-${answered}`;
          sent.set(submission, at);
          ws.send(submitFrame(event.question_id, submission));
        } else if (event.type === "answer.result") {
          latencies.push(at - sent.get(event.submission_id));
          answered += 1;
        }
      });
      sockets.push(ws);
      wave.push(new Promise((resolve, reject) => {
        ws.on("open", resolve);
        ws.on("error", reject);
      }));
    }
    await Promise.all(wave);
  }
  await sleep(500);
  for (let round = 0; round < rounds; round++) {
    const target = (round + 1) * count;
    const began = now();
    await expect(200, request("POST", "/go"), "go");
    while (answered < target) await sleep(1);
    busyMs += now() - began;
    await sleep(200);
  }
  for (const ws of sockets) ws.terminate();
  return {
    players: count,
    rounds,
    answers_scored: answered,
    answers_per_s: answered / (busyMs / 1000),
    result_p50_ms: pct(latencies, 0.5),
    result_p99_ms: pct(latencies, 0.99),
    burst_ms: busyMs / rounds,
  };
}

// The load generator's own event-loop delay: a message it receives waits
// this long before it is timed, so its p99 is part of every latency p99.
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
const figures = opts.floor ? await floor() : opts.http ? await httpAnswers() : await live();
loopDelay.disable();
figures.driver_loop_delay_p99_ms = loopDelay.percentile(99) / 1e6;
figures.driver_loop_delay_max_ms = loopDelay.max / 1e6;
process.stdout.write(`${JSON.stringify(figures)}\n`);
agent.destroy();
process.exit(0);
