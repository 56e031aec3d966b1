package node

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/overlayd/overlayd/node/datadir"
	"github.com/overlayd/overlayd/overlay"
)

// store keeps the agent's state in its data directory. A failure to read
// or write is logged, counted and reported, never fatal: the agent serves
// on without it and tries again at the next save.
type store struct {
	dir     datadir.Dir
	enabled bool
	self    overlay.NodeID
	log     *slog.Logger
	m       *agentMetrics
	lastErr atomic.Pointer[error]

	// Loop-owned: the last incarnation written or tried, and whether
	// that failed.
	tried     bool
	triedInc  uint64
	incFailed bool

	// pending holds the latest member list for the saver goroutine. Lists
	// are numbered by the loop; writeMu serialises the writes, and a list
	// older than one written is dropped, so the loop's final list wins.
	pending chan memberList
	listSeq uint64
	writeMu sync.Mutex
	written uint64
}

type memberList struct {
	seq     uint64
	members datadir.Members
}

func openStore(path string, self overlay.NodeID, log *slog.Logger, m *agentMetrics) *store {
	s := &store{enabled: path != "", self: self, log: log, m: m, pending: make(chan memberList, 1)}
	if !s.enabled {
		return s
	}
	dir, err := datadir.Open(path)
	s.dir = dir
	if err != nil {
		s.failed("opening the data directory", err)
	}
	return s
}

// startIncarnation returns the incarnation to start at: one above the
// highest this node used, by its incarnation file. Without a file it
// reports false: the node starts afresh. An unreadable file is reported,
// and the node starts at the Unix time in seconds, which a node whose
// incarnations rise only on refutation never reaches.
func (s *store) startIncarnation(now time.Time) (uint64, bool) {
	if !s.enabled {
		return 0, false
	}
	inc, err := s.dir.LoadIncarnation()
	switch {
	case err == nil && inc.Node == s.self:
		if inc.Incarnation == math.MaxUint64 {
			return inc.Incarnation, true
		}
		return inc.Incarnation + 1, true
	case err == nil:
		s.log.Warn("the incarnation file is another node's, ignored", "file_node", string(inc.Node))
		return 0, false
	case errors.Is(err, fs.ErrNotExist):
		return 0, false
	}
	s.failed("reading the incarnation", err)
	fallback := uint64(max(now.Unix(), 1))
	s.log.Warn("starting at an incarnation taken from the clock", "incarnation", fallback)
	return fallback, true
}

// recordKey returns the key to sign this node's records with: the one in
// the data directory, or a new one, saved there. Without a usable data
// directory the key lives only as long as the process, and peers that saw
// this node sign with an earlier one refuse the new one until they forget
// it (SECURITY.md, "Record authentication").
func (s *store) recordKey() (ed25519.PrivateKey, error) {
	if s.enabled {
		k, err := s.dir.LoadRecordKey()
		switch {
		case err == nil && k.Node == s.self:
			return k.Key, nil
		case err == nil:
			s.log.Warn("the record key file is another node's; making a new key", "file_node", string(k.Node))
		case !errors.Is(err, fs.ErrNotExist):
			s.failed("reading the record key", err)
		}
	}
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("node: making a record key: %w", err)
	}
	if !s.enabled {
		s.log.Warn("no data directory: signing records with a key that dies with the process")
		return key, nil
	}
	s.writeMu.Lock()
	err = s.dir.SaveRecordKey(datadir.RecordKey{Node: s.self, Key: key})
	s.writeMu.Unlock()
	s.result("saving the record key", err)
	return key, nil
}

// saveIncarnation writes inc unless it was written or tried already. The
// loop calls it before sending anything, so no message carries an
// incarnation the disk does not know, unless the disk failed.
func (s *store) saveIncarnation(inc uint64) {
	if !s.enabled || s.tried && inc == s.triedInc {
		return
	}
	s.tried, s.triedInc = true, inc
	s.writeMu.Lock()
	err := s.dir.SaveIncarnation(datadir.Incarnation{Node: s.self, Incarnation: inc})
	s.writeMu.Unlock()
	s.incFailed = err != nil
	s.result("saving the incarnation", err)
}

// retryIncarnation writes the incarnation again if the last write failed.
func (s *store) retryIncarnation() {
	if s.incFailed {
		s.tried = false
		s.saveIncarnation(s.triedInc)
	}
}

// loadMembers returns the members saved by an earlier run.
func (s *store) loadMembers() []overlay.Peer {
	if !s.enabled {
		return nil
	}
	m, err := s.dir.LoadMembers()
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		s.failed("reading the saved members", err)
		return nil
	}
	if m.Node != s.self {
		s.log.Warn("the saved members are another node's; joining through them all the same", "file_node", string(m.Node))
	}
	var peers []overlay.Peer
	for _, p := range m.Members {
		if p.ID != s.self {
			peers = append(peers, p)
		}
	}
	return peers
}

// saveMembers hands the list to the saver goroutine, replacing one not
// yet written.
func (s *store) saveMembers(now time.Time, peers []overlay.Peer) {
	if !s.enabled {
		return
	}
	l := s.list(now, peers)
	for {
		select {
		case s.pending <- l:
			return
		default:
		}
		select {
		case <-s.pending:
		default:
		}
	}
}

// runSaver writes the lists saveMembers hands over until ctx ends.
func (s *store) runSaver(ctx context.Context) {
	for {
		select {
		case l := <-s.pending:
			s.writeMembers(l)
		case <-ctx.Done():
			return
		}
	}
}

// saveMembersNow writes the list at once; a list handed to the saver
// before is not written after it.
func (s *store) saveMembersNow(now time.Time, peers []overlay.Peer) {
	if s.enabled {
		s.writeMembers(s.list(now, peers))
	}
}

func (s *store) list(now time.Time, peers []overlay.Peer) memberList {
	s.listSeq++
	return memberList{seq: s.listSeq, members: datadir.Members{Node: s.self, Saved: now, Members: peers}}
}

func (s *store) writeMembers(l memberList) {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if l.seq <= s.written {
		return
	}
	s.written = l.seq
	s.result("saving the members", s.dir.SaveMembers(l.members))
}

func (s *store) result(op string, err error) {
	if err != nil {
		s.failed(op, err)
		return
	}
	s.lastErr.Store(nil)
	s.m.persistFailing.Set(0)
}

func (s *store) failed(op string, err error) {
	s.log.Error("data directory: "+op+" failed; serving on without it", "dir", s.dir.Path(), "err", err)
	s.lastErr.Store(&err)
	s.m.persistErrors.Inc()
	s.m.persistFailing.Set(1)
}

// PersistError returns the error of the agent's last failed read or write
// of its data directory, or nil if the last one succeeded (or there is no
// data directory). The agent serves on either way.
func (a *Agent) PersistError() error {
	if err := a.store.lastErr.Load(); err != nil {
		return *err
	}
	return nil
}
