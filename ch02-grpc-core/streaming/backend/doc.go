// Package backend holds the in-memory state behind the streaming lab's four
// services: a log, a configuration store and a chat room. It is given, not
// part of the lab. The handlers you write in exercise/ stream from it.
//
// Every type here decides what a writer does about a slow reader, which is
// what a streaming server needs:
//
//   - [LogStore] closes a channel when lines are appended: any number of
//     tails wake up, and Append never blocks.
//   - [ConfigStore] keeps the latest entry per subscriber (a one-slot
//     mailbox): a slow subscriber skips versions, it never holds up Set.
//   - [Room] gives each member a bounded queue; a speaker waits while a
//     queue is full (a burst paces itself), and a member whose queue stays
//     full for the room's patience is removed, so one reader that stopped
//     cannot stall the room for more than a few seconds.
package backend
