package exercise

import (
	"github.com/grpclabs/labs/ch02-grpc-core/wire/wiremsg"
	"github.com/grpclabs/labs/scripts/labkit"
)

// SizeUser is len(AppendUser(nil, u)), computed without encoding.
//
// Step 7. Until you write it, it returns 0.
func SizeUser(u *wiremsg.User) int {
	return 0
}

// AppendUser encodes u exactly as proto.Marshal encodes wire.v1.User
// (proto/wire/v1/wire.proto): name = 1, id = 2, emails = 3.
//
// Step 7. Until you write it, it returns b unchanged.
func AppendUser(b []byte, u *wiremsg.User) []byte {
	return b
}

// UnmarshalUser decodes b into u, replacing what u held, and accepts what
// proto.Unmarshal accepts.
//
// Step 7.
func UnmarshalUser(b []byte, u *wiremsg.User) error {
	return labkit.TODO("UnmarshalUser")
}
