// Every message that crosses the room socket, one union per direction. Shared by the Worker
// (RoomDO validates what arrives) and the web app.
export * from './limits.ts';
export * from './envelope.ts';
export * from './client.ts';
export * from './server.ts';
export * from './media.ts';
export * from './studio.ts';
export * from './fleet.ts';
export * from './media-slots.ts';
export * from './channel.ts';
export * from './pending-requests.ts';
