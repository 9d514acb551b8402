package bookmark

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"

	"wsec/internal/atomicfile"
)

// Position is where a channel's reading stands: the last record ID that is
// safe to forget.
type Position struct {
	Channel  string `json:"channel"`
	RecordID uint64 `json:"recordId"`
}

// Store holds positions by channel, persisted to one file. Safe for
// concurrent use.
type Store struct {
	path string
	mu   sync.Mutex
	pos  map[string]uint64
}

// Load reads the store at path; a missing file is an empty store.
func Load(path string) (*Store, error) {
	s := &Store{path: path, pos: map[string]uint64{}}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read bookmarks %s: %w", path, err)
	}
	var list []Position
	if err := json.Unmarshal(b, &list); err != nil {
		return nil, fmt.Errorf("parse bookmarks %s: %w (delete the file to restart from the oldest records, which re-sends events the workspace will deduplicate)", path, err)
	}
	for _, p := range list {
		s.pos[p.Channel] = p.RecordID
	}
	return s, nil
}

// Get returns the channel's position; ok is false when the channel has none.
func (s *Store) Get(channel string) (recordID uint64, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	recordID, ok = s.pos[channel]
	return recordID, ok
}

// Advance moves the channel's position forward to recordID; a position
// never moves back (acknowledgements may arrive out of order across
// destinations). It reports whether the position changed.
func (s *Store) Advance(channel string, recordID uint64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if cur, ok := s.pos[channel]; ok && cur >= recordID {
		return false
	}
	s.pos[channel] = recordID
	return true
}

// Positions returns every position sorted by channel.
func (s *Store) Positions() []Position {
	s.mu.Lock()
	defer s.mu.Unlock()
	list := make([]Position, 0, len(s.pos))
	for c, r := range s.pos {
		list = append(list, Position{Channel: c, RecordID: r})
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Channel < list[j].Channel })
	return list
}

// Save writes the positions durably: temp file, fsync, rename, fsync dir.
func (s *Store) Save() error {
	b, err := json.MarshalIndent(s.Positions(), "", "  ")
	if err != nil {
		return fmt.Errorf("encode bookmarks: %w", err)
	}
	return atomicfile.WriteFile(s.path, b, 0o600)
}

// XML renders a position as a Windows bookmark (EvtCreateBookmark input).
func XML(p Position) string {
	var b strings.Builder
	b.WriteString("<BookmarkList>\r\n  <Bookmark Channel='")
	xml.EscapeText(&b, []byte(p.Channel))
	fmt.Fprintf(&b, "' RecordId='%d' IsCurrent='true'/>\r\n</BookmarkList>", p.RecordID)
	return b.String()
}

// ParseXML reads the positions of a Windows bookmark (EvtRender with
// EvtRenderBookmark), which may list several channels.
func ParseXML(s string) ([]Position, error) {
	var list struct {
		Bookmarks []struct {
			Channel  string `xml:"Channel,attr"`
			RecordID uint64 `xml:"RecordId,attr"`
		} `xml:"Bookmark"`
	}
	if err := xml.Unmarshal([]byte(s), &list); err != nil {
		return nil, fmt.Errorf("parse bookmark XML: %w", err)
	}
	out := make([]Position, 0, len(list.Bookmarks))
	for _, b := range list.Bookmarks {
		if b.Channel == "" {
			return nil, fmt.Errorf("parse bookmark XML: a Bookmark element has no Channel attribute")
		}
		out = append(out, Position{Channel: b.Channel, RecordID: b.RecordID})
	}
	return out, nil
}
