// The multistream server calls as the pages use them (the server half is multistream.server.ts).
import { action, query } from '@solidjs/router';
import { addDestination, loadDestinations, removeDestination } from './multistream.server';

export { loadDestinations, loadRoomOutputs, switchDestination } from './multistream.server';
export type { EgressDestination, RtmpOutputStatus } from '@roomcast/schema/api';

export const getDestinations = query(loadDestinations, 'egress-destinations');
export const addDestinationAction = action(addDestination, 'egress-destination-add');
export const removeDestinationAction = action(removeDestination, 'egress-destination-remove');
