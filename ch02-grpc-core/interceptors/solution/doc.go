// Package solution is the reference for the interceptors lab
// (2.4 拦截器机制在日志、认证和监控中的应用): server interceptors for
// logging, authentication, metrics and panic recovery, client interceptors
// for request ids and default deadlines, and a chain that runs them in the
// same order grpc.ChainUnaryInterceptor does.
//
// Every server interceptor comes twice, unary and stream, because grpc-go
// has two signatures: a unary handler takes a context, a stream handler takes
// a grpc.ServerStream and reads its context from it.
package solution
