package attlog

// MemStorage is a Storage in maps: the in-memory twin of the Pebble store,
// for tests and the simulator. It is not safe for concurrent use.
type MemStorage struct {
	m    map[StreamID]map[uint64]*Entry
	uids map[string]StreamID
}

// NewMem returns an empty MemStorage.
func NewMem() *MemStorage {
	return &MemStorage{m: map[StreamID]map[uint64]*Entry{}, uids: map[string]StreamID{}}
}

// Holder implements Storage.
func (s *MemStorage) Holder(k string) (StreamID, bool, error) {
	id, ok := s.uids[k]
	return id, ok, nil
}

// Put implements Storage.
func (s *MemStorage) Put(e *Entry, attKey string) error {
	if attKey != "" {
		s.uids[attKey] = e.ID()
	}
	if s.m[e.ID()] == nil {
		s.m[e.ID()] = map[uint64]*Entry{}
	}
	s.m[e.ID()][e.Seq] = e
	return nil
}

// Get implements Storage.
func (s *MemStorage) Get(id StreamID, seq uint64) (*Entry, error) { return s.m[id][seq], nil }

// Heads implements Storage.
func (s *MemStorage) Heads() (map[StreamID]Head, error) {
	out := map[StreamID]Head{}
	for id, es := range s.m {
		var h Head
		for seq := uint64(1); es[seq] != nil; seq++ {
			h = Head{Seq: seq, Hash: es[seq].Hash()}
		}
		out[id] = h
	}
	return out, nil
}
