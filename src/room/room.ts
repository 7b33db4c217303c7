/**
 * Watching the room (opt-in): with WORKSHOP_ROOM=<name> set, each checkpoint result an attendee gets is recorded as
 * one small item in the room table (ws-room), so the instructor's notebook (notebooks/instructor/room.ipynb) shows
 * who is where and who is stuck. Nothing is recorded unless the room is set, and a failure to record never fails
 * the attendee's cell. The module the notebooks and src/exercises.ts import; the code is in four files:
 *   room-items.ts   the room table's items and the attendees' IAM policy (pure)
 *   room-record.ts  recording a checkpoint result, a section finished, the kernel's consumption (I/O, never throws)
 *   room-view.ts    the instructor's view: heat map, who is stuck, per section; read and refreshed in place
 *   room-cost.ts    the room's cost so far: metered consumption locally (meter.ts), CloudWatch on AWS
 */

export {
  type AnyRoomItem,
  ATTENDEE_TAG_KEY,
  ATTENDEE_TAG_VARIABLE,
  type ConsumedTotals,
  type FinishedItem,
  finishedUpdate,
  type ProgressEvent,
  type ProgressResult,
  progressUpdate,
  ROOM_TABLE_DEFAULT,
  type RoomItem,
  type RoomItemKind,
  roomPk,
  roomPolicy,
  roomSettings,
  type RoomSettings,
  sectionKey,
  sectionOf,
  type UsageItem,
  usageUpdate,
} from './room-items';
export {
  recordCheckpoint,
  type RecordOutcome,
  sectionFinished,
} from './room-record';
export {
  attendeeTables,
  type CellState,
  readRoom,
  roomDisplay,
  type RoomDisplay,
  roomHeatmapSpec,
  roomView,
  type RoomView,
  watchRoom,
} from './room-view';
export {
  consumedCapacityQueries,
  roomCost,
  type RoomCost,
  roomCostFromCloudWatch,
  roomCostFromUsage,
  roomCostLine,
  roomTables,
} from './room-cost';
