package attlog

// MemStorage is a Storage in maps: the in-memory twin of the Pebble store,
// for tests and the simulator. It is not safe for concurrent use. Entries
// sit in one flat map (a stream of one entry costs no map of its own), and
// the replay index keeps the attestation keys it is given.
type MemStorage struct {
	m       map[entryID]*Entry
	streams map[StreamID]uint64 // highest seq stored per stream
	uids    map[string]StreamID
}

type entryID struct {
	StreamID
	seq uint64
}

// NewMem returns an empty MemStorage.
func NewMem() *MemStorage {
	return &MemStorage{m: map[entryID]*Entry{}, streams: map[StreamID]uint64{}, uids: map[string]StreamID{}}
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
	s.m[entryID{e.ID(), e.Seq}] = e
	if e.Seq > s.streams[e.ID()] {
		s.streams[e.ID()] = e.Seq
	}
	return nil
}

// Get implements Storage.
func (s *MemStorage) Get(id StreamID, seq uint64) (*Entry, error) { return s.m[entryID{id, seq}], nil }

// Heads implements Storage.
func (s *MemStorage) Heads() (map[StreamID]Head, error) {
	out := map[StreamID]Head{}
	for id, top := range s.streams {
		var h Head
		for seq := uint64(1); seq <= top; seq++ {
			e := s.m[entryID{id, seq}]
			if e == nil {
				break
			}
			h = Head{Seq: seq, Hash: e.Hash()}
		}
		out[id] = h
	}
	return out, nil
}
