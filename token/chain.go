package token

import (
	"fmt"

	"github.com/ethereum/go-ethereum/common"

	"github.com/smartlayer/smartlayer/tokenscript"
	"github.com/smartlayer/smartlayer/wire"
)

// RelayTopic is the topic an anchor relays a log of a contract
// subscription's contract on: a Transfer on the topic of the instance
// whose ID is its token ID, a keyed event on its key's topic. ok is false
// when the log is not one the subscription asks for (another event, a
// Transfer without a token ID, data that does not decode or fill the key).
func RelayTopic(sub *tokenscript.Subscription, topics []common.Hash, data []byte) (topic string, ok bool) {
	topic, _, err := logOf(sub, topics, data)
	return topic, err == nil
}

// logOf reads a log as a contract subscription asks for it: the topic it
// belongs on and the fields the module sees ({from, to, tokenId} for a
// Transfer, the event's decoded data otherwise), or why it is not one.
func logOf(sub *tokenscript.Subscription, topics []common.Hash, data []byte) (string, map[string]any, error) {
	if sub.Contract == nil || len(topics) == 0 || topics[0] != sub.EventTopic {
		return "", nil, fmt.Errorf("not a %s event", sub.Event)
	}
	if sub.Transfers {
		if len(topics) != 4 || len(data) != 0 {
			return "", nil, fmt.Errorf("not an ERC-721 Transfer (%d topics, %d bytes of data)", len(topics), len(data))
		}
		id := wire.InstanceID(topics[3])
		return wire.TransferTopic(sub.Contract.Address, id), map[string]any{"from": common.BytesToAddress(topics[1][12:]).Hex(),
			"to": common.BytesToAddress(topics[2][12:]).Hex(), "tokenId": id.String()}, nil
	}
	if len(topics) != 1 {
		return "", nil, fmt.Errorf("a %s event with indexed fields", sub.Event)
	}
	fields, err := sub.EventFields.Decode(data)
	if err != nil {
		return "", nil, fmt.Errorf("%s data: %v", sub.Event, err)
	}
	key, err := sub.KeyOf(fields)
	if err != nil {
		return "", nil, fmt.Errorf("%s key: %v", sub.Event, err)
	}
	return wire.ChainTopic(sub.Contract.Address, key), fields, nil
}
