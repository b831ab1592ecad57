// Every API operation the client calls, as [method, path] exactly as the OpenAPI document
// (`/api/v1/openapi.json`) names it. A test checks each one against the served document, so the
// client cannot drift from the API.
export const ROUTES = {
  listWorkspaces: ['get', '/organizations/{org}/workspaces'],
  listRooms: ['get', '/organizations/{org}/rooms'],
  getRoom: ['get', '/organizations/{org}/rooms/{room}'],
  createRoom: ['post', '/organizations/{org}/rooms'],
  updateRoom: ['patch', '/organizations/{org}/rooms/{room}'],
  deleteRoom: ['delete', '/organizations/{org}/rooms/{room}'],
  startRoom: ['post', '/organizations/{org}/rooms/{room}/start'],
  joinRoom: ['post', '/organizations/{org}/rooms/{room}/join'],
  endRoom: ['post', '/organizations/{org}/rooms/{room}/end'],
  getUsage: ['get', '/organizations/{org}/usage'],
  listRecordings: ['get', '/organizations/{org}/recordings'],
  getRecording: ['get', '/organizations/{org}/recordings/{recording}'],
  startRecording: ['post', '/organizations/{org}/rooms/{room}/recordings'],
  stopRecording: ['post', '/organizations/{org}/recordings/{recording}/stop'],
  deleteRecording: ['delete', '/organizations/{org}/recordings/{recording}'],
  getHls: ['get', '/organizations/{org}/rooms/{room}/hls'],
  startHls: ['post', '/organizations/{org}/rooms/{room}/hls'],
  stopHls: ['delete', '/organizations/{org}/rooms/{room}/hls'],
  listDestinations: ['get', '/organizations/{org}/egress/destinations'],
  createDestination: ['post', '/organizations/{org}/egress/destinations'],
  deleteDestination: ['delete', '/organizations/{org}/egress/destinations/{destination}'],
  getRoomEgress: ['get', '/organizations/{org}/rooms/{room}/egress'],
  startDestination: ['post', '/organizations/{org}/rooms/{room}/egress/rtmp/{destination}/start'],
  stopDestination: ['post', '/organizations/{org}/rooms/{room}/egress/rtmp/{destination}/stop'],
} as const;

export type Operation = keyof typeof ROUTES;
