package token

import (
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
	if sub.Contract == nil || len(topics) == 0 || topics[0] != sub.EventTopic {
		return "", false
	}
	if sub.Transfers {
		if len(topics) != 4 || len(data) != 0 {
			return "", false
		}
		return wire.TransferTopic(sub.Contract.Address, wire.InstanceID(topics[3])), true
	}
	if len(topics) != 1 {
		return "", false
	}
	fields, err := sub.EventFields.Decode(data)
	if err != nil {
		return "", false
	}
	key, err := sub.KeyOf(fields)
	if err != nil {
		return "", false
	}
	return wire.ChainTopic(sub.Contract.Address, key), true
}
