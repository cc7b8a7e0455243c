// Package flightticket embeds the flight-ticket token bundle, the worked
// example every demo and end-to-end test uses.
package flightticket

import (
	"embed"
	"io/fs"
)

//go:embed flight-ticket.xml service.js
var files embed.FS

// Files returns the bundle's files by name.
func Files() map[string][]byte {
	out := map[string][]byte{}
	_ = fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := files.ReadFile(p)
		if err != nil {
			return err
		}
		out[p] = b
		return nil
	})
	return out
}

// TicketSchema is the EAS schema of the airline's ticket attestation.
const TicketSchema = "string flight,string date,string passenger,string seat"
