// Package exercise is your copy of the interceptors lab
// (2.4 拦截器机制在日志、认证和监控中的应用). Fill in the TODOs, file by
// file, until `go test` here is green; README.md walks you through the
// steps in order and go run ./scripts/lab check interceptors tells you
// which one is next.
//
// Every server interceptor comes twice, unary and stream, because grpc-go
// has two signatures: a unary handler takes a context, a stream handler
// takes a grpc.ServerStream and reads its context from it.
package exercise
