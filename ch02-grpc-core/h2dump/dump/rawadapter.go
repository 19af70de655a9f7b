package dump

import wire "github.com/grpclabs/labs/ch02-grpc-core/wire/solution"

// The gRPC messages are decoded without a schema by the wire lab's raw
// decoder (ch02-grpc-core/wire), the same one a learner writes in 2.1.
type rawField = wire.Field

var decodeRaw = wire.DecodeRaw
