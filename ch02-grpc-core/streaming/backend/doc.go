// Package backend holds the in-memory state behind the streaming lab's four
// services: a log, a configuration store and a chat room. It is given, not
// part of the lab. The handlers you write in exercise/ stream from it.
//
// Every type here tells its readers about changes without making a writer
// wait for them, which is what a streaming server needs:
//
//   - [LogStore] closes a channel when lines are appended: any number of
//     tails wake up, and Append never blocks.
//   - [ConfigStore] keeps the latest entry per subscriber (a one-slot
//     mailbox): a slow subscriber skips versions, it never holds up Set.
//   - [Room] gives each member a bounded queue and removes a member whose
//     queue is full, so one slow reader cannot stall the room.
package backend
