// Package shop is the small business chapter 4.4 observes: a gateway that
// takes orders over HTTP, an orders service, an inventory service and its
// database. It is scaffolding, shared by the tracing and metrics labs and
// the programs: the labs add the instrumentation around it, so the
// services themselves only log with the request's context (that is what
// lets a log handler add the trace id) and return honest gRPC codes.
package shop

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	ordersv1 "github.com/grpclabs/labs/ch04-governance/gen/orders/v1"
)

// DB is the inventory's database: one statement, take n items out of stock.
type DB interface {
	TakeStock(ctx context.Context, item string, n int) (left int, err error)
}

// ErrOutOfStock is the database's answer when there are fewer than n items.
// It is an answer, not a failure: the database is fine.
var ErrOutOfStock = errors.New("out of stock")

// MemDB is an in-memory DB with faults to inject: a delay and an error.
type MemDB struct {
	mu    sync.Mutex
	stock map[string]int
	delay time.Duration
	fault error
}

// NewMemDB returns a database holding stock.
func NewMemDB(stock map[string]int) *MemDB {
	s := make(map[string]int, len(stock))
	for k, v := range stock {
		s[k] = v
	}
	return &MemDB{stock: s}
}

// Inject makes every later statement wait delay and then fail with fault
// (nil: succeed).
func (db *MemDB) Inject(delay time.Duration, fault error) {
	db.mu.Lock()
	defer db.mu.Unlock()
	db.delay, db.fault = delay, fault
}

// TakeStock implements DB.
func (db *MemDB) TakeStock(ctx context.Context, item string, n int) (int, error) {
	db.mu.Lock()
	delay, fault := db.delay, db.fault
	db.mu.Unlock()
	if delay > 0 {
		t := time.NewTimer(delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
	if fault != nil {
		return 0, fault
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	left, ok := db.stock[item]
	if !ok || left < n {
		return left, ErrOutOfStock
	}
	db.stock[item] = left - n
	return left - n, nil
}

// logger returns l, or a logger that discards.
func logger(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}

// Inventory is the InventoryService.
type Inventory struct {
	ordersv1.UnimplementedInventoryServiceServer
	DB  DB
	Log *slog.Logger
}

// Reserve takes the items out of stock.
func (s *Inventory) Reserve(ctx context.Context, req *ordersv1.ReserveRequest) (*ordersv1.ReserveResponse, error) {
	log := logger(s.Log)
	left, err := s.DB.TakeStock(ctx, req.GetItem(), int(req.GetQuantity()))
	switch {
	case errors.Is(err, ErrOutOfStock):
		log.InfoContext(ctx, "not enough stock", "item", req.GetItem(), "wanted", req.GetQuantity(), "left", left)
		return nil, status.Errorf(codes.FailedPrecondition, "only %d %s left", left, req.GetItem())
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return nil, status.FromContextError(err).Err()
	case err != nil:
		log.ErrorContext(ctx, "stock update failed", "item", req.GetItem(), "err", err)
		return nil, status.Errorf(codes.Unavailable, "stock database: %v", err)
	}
	log.InfoContext(ctx, "reserved", "item", req.GetItem(), "quantity", req.GetQuantity(), "left", left)
	return &ordersv1.ReserveResponse{Left: int32(left)}, nil
}

// WatchStock is not used by the shop.
func (s *Inventory) WatchStock(*ordersv1.WatchStockRequest, ordersv1.InventoryService_WatchStockServer) error {
	return status.Error(codes.Unimplemented, "the shop does not stream stock levels")
}

// Orders is the OrderService: it validates an order and reserves its items.
type Orders struct {
	ordersv1.UnimplementedOrderServiceServer
	Inventory ordersv1.InventoryServiceClient
	Log       *slog.Logger
	next      atomic.Int64
}

// PlaceOrder reserves the items and returns the new order's id.
func (s *Orders) PlaceOrder(ctx context.Context, req *ordersv1.PlaceOrderRequest) (*ordersv1.PlaceOrderResponse, error) {
	log := logger(s.Log)
	if req.GetItem() == "" || req.GetQuantity() < 1 {
		log.WarnContext(ctx, "bad order", "item", req.GetItem(), "quantity", req.GetQuantity())
		return nil, status.Error(codes.InvalidArgument, "an order needs an item and a quantity of at least 1")
	}
	log.InfoContext(ctx, "placing order", "item", req.GetItem(), "quantity", req.GetQuantity())
	resp, err := s.Inventory.Reserve(ctx, &ordersv1.ReserveRequest{Item: req.GetItem(), Quantity: req.GetQuantity()})
	if err != nil {
		log.WarnContext(ctx, "reservation failed", "code", status.Code(err).String())
		return nil, err // the inventory's code is the right one for the caller too
	}
	id := fmt.Sprintf("order-%d", s.next.Add(1))
	log.InfoContext(ctx, "order placed", "order_id", id)
	return &ordersv1.PlaceOrderResponse{OrderId: id, Left: resp.GetLeft()}, nil
}

// Gateway is the shop's HTTP front door: POST /checkout?item=apple&qty=2.
type Gateway struct {
	Orders ordersv1.OrderServiceClient
	Log    *slog.Logger
}

// Receipt is the gateway's JSON answer.
type Receipt struct {
	OrderID string `json:"order_id,omitempty"`
	Left    int32  `json:"left"`
	Error   string `json:"error,omitempty"`
}

// ServeHTTP turns the HTTP request into a PlaceOrder call and the gRPC code
// into an HTTP status.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	log := logger(g.Log)
	ctx := r.Context()
	if r.URL.Path != "/checkout" {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "use POST", http.StatusMethodNotAllowed)
		return
	}
	qty, err := strconv.Atoi(r.URL.Query().Get("qty"))
	if err != nil {
		qty = 1
	}
	log.InfoContext(ctx, "checkout", "item", r.URL.Query().Get("item"), "qty", qty)
	resp, err := g.Orders.PlaceOrder(ctx, &ordersv1.PlaceOrderRequest{Item: r.URL.Query().Get("item"), Quantity: int32(qty)})
	code := http.StatusOK
	receipt := Receipt{OrderID: resp.GetOrderId(), Left: resp.GetLeft()}
	if err != nil {
		receipt.Error = status.Convert(err).Message()
		switch status.Code(err) {
		case codes.InvalidArgument:
			code = http.StatusBadRequest
		case codes.FailedPrecondition:
			code = http.StatusConflict
		case codes.DeadlineExceeded:
			code = http.StatusGatewayTimeout
		default:
			code = http.StatusBadGateway
		}
	}
	log.InfoContext(ctx, "checkout done", "status", code)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(receipt)
}
