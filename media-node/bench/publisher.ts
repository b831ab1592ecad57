// The bench's publisher process: one real publisher (mediasoup-client over libwebrtc, 3-layer
// simulcast VP8, top layer ~1.5 Mbps), alone so that nothing delays the frames it feeds.
import { PublisherBot } from '../test/support/bots.ts';
import { answerCpu, remoteRouter } from './child-rpc.ts';

const publisher = await PublisherBot.start(await remoteRouter(), { width: 960, height: 540, fps: 30, layers: [150_000, 500_000, 1_500_000], audio: false });
answerCpu();
process.on('message', async (m: { command?: string }) => {
  if (m.command === 'layers') process.send!({ event: 'layers', layers: await publisher.outbound(), bwe: await publisher.availableOutgoingBitrate() });
  else if (m.command === 'stop') {
    publisher.close();
    process.exit(0);
  }
});
process.send!({ event: 'ready', producerId: publisher.videoProducer.id });
