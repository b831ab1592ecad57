// The multistream server calls as the pages use them (the server half is multistream.server.ts).
import { action, query } from '@solidjs/router';
import { addDestination, listDestinations, removeDestination } from './multistream.server';

export { listDestinations, roomOutputs, switchDestination } from './multistream.server';
export type { EgressDestination, RtmpOutputStatus } from '@roomcast/schema/api';

export const getDestinations = query(listDestinations, 'egress-destinations');
export const addDestinationAction = action(addDestination, 'egress-destination-add');
export const removeDestinationAction = action(removeDestination, 'egress-destination-remove');
