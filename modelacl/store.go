package modelacl

import (
	"errors"
	"sync/atomic"
)

// PolicySource gives the policy to decide with. It is read once per request,
// so a request is decided by one policy from start to end. Both *Policy
// (returning itself) and *Store implement it.
type PolicySource interface {
	Policy() *Policy
}

// Store holds the current policy and replaces it atomically, for hosts that
// reload configuration without restarting. Readers never block and always
// see a whole policy, old or new.
//
// Leave the middleware's (or the [Checker]'s) Resolver nil with a Store:
// each decision then resolves provider-native IDs with the same snapshot
// it decides with (see [ErrResolverWithStore]).
//
// The zero Store holds no policy: its Policy method returns nil, and a nil
// policy denies everything with [ErrNoPolicy]. A Store must not be copied
// after first use.
type Store struct {
	p atomic.Pointer[Policy]
}

// NewStore returns a Store holding p.
func NewStore(p *Policy) *Store {
	s := new(Store)
	s.p.Store(p)
	return s
}

// Policy returns the current policy, nil if none was stored.
func (s *Store) Policy() *Policy { return s.p.Load() }

// Store installs p. Requests already being decided finish with the policy
// they started with.
func (s *Store) Store(p *Policy) { s.p.Store(p) }

// Swap installs p and returns the policy it replaced.
func (s *Store) Swap(p *Policy) *Policy { return s.p.Swap(p) }

// ErrResolverWithStore: a [Checker] or the middleware was given a fixed
// Resolver together with a Policy source that can change (a [*Store]).
// After a swap the resolver would still map IDs to the old policy's model
// groups while the new policy decides: a mixed decision that matches
// neither. [New] rejects such Options; a Checker built by hand refuses
// every call with it. Leave Resolver nil: each decision then resolves with
// the snapshot it is decided by.
var ErrResolverWithStore = errors.New("modelacl: a fixed Resolver cannot follow a Store's policy swaps; leave Resolver nil")
