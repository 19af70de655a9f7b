// Package wiremsg holds the plain Go structs of the wire lab: the same
// messages as proto/wire/v1/wire.proto, without the protobuf runtime.
//
// The hand-written codecs (exercise/ and solution/) encode and decode these,
// and the benchmarks feed the very same values to encoding/json and
// encoding/xml, so every format carries identical data. The json and xml
// tags mirror protobuf's JSON names (lowerCamelCase) and omit zero values,
// as proto3 does on the wire.
package wiremsg

// User mirrors wire.v1.User, the example message of section 2.1.
type User struct {
	Name   string   `json:"name,omitempty" xml:"name,omitempty"`
	ID     int32    `json:"id,omitempty" xml:"id,omitempty"`
	Emails []string `json:"emails,omitempty" xml:"email"`
}

// OrderBatch mirrors wire.v1.OrderBatch.
type OrderBatch struct {
	BatchID       string  `json:"batchId,omitempty" xml:"batchId,omitempty"`
	CreatedUnixMs int64   `json:"createdUnixMs,omitempty" xml:"createdUnixMs,omitempty"`
	Orders        []Order `json:"orders,omitempty" xml:"order"`
	Final         bool    `json:"final,omitempty" xml:"final,omitempty"`
	ShardIDs      []int64 `json:"shardIds,omitempty" xml:"shardId"`
}

// OrderStatus mirrors wire.v1.Order.Status.
type OrderStatus int32

// The values of OrderStatus, as numbered in the .proto.
const (
	StatusUnspecified OrderStatus = 0
	StatusPlaced      OrderStatus = 1
	StatusShipped     OrderStatus = 2
	StatusDelivered   OrderStatus = 3
)

// Order mirrors wire.v1.Order. ShipTo is a pointer because a message field
// has presence: absent (nil) and empty are different on the wire.
type Order struct {
	OrderID       uint64      `json:"orderId,omitempty" xml:"orderId,omitempty"`
	CustomerEmail string      `json:"customerEmail,omitempty" xml:"customerEmail,omitempty"`
	ShipTo        *Address    `json:"shipTo,omitempty" xml:"shipTo,omitempty"`
	Items         []LineItem  `json:"items,omitempty" xml:"item"`
	Total         float64     `json:"total,omitempty" xml:"total,omitempty"`
	Status        OrderStatus `json:"status,omitempty" xml:"status,omitempty"`
	Priority      int32       `json:"priority,omitempty" xml:"priority,omitempty"`
	TraceID       uint64      `json:"traceId,omitempty" xml:"traceId,omitempty"`
	Gift          bool        `json:"gift,omitempty" xml:"gift,omitempty"`
	CouponIDs     []int32     `json:"couponIds,omitempty" xml:"couponId"`
}

// LineItem mirrors wire.v1.LineItem.
type LineItem struct {
	SKU            string `json:"sku,omitempty" xml:"sku,omitempty"`
	Quantity       uint32 `json:"quantity,omitempty" xml:"quantity,omitempty"`
	UnitPriceCents int64  `json:"unitPriceCents,omitempty" xml:"unitPriceCents,omitempty"`
	Title          string `json:"title,omitempty" xml:"title,omitempty"`
}

// Address mirrors wire.v1.Address.
type Address struct {
	Street      string `json:"street,omitempty" xml:"street,omitempty"`
	City        string `json:"city,omitempty" xml:"city,omitempty"`
	PostalCode  string `json:"postalCode,omitempty" xml:"postalCode,omitempty"`
	CountryCode string `json:"countryCode,omitempty" xml:"countryCode,omitempty"`
}
