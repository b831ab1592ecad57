// A room's first frame to a client, valid for the protocol, for tests that play the RoomDO.
export function welcomeFrame(identity: string) {
  const participant = { identity, name: 'Test', role: 'viewer', handRaised: false, mutedByModerator: false, joinedAt: '2026-01-01T00:00:00Z' };
  return {
    type: 'welcome',
    protocol: 1,
    self: { ...participant, grants: [] },
    participants: [participant],
    participantCount: 1,
    room: { roomId: 'room-fuzz', sessionId: 's', chatEnabled: true, slowModeSeconds: 0 },
    chat: { messages: [], hasMore: false },
    pinnedAlerts: [],
    resumeId: 'resume-1',
    resumed: false,
    heartbeatMs: 60_000,
  };
}
