// The bench's signaling between the engine process and the load process (Node IPC).
export type BenchRequest =
  | { method: 'routerCapabilities' }
  | { method: 'createTransport' }
  | { method: 'connect'; transportId: string; dtlsParameters: unknown }
  | { method: 'produce'; transportId: string; kind: 'audio' | 'video'; rtpParameters: unknown }
  | { method: 'consume'; transportId: string; producerId: string; rtpCapabilities: unknown };

export type BenchEnvelope = { id: number; request: BenchRequest } | { id: number; result?: unknown; error?: string };
