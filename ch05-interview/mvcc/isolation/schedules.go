package isolation

// All is every schedule, in the order the drill's README explains them.
// Each one was replayed on MariaDB 10.11 (Debian 12's mariadb-server) by
// this package's cross-check test, with these results.
var All = []Schedule{
	{
		Name: "dirty read", Levels: "RU RC RR SER", Seed: "1=10",
		Script: `
			T1 begin
			T2 begin
			T2 update 1 11
			T1 get 1 -> RU=11 RC=10 RR=10 SER=waits:10  # RU reads T2's uncommitted write: a dirty read; at SER the read locks the row, so it waits for T2
			T2 rollback
			T1 get 1 -> 10                              # T2 rolled back: the value T1 read at RU never existed
			T1 commit`,
	},
	{
		Name: "non-repeatable read", Levels: "RU RC RR", Seed: "1=10",
		Script: `
			T1 begin
			T2 begin
			T1 get 1 -> 10
			T2 update 1 11
			T2 commit
			T1 get 1 -> RU=11 RC=11 RR=10  # RC takes a new read view for every statement; RR keeps the one from its first read
			T1 commit`,
	},
	{
		Name: "non-repeatable read, serializable", Levels: "SER", Seed: "1=10",
		Script: `
			T1 begin
			T2 begin
			T1 get 1 -> 10          # at SER a plain SELECT takes a shared lock on the row it reads
			T2 update 1 11 -> waits:ok  # so the writer waits for the reader
			T1 get 1 -> 10
			T1 commit               # the shared lock goes: T2's update proceeds
			T2 commit`,
	},
	{
		Name: "read view", Levels: "RU RC RR", Seed: "1=10 2=20",
		Script: `
			T1 begin
			T2 begin
			T3 begin
			T1 update 1 11
			T2 update 2 21
			T2 commit
			T3 get 1 -> RU=11 RC=10 RR=10  # T1 is still running: its id is in T3's m_ids, so T3 walks the undo chain back to 10
			T3 get 2 -> 21                 # T2 committed before T3's first read took the view
			T1 commit
			T3 get 1 -> RU=11 RC=11 RR=10  # RC's new view no longer lists T1; RR's view still does
			T3 commit`,
	},
	{
		Name: "lost update", Levels: "RC RR", Seed: "1=10",
		Script: `
			T1 begin
			T2 begin
			T1 get 1 -> 10
			T2 get 1 -> 10
			T1 update 1 11   # T1 adds 1 to what it read
			T1 commit
			T2 update 1 11   # T2 adds 1 to what it read: no wait, no error
			T2 commit
			T3 begin
			T3 get 1 -> 11   # two increments, one survives; SELECT ... FOR UPDATE (or SET v = v + 1) would have made T2 wait and read 11
			T3 commit`,
	},
	{
		Name: "phantom read", Levels: "RU RC RR", Seed: "1=10 2=20 3=30 10=100",
		Script: `
			T1 begin
			T2 begin
			T1 scan 1 5 -> [1,2,3]
			T2 insert 4 40
			T2 commit
			T1 scan 1 5 -> RU=[1,2,3,4] RC=[1,2,3,4] RR=[1,2,3]  # the same query sees a new row (a phantom) at RU and RC; RR's read view hides it
			T1 commit`,
	},
	{
		Name: "phantom read, serializable", Levels: "SER", Seed: "1=10 2=20 3=30 10=100",
		Script: `
			T1 begin
			T2 begin
			T1 scan 1 5 -> [1,2,3]      # shared next-key locks on 1, 2, 3 and on the gap before 10
			T2 insert 4 40 -> waits:ok  # an insert into a locked gap waits
			T1 scan 1 5 -> [1,2,3]
			T1 commit
			T2 commit`,
	},
	{
		Name: "snapshot read vs current read", Levels: "RC RR", Seed: "1=10 2=20 3=30 10=100",
		Script: `
			T1 begin
			T2 begin
			T1 scan 1 5 -> [1,2,3]
			T2 insert 4 40
			T2 commit
			T1 scan 1 5 -> RC=[1,2,3,4] RR=[1,2,3]  # a snapshot read: at RR the phantom stays hidden
			T1 scan-for-update 1 5 -> [1,2,3,4]     # a current read reads the newest committed rows: at RR the phantom is back
			T1 update 4 41 -> ok                    # T1 can even update the row its snapshot does not show
			T1 scan 1 5 -> [1,2,3,4]                # and from now on sees it: its own version is visible to it
			T1 commit`,
	},
	{
		Name: "next-key lock", Levels: "RR", Seed: "1=10 2=20 3=30 10=100",
		Script: `
			T1 begin
			T2 begin
			T3 begin
			T4 begin
			T1 scan-for-update 1 5 -> [1,2,3]  # next-key locks: rows 1, 2, 3, the gaps before them, and the gap (3, 10)
			T2 insert 4 40 -> waits:ok         # 4 falls in a locked gap: the current-read phantom becomes a wait
			T3 insert 20 200                   # after 10: nothing locked there
			T3 commit
			T4 insert 7 70 -> waits:ok         # 7 is outside 1..5 but in the gap (3, 10) the lock on it covers
			T1 scan-for-update 1 5 -> [1,2,3]  # no phantom for T1's current reads
			T1 commit
			T2 commit
			T4 commit`,
	},
	{
		Name: "no gap locks below repeatable read", Levels: "RU RC", Seed: "1=10 2=20 3=30 10=100",
		Script: `
			T1 begin
			T2 begin
			T1 scan-for-update 1 5 -> [1,2,3]    # RU and RC lock the rows they read, not the gaps
			T2 insert 4 40                       # so the insert goes ahead
			T2 commit
			T1 scan-for-update 1 5 -> [1,2,3,4]  # a phantom even for current reads
			T1 commit`,
	},
	{
		Name: "write-write conflict", Levels: "RU RC RR SER", Seed: "1=10",
		Script: `
			T1 begin
			T2 begin
			T1 update 1 11
			T2 update 1 12 -> waits:ok  # every level locks the rows it writes until commit
			T1 commit
			T2 get 1 -> 12              # T2 reads its own write
			T2 commit
			T3 begin
			T3 get 1 -> 12
			T3 commit`,
	},
}
