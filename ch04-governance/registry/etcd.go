package registry

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// Root is the etcd prefix under which every service lives:
// services/<service>/<id>.
const Root = "services/"

// Prefix is the etcd prefix holding every instance of service, with its
// trailing slash, so "greeter" never matches "greeter-admin".
func Prefix(service string) string { return Root + service + "/" }

// Key is the etcd key of one instance.
func Key(service, id string) string { return Prefix(service) + id }

// etcdRecord is the value etcd's naming/endpoints manager writes
// (go.etcd.io/etcd/client/v3/naming/endpoints): Op 0 is "add", Addr is
// what its resolver dials, Metadata is ours.
type etcdRecord struct {
	Op       uint8
	Addr     string
	Metadata *Instance `json:",omitempty"`
}

// EncodeEtcd is the value to store under Key(inst.Service, inst.ID).
func EncodeEtcd(inst Instance) (string, error) {
	if err := inst.Validate(); err != nil {
		return "", err
	}
	b, err := json.Marshal(etcdRecord{Addr: inst.Addr, Metadata: &inst})
	if err != nil {
		return "", fmt.Errorf("registry: encode %s: %w", inst.ID, err)
	}
	return string(b), nil
}

// DecodeEtcd reads an instance back from an etcd key and value. Service and
// ID come from the key; a value written by etcd's own endpoints manager
// (with other metadata, or none) is accepted. Anything that is not a valid
// registration is an error naming the key: values in etcd are written by
// whoever can reach it, so a resolver skips them rather than trusting them.
func DecodeEtcd(key, value []byte) (Instance, error) {
	rest, ok := strings.CutPrefix(string(key), Root)
	service, id, ok2 := strings.Cut(rest, "/")
	if !ok || !ok2 {
		return Instance{}, fmt.Errorf("registry: key %q is not %s<service>/<id>", key, Root)
	}
	var rec struct {
		Op       *uint8
		Addr     string
		Metadata json.RawMessage
	}
	dec := json.NewDecoder(bytes.NewReader(value))
	if err := dec.Decode(&rec); err != nil {
		return Instance{}, fmt.Errorf("registry: key %q: value is not an endpoint record: %v", key, err)
	}
	if dec.More() {
		return Instance{}, fmt.Errorf("registry: key %q: trailing data after the endpoint record", key)
	}
	if rec.Op != nil && *rec.Op != 0 {
		return Instance{}, fmt.Errorf("registry: key %q: endpoint op %d is not an addition", key, *rec.Op)
	}
	var inst Instance
	// Metadata from another writer may be a string, a number or null:
	// only an object of ours carries version, zone and weight.
	if m := bytes.TrimSpace(rec.Metadata); len(m) > 0 && m[0] == '{' {
		if err := json.Unmarshal(m, &inst); err != nil {
			return Instance{}, fmt.Errorf("registry: key %q: metadata: %v", key, err)
		}
	}
	inst.Service, inst.ID, inst.Addr = service, id, rec.Addr
	if err := inst.Validate(); err != nil {
		return Instance{}, fmt.Errorf("registry: key %q: %w", key, err)
	}
	return inst, nil
}
