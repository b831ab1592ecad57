// A TCP port free on 127.0.0.1 right now (the system picks it), for a local server a test or
// benchmark starts itself (an RTMP receiver, say).
import net from 'node:net';

export async function freeTcpPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
