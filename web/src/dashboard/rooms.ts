import { action, query } from '@solidjs/router';
import { createRoom, deleteRoom, endRoom, loadRoom, loadRooms, startRoom, updateRoom } from './rooms.server';

export type { RoomsPage } from './rooms.server';

export const getRooms = query(loadRooms, 'rooms');
export const getRoom = query(loadRoom, 'room');
export const createRoomAction = action(createRoom, 'room-create');
export const updateRoomAction = action(updateRoom, 'room-update');
export const deleteRoomAction = action(deleteRoom, 'room-delete');
export const startRoomAction = action(startRoom, 'room-start');
export const endRoomAction = action(endRoom, 'room-end');

export const VISIBILITY_OPTIONS = [
  { value: 'public', label: 'Public: anyone with the link' },
  { value: 'members', label: 'Members: signed-in members only' },
  { value: 'invite', label: 'Invite only' },
] as const;
