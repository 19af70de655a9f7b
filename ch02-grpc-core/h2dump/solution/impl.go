package solution

import "github.com/grpclabs/labs/ch02-grpc-core/h2dump/dump"

// Impl hands this package's pieces to the dump tool and the suite.
func Impl() dump.Impl {
	return dump.Impl{
		Name:             "solution",
		ParseFrameHeader: ParseFrameHeader,
		CheckFrameHeader: CheckFrameHeader,
		FlagNames:        FlagNames,
		NewEndpoint:      func(client bool) dump.Endpoint { return NewEndpoint(client) },
		NewReassembler:   func(max int) dump.Reassembler { return NewReassembler(max) },
	}
}
