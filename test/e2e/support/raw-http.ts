/**
 * HTTP/1.1 over a bare TCP socket, for tests that must control what goes over which connection and when: a request
 * sent in parts, a second request on a kept-alive connection.
 */
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';

/** One parsed response. */
export interface RawReply {
  readonly status: number;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** A kept-alive connection to `http://host:port`, reading one response at a time. */
export interface RawConnection {
  readonly socket: Socket;
  /** Writes bytes as they are. */
  write(text: string): void;
  /** The next complete response (which must carry `Content-Length`). */
  reply(): Promise<RawReply>;
}

/** Opens a TCP connection to the server at `url`. */
export async function openRaw(url: string): Promise<RawConnection> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  await once(socket, 'connect');
  let buffered = '';
  const waiting: Array<() => void> = [];
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffered += chunk;
    for (const wake of waiting.splice(0)) wake();
  });
  socket.on('error', () => undefined);
  const parse = (): RawReply | undefined => {
    const end = buffered.indexOf('\r\n\r\n');
    if (end < 0) return undefined;
    const [statusLine, ...lines] = buffered.slice(0, end).split('\r\n');
    const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
    const length = Number(headers['content-length'] ?? 0);
    if (buffered.length < end + 4 + length) return undefined;
    const body = buffered.slice(end + 4, end + 4 + length);
    buffered = buffered.slice(end + 4 + length);
    return { status: Number(statusLine!.split(' ')[1]), headers, body };
  };
  return {
    socket,
    write: (text) => void socket.write(text),
    async reply() {
      for (;;) {
        const parsed = parse();
        if (parsed) return parsed;
        if (socket.readableEnded || socket.destroyed) throw new Error(`connection closed before a full response: ${JSON.stringify(buffered)}`);
        await new Promise<void>((resolve) => {
          waiting.push(resolve);
          socket.once('close', resolve);
        });
      }
    },
  };
}

/** The head of a request with a JSON body of `length` bytes. */
export function requestHead(method: string, path: string, length: number): string {
  return `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/merge-patch+json\r\nContent-Length: ${length}\r\n\r\n`;
}

/** Resolves once `url` refuses new TCP connections, polling every few milliseconds. */
export async function untilRefused(url: string): Promise<void> {
  const { hostname, port } = new URL(url);
  for (;;) {
    const socket = connect(Number(port), hostname);
    const outcome = await Promise.race([once(socket, 'connect').then(() => 'accepted'), once(socket, 'error').then(() => 'refused')]).catch(() => 'refused');
    socket.destroy();
    if (outcome === 'refused') return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
