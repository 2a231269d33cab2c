// The messages of /api/events (see src/console/console.ts TickMessage).

export interface Row {
  i: number;
  name: string;
  type: string;
  state: "up" | "down" | "never";
  proc: string | null;
  pid: number | null;
  restarts: number | null;
  lastExit: string | null;
  id: string | null;
  ids: number;
  upSince: number | null;
  downSince: number | null;
  in: number | null;
  out: number | null;
  xpubDrops: number | null;
  onloopDrops: number | null;
  drops: number | null;
  dropRate: number | null;
  msgErrors: number | null;
  queue: number | null;
  onloopBlocks: number | null;
  limitHits: number | null;
  rss: number | null;
  cpu: number | null;
  startTime: number | null;
  view: string | null;
  sees: string | null;
  peersUp: number;
  missing: string[];
  metrics: string;
  metricsUrl: string | null;
  logDir: string | null;
}

export interface Logger {
  name: string;
  type: string;
  paths: [path: string, rate: number | null, written: number, received: number, dropped: number][];
  dir: string | null;
  dirError: string | null;
  files: [name: string, bytes: number, rate: number, mtime: number][];
  rotated: number;
  lastRotated: string | null;
}

export interface BrokerInfo {
  source: string;
  totals?: number[];
  rates?: (number | null)[];
  error?: string;
}

export interface ConsoleEvent {
  t: number;
  level: "info" | "warn" | "error";
  text: string;
}

export interface ClusterLogLine {
  ts: number;
  node: string;
  message: string;
  from: string;
}

export interface Tick {
  t: number;
  title: string;
  brokerConnected: boolean;
  names?: string[];
  rows: Row[];
  point: (number | null)[];
  broker: BrokerInfo | null;
  loggers: Logger[];
  events: ConsoleEvent[];
  clusterLog: ClusterLogLine[];
  console: { tickCpuMs: number; tickWallMs: number; extraRefused: number; idsRefused: number; tail: { running: boolean; rate: number; cpuPct: number; stopped: string | null } };
}

export interface Snapshot extends Tick {
  names: string[];
  history: (number | null)[][];
}

export interface TailSample {
  t: number;
  topic: string;
  sender: string;
  format: string;
  name: string;
  args: string;
  bytes: number;
}

export interface TailUpdate {
  rate: number;
  total: number;
  samples: TailSample[];
  topics: [string, number][];
}
