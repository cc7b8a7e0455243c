package devnet

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/smartlayer/smartlayer/attest"
	flightticket "github.com/smartlayer/smartlayer/examples/flight-ticket"
	"github.com/smartlayer/smartlayer/nodekey"
)

var flightCodes = []string{"BA117", "LH400", "AF22", "UA901", "KL641", "EK29", "QF1", "SQ322", "NH212", "IB6251",
	"AA100", "DL40", "AC870", "LX14", "OS89", "SK925", "AY5", "TK1", "QR1", "CX254"}

var firstNames = []string{"Ada", "Grace", "Alan", "Edsger", "Barbara", "Ken", "Radia", "Donald", "Frances", "Tim"}
var lastNames = []string{"Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Thompson", "Perlman", "Knuth", "Allen", "Berners-Lee"}

// IssueTickets has the airline sign n EAS ticket attestations (version 2)
// spread over the given number of flights, starting a week from now.
func IssueTickets(airline *nodekey.Key, n, flights int, chainID int64, eas common.Address, now time.Time) ([]Ticket, error) {
	sch, err := attest.ParseSchema(flightticket.TicketSchema)
	if err != nil {
		return nil, err
	}
	domain := attest.NetworkDomain(chainID, eas)
	day := now.UTC().Truncate(24 * time.Hour).Add(7 * 24 * time.Hour)
	out := make([]Ticket, 0, n)
	for i := 0; i < n; i++ {
		f := i % flights
		date := day.Add(time.Duration(f) * 24 * time.Hour)
		t := Ticket{
			Flight:    flightCodes[f],
			Date:      date.Format("2006-01-02"),
			Passenger: firstNames[i%len(firstNames)] + " " + lastNames[(i/len(firstNames))%len(lastNames)],
			Seat:      fmt.Sprintf("%d%c", 1+i/6, 'A'+rune(i%6)),
		}
		data, err := sch.Encode(map[string]any{"flight": t.Flight, "date": t.Date, "passenger": t.Passenger, "seat": t.Seat})
		if err != nil {
			return nil, err
		}
		var idx [8]byte
		binary.BigEndian.PutUint64(idx[:], uint64(i))
		// Each passenger has a key of their own, to sign grants with.
		pk, err := crypto.GenerateKey()
		if err != nil {
			return nil, err
		}
		t.PassengerKey = hex.EncodeToString(crypto.FromECDSA(pk))
		t.Holder = crypto.PubkeyToAddress(pk.PublicKey).Hex()
		m := attest.Message{
			Version:        attest.Version2,
			Schema:         sch.UID(common.Address{}, true),
			Recipient:      crypto.PubkeyToAddress(pk.PublicKey),
			Time:           uint64(now.Unix()),
			ExpirationTime: uint64(date.Add(48 * time.Hour).Unix()),
			Revocable:      true,
			Data:           data,
			Salt:           crypto.Keccak256Hash(airline.Address().Bytes(), idx[:], big.NewInt(now.UnixNano()).Bytes()),
		}
		s, err := attest.Sign(airline.ECDSA, domain, m)
		if err != nil {
			return nil, err
		}
		if t.Attestation, err = json.Marshal(s); err != nil {
			return nil, err
		}
		t.Instance = s.UID.String()
		out = append(out, t)
	}
	return out, nil
}

// FlightTopic is the topic of a flight's status attestations.
func FlightTopic(flight, date string) string {
	return attest.FlightStatusSchema.UID.String() + "/" + flight + "/" + date
}

// SignStatus has the airline sign a flight-status attestation.
func SignStatus(airline *nodekey.Key, chainID int64, eas common.Address, flight, date string, delay int, status string, now time.Time) (json.RawMessage, error) {
	data, err := attest.FlightStatusSchema.Schema.Encode(map[string]any{"flight": flight, "date": date, "delayMinutes": float64(delay), "status": status})
	if err != nil {
		return nil, err
	}
	m := attest.Message{Version: attest.Version2, Schema: attest.FlightStatusSchema.UID, Time: uint64(now.Unix()), Revocable: true, Data: data}
	salt := crypto.Keccak256Hash([]byte(flight), []byte(date), big.NewInt(now.UnixNano()).Bytes())
	m.Salt = salt
	s, err := attest.Sign(airline.ECDSA, attest.NetworkDomain(chainID, eas), m)
	if err != nil {
		return nil, err
	}
	return json.Marshal(s)
}
