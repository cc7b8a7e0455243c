// Code generated - DO NOT EDIT.
// This file is a generated binding and any manual changes will be lost.

package contracts

import (
	"context"
	"errors"
	"math/big"
	"strings"
	"time"

	ethereum "github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/event"
)

// Reference imports to suppress errors if they are not otherwise used.
var (
	_ = errors.New
	_ = big.NewInt
	_ = strings.NewReader
	_ = ethereum.NotFound
	_ = bind.Bind
	_ = common.Big1
	_ = types.BloomLookup
	_ = event.NewSubscription
	_ = abi.ConvertType
	_ = time.Tick
	_ = context.Background
)

// FlightTicketsMetaData contains all meta data concerning the FlightTickets contract.
var FlightTicketsMetaData = &bind.MetaData{
	ABI: "[{\"inputs\":[{\"internalType\":\"address\",\"name\":\"airline\",\"type\":\"address\"}],\"stateMutability\":\"nonpayable\",\"type\":\"constructor\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"sender\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"tokenId\",\"type\":\"uint256\"},{\"internalType\":\"address\",\"name\":\"owner\",\"type\":\"address\"}],\"name\":\"ERC721IncorrectOwner\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"operator\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"tokenId\",\"type\":\"uint256\"}],\"name\":\"ERC721InsufficientApproval\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"approver\",\"type\":\"address\"}],\"name\":\"ERC721InvalidApprover\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"operator\",\"type\":\"address\"}],\"name\":\"ERC721InvalidOperator\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"owner\",\"type\":\"address\"}],\"name\":\"ERC721InvalidOwner\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"receiver\",\"type\":\"address\"}],\"name\":\"ERC721InvalidReceiver\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"sender\",\"type\":\"address\"}],\"name\":\"ERC721InvalidSender\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"tokenId\",\"type\":\"uint256\"}],\"name\":\"ERC721NonexistentToken\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"length\",\"type\":\"uint256\"}],\"name\":\"FieldTooLong\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"owner\",\"type\":\"address\"}],\"name\":\"OwnableInvalidOwner\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"account\",\"type\":\"address\"}],\"name\":\"OwnableUnauthorizedAccount\",\"type\":\"error\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"owner\",\"type\":\"address\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"approved\",\"type\":\"address\"},{\"indexed\":true,\"internalType\":\"uint256\",\"name\":\"tokenId\",\"type\":\"uint256\"}],\"name\":\"Approval\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"owner\",\"type\":\"address\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"operator\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"bool\",\"name\":\"approved\",\"type\":\"bool\"}],\"name\":\"ApprovalForAll\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":false,\"internalType\":\"string\",\"name\":\"flight\",\"type\":\"string\"},{\"indexed\":false,\"internalType\":\"string\",\"name\":\"date\",\"type\":\"string\"},{\"indexed\":false,\"internalType\":\"uint32\",\"name\":\"delayMinutes\",\"type\":\"uint32\"},{\"indexed\":false,\"internalType\":\"string\",\"name\":\"status\",\"type\":\"string\"}],\"name\":\"FlightStatus\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"previousOwner\",\"type\":\"address\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"newOwner\",\"type\":\"address\"}],\"name\":\"OwnershipTransferred\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"from\",\"type\":\"address\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"to\",\"type\":\"address\"},{\"indexed\":true,\"internalType\":\"uint256\",\"name\":\"tokenId\",\"type\":\"uint256\"}],\"name\":\"Transfer\",\"type\":\"event\"},{\"inputs\":[],\"name\":\"MAX_FIELD\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"to\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"tokenId\",\"type\":\"uint256\"}],\"name\":\"approve\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"owner\",\"type\":\"address\"}],\"name\":\"balanceOf\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"tokenId\",\"type\":\"uint256\"}],\"name\":\"getApproved\",\"outputs\":[{\"internalType\":\"address\",\"name\":\"\",\"type\":\"address\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"owner\",\"type\":\"address\"},{\"internalType\":\"address\",\"name\":\"operator\",\"type\":\"address\"}],\"name\":\"isApprovedForAll\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"holder\",\"type\":\"address\"},{\"internalType\":\"bytes32\",\"name\":\"uid\",\"type\":\"bytes32\"}],\"name\":\"issue\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"name\",\"outputs\":[{\"internalType\":\"string\",\"name\":\"\",\"type\":\"string\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"owner\",\"outputs\":[{\"internalType\":\"address\",\"name\":\"\",\"type\":\"address\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"tokenId\",\"type\":\"uint256\"}],\"name\":\"ownerOf\",\"outputs\":[{\"internalType\":\"address\",\"name\":\"\",\"type\":\"address\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"renounceOwnership\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"from\",\"type\":\"address\"},{\"internalType\":\"address\",\"name\":\"to\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"tokenId\",\"type\":\"uint256\"}],\"name\":\"safeTransferFrom\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"from\",\"type\":\"address\"},{\"internalType\":\"address\",\"name\":\"to\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"tokenId\",\"type\":\"uint256\"},{\"internalType\":\"bytes\",\"name\":\"data\",\"type\":\"bytes\"}],\"name\":\"safeTransferFrom\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"operator\",\"type\":\"address\"},{\"internalType\":\"bool\",\"name\":\"approved\",\"type\":\"bool\"}],\"name\":\"setApprovalForAll\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"string\",\"name\":\"flight\",\"type\":\"string\"},{\"internalType\":\"string\",\"name\":\"date\",\"type\":\"string\"},{\"internalType\":\"uint32\",\"name\":\"delayMinutes\",\"type\":\"uint32\"},{\"internalType\":\"string\",\"name\":\"status\",\"type\":\"string\"}],\"name\":\"setStatus\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes4\",\"name\":\"interfaceId\",\"type\":\"bytes4\"}],\"name\":\"supportsInterface\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"symbol\",\"outputs\":[{\"internalType\":\"string\",\"name\":\"\",\"type\":\"string\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"tokenId\",\"type\":\"uint256\"}],\"name\":\"tokenURI\",\"outputs\":[{\"internalType\":\"string\",\"name\":\"\",\"type\":\"string\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"from\",\"type\":\"address\"},{\"internalType\":\"address\",\"name\":\"to\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"tokenId\",\"type\":\"uint256\"}],\"name\":\"transferFrom\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"newOwner\",\"type\":\"address\"}],\"name\":\"transferOwnership\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"}]",
	Bin: "0x608060405234801561000f575f5ffd5b5060405161158838038061158883398101604081905261002e9161012e565b806040518060400160405280601981526020017f536d617274204c6179657220666c69676874207469636b6574000000000000008152506040518060400160405280600481526020016314d3119560e21b815250815f908161009091906101f3565b50600161009d82826101f3565b5050506001600160a01b0381166100cd57604051631e4fbdf760e01b81525f600482015260240160405180910390fd5b6100d6816100dd565b50506102ad565b600680546001600160a01b038381166001600160a01b0319831681179093556040519116919082907f8be0079c531659141344cd1fd0a4f28419497f9722a3daafe3b4186f6b6457e0905f90a35050565b5f6020828403121561013e575f5ffd5b81516001600160a01b0381168114610154575f5ffd5b9392505050565b634e487b7160e01b5f52604160045260245ffd5b600181811c9082168061018357607f821691505b6020821081036101a157634e487b7160e01b5f52602260045260245ffd5b50919050565b601f8211156101ee57805f5260205f20601f840160051c810160208510156101cc5750805b601f840160051c820191505b818110156101eb575f81556001016101d8565b50505b505050565b81516001600160401b0381111561020c5761020c61015b565b6102208161021a845461016f565b846101a7565b6020601f821160018114610252575f831561023b5750848201515b5f19600385901b1c1916600184901b1784556101eb565b5f84815260208120601f198516915b828110156102815787850151825560209485019460019092019101610261565b508482101561029e57868401515f19600387901b60f8161c191681555b50505050600190811b01905550565b6112ce806102ba5f395ff3fe608060405234801561000f575f5ffd5b506004361061011c575f3560e01c8063715018a6116100a9578063a22cb4651161006e578063a22cb46514610246578063b88d4fde14610259578063c87b56dd1461026c578063e985e9c51461027f578063f2fde38b14610292575f5ffd5b8063715018a61461020a57806380f687751461021257806385bca1c0146102255780638da5cb5b1461022d57806395d89b411461023e575f5ffd5b806323b872dd116100ef57806323b872dd1461019d57806339b21937146101b057806342842e0e146101c35780636352211e146101d657806370a08231146101e9575f5ffd5b806301ffc9a71461012057806306fdde0314610148578063081812fc1461015d578063095ea7b314610188575b5f5ffd5b61013361012e366004610e00565b6102a5565b60405190151581526020015b60405180910390f35b6101506102f6565b60405161013f9190610e49565b61017061016b366004610e5b565b610385565b6040516001600160a01b03909116815260200161013f565b61019b610196366004610e8d565b6103ac565b005b61019b6101ab366004610eb5565b6103bb565b61019b6101be366004610e8d565b610449565b61019b6101d1366004610eb5565b61045b565b6101706101e4366004610e5b565b61047a565b6101fc6101f7366004610eef565b610484565b60405190815260200161013f565b61019b6104c9565b61019b610220366004610f4d565b6104dc565b6101fc604081565b6006546001600160a01b0316610170565b61015061059f565b61019b610254366004611006565b6105ae565b61019b610267366004611053565b6105b9565b61015061027a366004610e5b565b6105d1565b61013361028d366004611130565b610642565b61019b6102a0366004610eef565b61066f565b5f6001600160e01b031982166380ac58cd60e01b14806102d557506001600160e01b03198216635b5e139f60e01b145b806102f057506301ffc9a760e01b6001600160e01b03198316145b92915050565b60605f805461030490611161565b80601f016020809104026020016040519081016040528092919081815260200182805461033090611161565b801561037b5780601f106103525761010080835404028352916020019161037b565b820191905f5260205f20905b81548152906001019060200180831161035e57829003601f168201915b5050505050905090565b5f61038f826106ac565b505f828152600460205260409020546001600160a01b03166102f0565b6103b78282336106e4565b5050565b6001600160a01b0382166103e957604051633250574960e11b81525f60048201526024015b60405180910390fd5b5f6103f58383336106f1565b9050836001600160a01b0316816001600160a01b031614610443576040516364283d7b60e01b81526001600160a01b03808616600483015260248201849052821660448201526064016103e0565b50505050565b6104516107e3565b6103b78282610810565b61047583838360405180602001604052805f8152506105b9565b505050565b5f6102f0826106ac565b5f6001600160a01b0382166104ae576040516322718ad960e21b81525f60048201526024016103e0565b506001600160a01b03165f9081526003602052604090205490565b6104d16107e3565b6104da5f610829565b565b6104e46107e3565b604086111561050957604051630c68254d60e11b8152600481018790526024016103e0565b604084111561052e57604051630c68254d60e11b8152600481018590526024016103e0565b604081111561055357604051630c68254d60e11b8152600481018290526024016103e0565b7f81c1373b02d48d3ca9882e9eddba7887c468c863ee8a23b25a151b2da34006768787878787878760405161058e97969594939291906111c1565b60405180910390a150505050505050565b60606001805461030490611161565b6103b733838361087a565b6105c48484846103bb565b6104433385858585610918565b60606105dc826106ac565b505f6105f260408051602081019091525f815290565b90505f8151116106105760405180602001604052805f81525061063b565b8061061a84610a40565b60405160200161062b92919061122d565b6040516020818303038152906040525b9392505050565b6001600160a01b039182165f90815260056020908152604080832093909416825291909152205460ff1690565b6106776107e3565b6001600160a01b0381166106a057604051631e4fbdf760e01b81525f60048201526024016103e0565b6106a981610829565b50565b5f818152600260205260408120546001600160a01b0316806102f057604051637e27328960e01b8152600481018490526024016103e0565b6104758383836001610ad0565b5f828152600260205260408120546001600160a01b039081169083161561071d5761071d818486610bd4565b6001600160a01b03811615610757576107385f855f5f610ad0565b6001600160a01b0381165f90815260036020526040902080545f190190555b6001600160a01b03851615610785576001600160a01b0385165f908152600360205260409020805460010190555b5f8481526002602052604080822080546001600160a01b0319166001600160a01b0389811691821790925591518793918516917fddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef91a4949350505050565b6006546001600160a01b031633146104da5760405163118cdaa760e01b81523360048201526024016103e0565b6103b7828260405180602001604052805f815250610c38565b600680546001600160a01b038381166001600160a01b0319831681179093556040519116919082907f8be0079c531659141344cd1fd0a4f28419497f9722a3daafe3b4186f6b6457e0905f90a35050565b6001600160a01b0382166108ac57604051630b61174360e31b81526001600160a01b03831660048201526024016103e0565b6001600160a01b038381165f81815260056020908152604080832094871680845294825291829020805460ff191686151590811790915591519182527f17307eab39ab6107e8899845ad3d59bd9653f200f220920489ca2b5937696c31910160405180910390a3505050565b6001600160a01b0383163b15610a3957604051630a85bd0160e11b81526001600160a01b0384169063150b7a029061095a908890889087908790600401611241565b6020604051808303815f875af1925050508015610994575060408051601f3d908101601f191682019092526109919181019061127d565b60015b6109fb573d8080156109c1576040519150601f19603f3d011682016040523d82523d5f602084013e6109c6565b606091505b5080515f036109f357604051633250574960e11b81526001600160a01b03851660048201526024016103e0565b805160208201fd5b6001600160e01b03198116630a85bd0160e11b14610a3757604051633250574960e11b81526001600160a01b03851660048201526024016103e0565b505b5050505050565b60605f610a4c83610c4f565b60010190505f8167ffffffffffffffff811115610a6b57610a6b61103f565b6040519080825280601f01601f191660200182016040528015610a95576020820181803683370190505b5090508181016020015b5f19016f181899199a1a9b1b9c1cb0b131b232b360811b600a86061a8153600a8504945084610a9f57509392505050565b8080610ae457506001600160a01b03821615155b15610ba5575f610af3846106ac565b90506001600160a01b03831615801590610b1f5750826001600160a01b0316816001600160a01b031614155b8015610b325750610b308184610642565b155b15610b5b5760405163a9fbf51f60e01b81526001600160a01b03841660048201526024016103e0565b8115610ba35783856001600160a01b0316826001600160a01b03167f8c5be1e5ebec7d5bd14f71427d1e84f3dd0314c0f7b2291e5b200ac8c7c3b92560405160405180910390a45b505b50505f90815260046020526040902080546001600160a01b0319166001600160a01b0392909216919091179055565b610bdf838383610d26565b610475576001600160a01b038316610c0d57604051637e27328960e01b8152600481018290526024016103e0565b60405163177e802f60e01b81526001600160a01b0383166004820152602481018290526044016103e0565b610c428383610d8a565b610475335f858585610918565b5f8072184f03e93ff9f4daa797ed6e38ed64bf6a1f0160401b8310610c8d5772184f03e93ff9f4daa797ed6e38ed64bf6a1f0160401b830492506040015b6d04ee2d6d415b85acef81000000008310610cb9576d04ee2d6d415b85acef8100000000830492506020015b662386f26fc100008310610cd757662386f26fc10000830492506010015b6305f5e1008310610cef576305f5e100830492506008015b6127108310610d0357612710830492506004015b60648310610d15576064830492506002015b600a83106102f05760010192915050565b5f6001600160a01b03831615801590610d825750826001600160a01b0316846001600160a01b03161480610d5f5750610d5f8484610642565b80610d8257505f828152600460205260409020546001600160a01b038481169116145b949350505050565b6001600160a01b038216610db357604051633250574960e11b81525f60048201526024016103e0565b5f610dbf83835f6106f1565b90506001600160a01b03811615610475576040516339e3563760e11b81525f60048201526024016103e0565b6001600160e01b0319811681146106a9575f5ffd5b5f60208284031215610e10575f5ffd5b813561063b81610deb565b5f81518084528060208401602086015e5f602082860101526020601f19601f83011685010191505092915050565b602081525f61063b6020830184610e1b565b5f60208284031215610e6b575f5ffd5b5035919050565b80356001600160a01b0381168114610e88575f5ffd5b919050565b5f5f60408385031215610e9e575f5ffd5b610ea783610e72565b946020939093013593505050565b5f5f5f60608486031215610ec7575f5ffd5b610ed084610e72565b9250610ede60208501610e72565b929592945050506040919091013590565b5f60208284031215610eff575f5ffd5b61063b82610e72565b5f5f83601f840112610f18575f5ffd5b50813567ffffffffffffffff811115610f2f575f5ffd5b602083019150836020828501011115610f46575f5ffd5b9250929050565b5f5f5f5f5f5f5f6080888a031215610f63575f5ffd5b873567ffffffffffffffff811115610f79575f5ffd5b610f858a828b01610f08565b909850965050602088013567ffffffffffffffff811115610fa4575f5ffd5b610fb08a828b01610f08565b909650945050604088013563ffffffff81168114610fcc575f5ffd5b9250606088013567ffffffffffffffff811115610fe7575f5ffd5b610ff38a828b01610f08565b989b979a50959850939692959293505050565b5f5f60408385031215611017575f5ffd5b61102083610e72565b915060208301358015158114611034575f5ffd5b809150509250929050565b634e487b7160e01b5f52604160045260245ffd5b5f5f5f5f60808587031215611066575f5ffd5b61106f85610e72565b935061107d60208601610e72565b925060408501359150606085013567ffffffffffffffff81111561109f575f5ffd5b8501601f810187136110af575f5ffd5b803567ffffffffffffffff8111156110c9576110c961103f565b604051601f8201601f19908116603f0116810167ffffffffffffffff811182821017156110f8576110f861103f565b60405281815282820160200189101561110f575f5ffd5b816020840160208301375f6020838301015280935050505092959194509250565b5f5f60408385031215611141575f5ffd5b61114a83610e72565b915061115860208401610e72565b90509250929050565b600181811c9082168061117557607f821691505b60208210810361119357634e487b7160e01b5f52602260045260245ffd5b50919050565b81835281816020850137505f828201602090810191909152601f909101601f19169091010190565b608081525f6111d460808301898b611199565b82810360208401526111e781888a611199565b905063ffffffff861660408401528281036060840152611208818587611199565b9a9950505050505050505050565b5f81518060208401855e5f93019283525090919050565b5f610d8261123b8386611216565b84611216565b6001600160a01b03858116825284166020820152604081018390526080606082018190525f9061127390830184610e1b565b9695505050505050565b5f6020828403121561128d575f5ffd5b815161063b81610deb56fea2646970667358221220859a4ca12716c68379358135ac40c32afaa100afd2e9e2bb0610e3310c0f4d9f64736f6c634300081c0033",
}

// FlightTicketsABI is the input ABI used to generate the binding from.
// Deprecated: Use FlightTicketsMetaData.ABI instead.
var FlightTicketsABI = FlightTicketsMetaData.ABI

// FlightTicketsBin is the compiled bytecode used for deploying new contracts.
// Deprecated: Use FlightTicketsMetaData.Bin instead.
var FlightTicketsBin = FlightTicketsMetaData.Bin

// DeployFlightTickets deploys a new Ethereum contract, binding an instance of FlightTickets to it.
func DeployFlightTickets(auth *bind.TransactOpts, backend bind.ContractBackend, airline common.Address) (common.Address, *types.Transaction, *FlightTickets, error) {
	parsed, err := FlightTicketsMetaData.GetAbi()
	if err != nil {
		return common.Address{}, nil, nil, err
	}
	if parsed == nil {
		return common.Address{}, nil, nil, errors.New("GetABI returned nil")
	}

	address, tx, contract, err := bind.DeployContract(auth, *parsed, common.FromHex(FlightTicketsBin), backend, airline)
	if err != nil {
		return common.Address{}, nil, nil, err
	}
	return address, tx, &FlightTickets{FlightTicketsCaller: FlightTicketsCaller{contract: contract}, FlightTicketsTransactor: FlightTicketsTransactor{contract: contract}, FlightTicketsFilterer: FlightTicketsFilterer{contract: contract}}, nil
}

// FlightTickets is an auto generated Go binding around an Ethereum contract.
type FlightTickets struct {
	FlightTicketsCaller     // Read-only binding to the contract
	FlightTicketsTransactor // Write-only binding to the contract
	FlightTicketsFilterer   // Log filterer for contract events
}

// FlightTicketsCaller is an auto generated read-only Go binding around an Ethereum contract.
type FlightTicketsCaller struct {
	contract *bind.BoundContract // Generic contract wrapper for the low level calls
}

// FlightTicketsTransactor is an auto generated write-only Go binding around an Ethereum contract.
type FlightTicketsTransactor struct {
	contract *bind.BoundContract // Generic contract wrapper for the low level calls
}

// FlightTicketsFilterer is an auto generated log filtering Go binding around an Ethereum contract events.
type FlightTicketsFilterer struct {
	contract *bind.BoundContract // Generic contract wrapper for the low level calls
}

// FlightTicketsSession is an auto generated Go binding around an Ethereum contract,
// with pre-set call and transact options.
type FlightTicketsSession struct {
	Contract     *FlightTickets    // Generic contract binding to set the session for
	CallOpts     bind.CallOpts     // Call options to use throughout this session
	TransactOpts bind.TransactOpts // Transaction auth options to use throughout this session
}

// FlightTicketsCallerSession is an auto generated read-only Go binding around an Ethereum contract,
// with pre-set call options.
type FlightTicketsCallerSession struct {
	Contract *FlightTicketsCaller // Generic contract caller binding to set the session for
	CallOpts bind.CallOpts        // Call options to use throughout this session
}

// FlightTicketsTransactorSession is an auto generated write-only Go binding around an Ethereum contract,
// with pre-set transact options.
type FlightTicketsTransactorSession struct {
	Contract     *FlightTicketsTransactor // Generic contract transactor binding to set the session for
	TransactOpts bind.TransactOpts        // Transaction auth options to use throughout this session
}

// FlightTicketsRaw is an auto generated low-level Go binding around an Ethereum contract.
type FlightTicketsRaw struct {
	Contract *FlightTickets // Generic contract binding to access the raw methods on
}

// FlightTicketsCallerRaw is an auto generated low-level read-only Go binding around an Ethereum contract.
type FlightTicketsCallerRaw struct {
	Contract *FlightTicketsCaller // Generic read-only contract binding to access the raw methods on
}

// FlightTicketsTransactorRaw is an auto generated low-level write-only Go binding around an Ethereum contract.
type FlightTicketsTransactorRaw struct {
	Contract *FlightTicketsTransactor // Generic write-only contract binding to access the raw methods on
}

// NewFlightTickets creates a new instance of FlightTickets, bound to a specific deployed contract.
func NewFlightTickets(address common.Address, backend bind.ContractBackend) (*FlightTickets, error) {
	contract, err := bindFlightTickets(address, backend, backend, backend)
	if err != nil {
		return nil, err
	}
	return &FlightTickets{FlightTicketsCaller: FlightTicketsCaller{contract: contract}, FlightTicketsTransactor: FlightTicketsTransactor{contract: contract}, FlightTicketsFilterer: FlightTicketsFilterer{contract: contract}}, nil
}

// NewFlightTicketsCaller creates a new read-only instance of FlightTickets, bound to a specific deployed contract.
func NewFlightTicketsCaller(address common.Address, caller bind.ContractCaller) (*FlightTicketsCaller, error) {
	contract, err := bindFlightTickets(address, caller, nil, nil)
	if err != nil {
		return nil, err
	}
	return &FlightTicketsCaller{contract: contract}, nil
}

// NewFlightTicketsTransactor creates a new write-only instance of FlightTickets, bound to a specific deployed contract.
func NewFlightTicketsTransactor(address common.Address, transactor bind.ContractTransactor) (*FlightTicketsTransactor, error) {
	contract, err := bindFlightTickets(address, nil, transactor, nil)
	if err != nil {
		return nil, err
	}
	return &FlightTicketsTransactor{contract: contract}, nil
}

// NewFlightTicketsFilterer creates a new log filterer instance of FlightTickets, bound to a specific deployed contract.
func NewFlightTicketsFilterer(address common.Address, filterer bind.ContractFilterer) (*FlightTicketsFilterer, error) {
	contract, err := bindFlightTickets(address, nil, nil, filterer)
	if err != nil {
		return nil, err
	}
	return &FlightTicketsFilterer{contract: contract}, nil
}

// bindFlightTickets binds a generic wrapper to an already deployed contract.
func bindFlightTickets(address common.Address, caller bind.ContractCaller, transactor bind.ContractTransactor, filterer bind.ContractFilterer) (*bind.BoundContract, error) {
	parsed, err := FlightTicketsMetaData.GetAbi()
	if err != nil {
		return nil, err
	}
	return bind.NewBoundContract(address, *parsed, caller, transactor, filterer), nil
}

// Call invokes the (constant) contract method with params as input values and
// sets the output to result. The result type might be a single field for simple
// returns, a slice of interfaces for anonymous returns and a struct for named
// returns.
func (_FlightTickets *FlightTicketsRaw) Call(opts *bind.CallOpts, result *[]interface{}, method string, params ...interface{}) error {
	return _FlightTickets.Contract.FlightTicketsCaller.contract.Call(opts, result, method, params...)
}

// Transfer initiates a plain transaction to move funds to the contract, calling
// its default method if one is available.
func (_FlightTickets *FlightTicketsRaw) Transfer(opts *bind.TransactOpts) (*types.Transaction, error) {
	return _FlightTickets.Contract.FlightTicketsTransactor.contract.Transfer(opts)
}

// Transact invokes the (paid) contract method with params as input values.
func (_FlightTickets *FlightTicketsRaw) Transact(opts *bind.TransactOpts, method string, params ...interface{}) (*types.Transaction, error) {
	return _FlightTickets.Contract.FlightTicketsTransactor.contract.Transact(opts, method, params...)
}

// Call invokes the (constant) contract method with params as input values and
// sets the output to result. The result type might be a single field for simple
// returns, a slice of interfaces for anonymous returns and a struct for named
// returns.
func (_FlightTickets *FlightTicketsCallerRaw) Call(opts *bind.CallOpts, result *[]interface{}, method string, params ...interface{}) error {
	return _FlightTickets.Contract.contract.Call(opts, result, method, params...)
}

// Transfer initiates a plain transaction to move funds to the contract, calling
// its default method if one is available.
func (_FlightTickets *FlightTicketsTransactorRaw) Transfer(opts *bind.TransactOpts) (*types.Transaction, error) {
	return _FlightTickets.Contract.contract.Transfer(opts)
}

// Transact invokes the (paid) contract method with params as input values.
func (_FlightTickets *FlightTicketsTransactorRaw) Transact(opts *bind.TransactOpts, method string, params ...interface{}) (*types.Transaction, error) {
	return _FlightTickets.Contract.contract.Transact(opts, method, params...)
}

// MAXFIELD is a free data retrieval call binding the contract method 0x85bca1c0.
//
// Solidity: function MAX_FIELD() view returns(uint256)
func (_FlightTickets *FlightTicketsCaller) MAXFIELD(opts *bind.CallOpts) (*big.Int, error) {
	var out []interface{}
	err := _FlightTickets.contract.Call(opts, &out, "MAX_FIELD")

	if err != nil {
		return *new(*big.Int), err
	}

	out0 := *abi.ConvertType(out[0], new(*big.Int)).(**big.Int)

	return out0, err

}

// MAXFIELD is a free data retrieval call binding the contract method 0x85bca1c0.
//
// Solidity: function MAX_FIELD() view returns(uint256)
func (_FlightTickets *FlightTicketsSession) MAXFIELD() (*big.Int, error) {
	return _FlightTickets.Contract.MAXFIELD(&_FlightTickets.CallOpts)
}

// MAXFIELD is a free data retrieval call binding the contract method 0x85bca1c0.
//
// Solidity: function MAX_FIELD() view returns(uint256)
func (_FlightTickets *FlightTicketsCallerSession) MAXFIELD() (*big.Int, error) {
	return _FlightTickets.Contract.MAXFIELD(&_FlightTickets.CallOpts)
}

// BalanceOf is a free data retrieval call binding the contract method 0x70a08231.
//
// Solidity: function balanceOf(address owner) view returns(uint256)
func (_FlightTickets *FlightTicketsCaller) BalanceOf(opts *bind.CallOpts, owner common.Address) (*big.Int, error) {
	var out []interface{}
	err := _FlightTickets.contract.Call(opts, &out, "balanceOf", owner)

	if err != nil {
		return *new(*big.Int), err
	}

	out0 := *abi.ConvertType(out[0], new(*big.Int)).(**big.Int)

	return out0, err

}

// BalanceOf is a free data retrieval call binding the contract method 0x70a08231.
//
// Solidity: function balanceOf(address owner) view returns(uint256)
func (_FlightTickets *FlightTicketsSession) BalanceOf(owner common.Address) (*big.Int, error) {
	return _FlightTickets.Contract.BalanceOf(&_FlightTickets.CallOpts, owner)
}

// BalanceOf is a free data retrieval call binding the contract method 0x70a08231.
//
// Solidity: function balanceOf(address owner) view returns(uint256)
func (_FlightTickets *FlightTicketsCallerSession) BalanceOf(owner common.Address) (*big.Int, error) {
	return _FlightTickets.Contract.BalanceOf(&_FlightTickets.CallOpts, owner)
}

// GetApproved is a free data retrieval call binding the contract method 0x081812fc.
//
// Solidity: function getApproved(uint256 tokenId) view returns(address)
func (_FlightTickets *FlightTicketsCaller) GetApproved(opts *bind.CallOpts, tokenId *big.Int) (common.Address, error) {
	var out []interface{}
	err := _FlightTickets.contract.Call(opts, &out, "getApproved", tokenId)

	if err != nil {
		return *new(common.Address), err
	}

	out0 := *abi.ConvertType(out[0], new(common.Address)).(*common.Address)

	return out0, err

}

// GetApproved is a free data retrieval call binding the contract method 0x081812fc.
//
// Solidity: function getApproved(uint256 tokenId) view returns(address)
func (_FlightTickets *FlightTicketsSession) GetApproved(tokenId *big.Int) (common.Address, error) {
	return _FlightTickets.Contract.GetApproved(&_FlightTickets.CallOpts, tokenId)
}

// GetApproved is a free data retrieval call binding the contract method 0x081812fc.
//
// Solidity: function getApproved(uint256 tokenId) view returns(address)
func (_FlightTickets *FlightTicketsCallerSession) GetApproved(tokenId *big.Int) (common.Address, error) {
	return _FlightTickets.Contract.GetApproved(&_FlightTickets.CallOpts, tokenId)
}

// IsApprovedForAll is a free data retrieval call binding the contract method 0xe985e9c5.
//
// Solidity: function isApprovedForAll(address owner, address operator) view returns(bool)
func (_FlightTickets *FlightTicketsCaller) IsApprovedForAll(opts *bind.CallOpts, owner common.Address, operator common.Address) (bool, error) {
	var out []interface{}
	err := _FlightTickets.contract.Call(opts, &out, "isApprovedForAll", owner, operator)

	if err != nil {
		return *new(bool), err
	}

	out0 := *abi.ConvertType(out[0], new(bool)).(*bool)

	return out0, err

}

// IsApprovedForAll is a free data retrieval call binding the contract method 0xe985e9c5.
//
// Solidity: function isApprovedForAll(address owner, address operator) view returns(bool)
func (_FlightTickets *FlightTicketsSession) IsApprovedForAll(owner common.Address, operator common.Address) (bool, error) {
	return _FlightTickets.Contract.IsApprovedForAll(&_FlightTickets.CallOpts, owner, operator)
}

// IsApprovedForAll is a free data retrieval call binding the contract method 0xe985e9c5.
//
// Solidity: function isApprovedForAll(address owner, address operator) view returns(bool)
func (_FlightTickets *FlightTicketsCallerSession) IsApprovedForAll(owner common.Address, operator common.Address) (bool, error) {
	return _FlightTickets.Contract.IsApprovedForAll(&_FlightTickets.CallOpts, owner, operator)
}

// Name is a free data retrieval call binding the contract method 0x06fdde03.
//
// Solidity: function name() view returns(string)
func (_FlightTickets *FlightTicketsCaller) Name(opts *bind.CallOpts) (string, error) {
	var out []interface{}
	err := _FlightTickets.contract.Call(opts, &out, "name")

	if err != nil {
		return *new(string), err
	}

	out0 := *abi.ConvertType(out[0], new(string)).(*string)

	return out0, err

}

// Name is a free data retrieval call binding the contract method 0x06fdde03.
//
// Solidity: function name() view returns(string)
func (_FlightTickets *FlightTicketsSession) Name() (string, error) {
	return _FlightTickets.Contract.Name(&_FlightTickets.CallOpts)
}

// Name is a free data retrieval call binding the contract method 0x06fdde03.
//
// Solidity: function name() view returns(string)
func (_FlightTickets *FlightTicketsCallerSession) Name() (string, error) {
	return _FlightTickets.Contract.Name(&_FlightTickets.CallOpts)
}

// Owner is a free data retrieval call binding the contract method 0x8da5cb5b.
//
// Solidity: function owner() view returns(address)
func (_FlightTickets *FlightTicketsCaller) Owner(opts *bind.CallOpts) (common.Address, error) {
	var out []interface{}
	err := _FlightTickets.contract.Call(opts, &out, "owner")

	if err != nil {
		return *new(common.Address), err
	}

	out0 := *abi.ConvertType(out[0], new(common.Address)).(*common.Address)

	return out0, err

}

// Owner is a free data retrieval call binding the contract method 0x8da5cb5b.
//
// Solidity: function owner() view returns(address)
func (_FlightTickets *FlightTicketsSession) Owner() (common.Address, error) {
	return _FlightTickets.Contract.Owner(&_FlightTickets.CallOpts)
}

// Owner is a free data retrieval call binding the contract method 0x8da5cb5b.
//
// Solidity: function owner() view returns(address)
func (_FlightTickets *FlightTicketsCallerSession) Owner() (common.Address, error) {
	return _FlightTickets.Contract.Owner(&_FlightTickets.CallOpts)
}

// OwnerOf is a free data retrieval call binding the contract method 0x6352211e.
//
// Solidity: function ownerOf(uint256 tokenId) view returns(address)
func (_FlightTickets *FlightTicketsCaller) OwnerOf(opts *bind.CallOpts, tokenId *big.Int) (common.Address, error) {
	var out []interface{}
	err := _FlightTickets.contract.Call(opts, &out, "ownerOf", tokenId)

	if err != nil {
		return *new(common.Address), err
	}

	out0 := *abi.ConvertType(out[0], new(common.Address)).(*common.Address)

	return out0, err

}

// OwnerOf is a free data retrieval call binding the contract method 0x6352211e.
//
// Solidity: function ownerOf(uint256 tokenId) view returns(address)
func (_FlightTickets *FlightTicketsSession) OwnerOf(tokenId *big.Int) (common.Address, error) {
	return _FlightTickets.Contract.OwnerOf(&_FlightTickets.CallOpts, tokenId)
}

// OwnerOf is a free data retrieval call binding the contract method 0x6352211e.
//
// Solidity: function ownerOf(uint256 tokenId) view returns(address)
func (_FlightTickets *FlightTicketsCallerSession) OwnerOf(tokenId *big.Int) (common.Address, error) {
	return _FlightTickets.Contract.OwnerOf(&_FlightTickets.CallOpts, tokenId)
}

// SupportsInterface is a free data retrieval call binding the contract method 0x01ffc9a7.
//
// Solidity: function supportsInterface(bytes4 interfaceId) view returns(bool)
func (_FlightTickets *FlightTicketsCaller) SupportsInterface(opts *bind.CallOpts, interfaceId [4]byte) (bool, error) {
	var out []interface{}
	err := _FlightTickets.contract.Call(opts, &out, "supportsInterface", interfaceId)

	if err != nil {
		return *new(bool), err
	}

	out0 := *abi.ConvertType(out[0], new(bool)).(*bool)

	return out0, err

}

// SupportsInterface is a free data retrieval call binding the contract method 0x01ffc9a7.
//
// Solidity: function supportsInterface(bytes4 interfaceId) view returns(bool)
func (_FlightTickets *FlightTicketsSession) SupportsInterface(interfaceId [4]byte) (bool, error) {
	return _FlightTickets.Contract.SupportsInterface(&_FlightTickets.CallOpts, interfaceId)
}

// SupportsInterface is a free data retrieval call binding the contract method 0x01ffc9a7.
//
// Solidity: function supportsInterface(bytes4 interfaceId) view returns(bool)
func (_FlightTickets *FlightTicketsCallerSession) SupportsInterface(interfaceId [4]byte) (bool, error) {
	return _FlightTickets.Contract.SupportsInterface(&_FlightTickets.CallOpts, interfaceId)
}

// Symbol is a free data retrieval call binding the contract method 0x95d89b41.
//
// Solidity: function symbol() view returns(string)
func (_FlightTickets *FlightTicketsCaller) Symbol(opts *bind.CallOpts) (string, error) {
	var out []interface{}
	err := _FlightTickets.contract.Call(opts, &out, "symbol")

	if err != nil {
		return *new(string), err
	}

	out0 := *abi.ConvertType(out[0], new(string)).(*string)

	return out0, err

}

// Symbol is a free data retrieval call binding the contract method 0x95d89b41.
//
// Solidity: function symbol() view returns(string)
func (_FlightTickets *FlightTicketsSession) Symbol() (string, error) {
	return _FlightTickets.Contract.Symbol(&_FlightTickets.CallOpts)
}

// Symbol is a free data retrieval call binding the contract method 0x95d89b41.
//
// Solidity: function symbol() view returns(string)
func (_FlightTickets *FlightTicketsCallerSession) Symbol() (string, error) {
	return _FlightTickets.Contract.Symbol(&_FlightTickets.CallOpts)
}

// TokenURI is a free data retrieval call binding the contract method 0xc87b56dd.
//
// Solidity: function tokenURI(uint256 tokenId) view returns(string)
func (_FlightTickets *FlightTicketsCaller) TokenURI(opts *bind.CallOpts, tokenId *big.Int) (string, error) {
	var out []interface{}
	err := _FlightTickets.contract.Call(opts, &out, "tokenURI", tokenId)

	if err != nil {
		return *new(string), err
	}

	out0 := *abi.ConvertType(out[0], new(string)).(*string)

	return out0, err

}

// TokenURI is a free data retrieval call binding the contract method 0xc87b56dd.
//
// Solidity: function tokenURI(uint256 tokenId) view returns(string)
func (_FlightTickets *FlightTicketsSession) TokenURI(tokenId *big.Int) (string, error) {
	return _FlightTickets.Contract.TokenURI(&_FlightTickets.CallOpts, tokenId)
}

// TokenURI is a free data retrieval call binding the contract method 0xc87b56dd.
//
// Solidity: function tokenURI(uint256 tokenId) view returns(string)
func (_FlightTickets *FlightTicketsCallerSession) TokenURI(tokenId *big.Int) (string, error) {
	return _FlightTickets.Contract.TokenURI(&_FlightTickets.CallOpts, tokenId)
}

// Approve is a paid mutator transaction binding the contract method 0x095ea7b3.
//
// Solidity: function approve(address to, uint256 tokenId) returns()
func (_FlightTickets *FlightTicketsTransactor) Approve(opts *bind.TransactOpts, to common.Address, tokenId *big.Int) (*types.Transaction, error) {
	return _FlightTickets.contract.Transact(opts, "approve", to, tokenId)
}

// Approve is a paid mutator transaction binding the contract method 0x095ea7b3.
//
// Solidity: function approve(address to, uint256 tokenId) returns()
func (_FlightTickets *FlightTicketsSession) Approve(to common.Address, tokenId *big.Int) (*types.Transaction, error) {
	return _FlightTickets.Contract.Approve(&_FlightTickets.TransactOpts, to, tokenId)
}

// Approve is a paid mutator transaction binding the contract method 0x095ea7b3.
//
// Solidity: function approve(address to, uint256 tokenId) returns()
func (_FlightTickets *FlightTicketsTransactorSession) Approve(to common.Address, tokenId *big.Int) (*types.Transaction, error) {
	return _FlightTickets.Contract.Approve(&_FlightTickets.TransactOpts, to, tokenId)
}

// Issue is a paid mutator transaction binding the contract method 0x39b21937.
//
// Solidity: function issue(address holder, bytes32 uid) returns()
func (_FlightTickets *FlightTicketsTransactor) Issue(opts *bind.TransactOpts, holder common.Address, uid [32]byte) (*types.Transaction, error) {
	return _FlightTickets.contract.Transact(opts, "issue", holder, uid)
}

// Issue is a paid mutator transaction binding the contract method 0x39b21937.
//
// Solidity: function issue(address holder, bytes32 uid) returns()
func (_FlightTickets *FlightTicketsSession) Issue(holder common.Address, uid [32]byte) (*types.Transaction, error) {
	return _FlightTickets.Contract.Issue(&_FlightTickets.TransactOpts, holder, uid)
}

// Issue is a paid mutator transaction binding the contract method 0x39b21937.
//
// Solidity: function issue(address holder, bytes32 uid) returns()
func (_FlightTickets *FlightTicketsTransactorSession) Issue(holder common.Address, uid [32]byte) (*types.Transaction, error) {
	return _FlightTickets.Contract.Issue(&_FlightTickets.TransactOpts, holder, uid)
}

// RenounceOwnership is a paid mutator transaction binding the contract method 0x715018a6.
//
// Solidity: function renounceOwnership() returns()
func (_FlightTickets *FlightTicketsTransactor) RenounceOwnership(opts *bind.TransactOpts) (*types.Transaction, error) {
	return _FlightTickets.contract.Transact(opts, "renounceOwnership")
}

// RenounceOwnership is a paid mutator transaction binding the contract method 0x715018a6.
//
// Solidity: function renounceOwnership() returns()
func (_FlightTickets *FlightTicketsSession) RenounceOwnership() (*types.Transaction, error) {
	return _FlightTickets.Contract.RenounceOwnership(&_FlightTickets.TransactOpts)
}

// RenounceOwnership is a paid mutator transaction binding the contract method 0x715018a6.
//
// Solidity: function renounceOwnership() returns()
func (_FlightTickets *FlightTicketsTransactorSession) RenounceOwnership() (*types.Transaction, error) {
	return _FlightTickets.Contract.RenounceOwnership(&_FlightTickets.TransactOpts)
}

// SafeTransferFrom is a paid mutator transaction binding the contract method 0x42842e0e.
//
// Solidity: function safeTransferFrom(address from, address to, uint256 tokenId) returns()
func (_FlightTickets *FlightTicketsTransactor) SafeTransferFrom(opts *bind.TransactOpts, from common.Address, to common.Address, tokenId *big.Int) (*types.Transaction, error) {
	return _FlightTickets.contract.Transact(opts, "safeTransferFrom", from, to, tokenId)
}

// SafeTransferFrom is a paid mutator transaction binding the contract method 0x42842e0e.
//
// Solidity: function safeTransferFrom(address from, address to, uint256 tokenId) returns()
func (_FlightTickets *FlightTicketsSession) SafeTransferFrom(from common.Address, to common.Address, tokenId *big.Int) (*types.Transaction, error) {
	return _FlightTickets.Contract.SafeTransferFrom(&_FlightTickets.TransactOpts, from, to, tokenId)
}

// SafeTransferFrom is a paid mutator transaction binding the contract method 0x42842e0e.
//
// Solidity: function safeTransferFrom(address from, address to, uint256 tokenId) returns()
func (_FlightTickets *FlightTicketsTransactorSession) SafeTransferFrom(from common.Address, to common.Address, tokenId *big.Int) (*types.Transaction, error) {
	return _FlightTickets.Contract.SafeTransferFrom(&_FlightTickets.TransactOpts, from, to, tokenId)
}

// SafeTransferFrom0 is a paid mutator transaction binding the contract method 0xb88d4fde.
//
// Solidity: function safeTransferFrom(address from, address to, uint256 tokenId, bytes data) returns()
func (_FlightTickets *FlightTicketsTransactor) SafeTransferFrom0(opts *bind.TransactOpts, from common.Address, to common.Address, tokenId *big.Int, data []byte) (*types.Transaction, error) {
	return _FlightTickets.contract.Transact(opts, "safeTransferFrom0", from, to, tokenId, data)
}

// SafeTransferFrom0 is a paid mutator transaction binding the contract method 0xb88d4fde.
//
// Solidity: function safeTransferFrom(address from, address to, uint256 tokenId, bytes data) returns()
func (_FlightTickets *FlightTicketsSession) SafeTransferFrom0(from common.Address, to common.Address, tokenId *big.Int, data []byte) (*types.Transaction, error) {
	return _FlightTickets.Contract.SafeTransferFrom0(&_FlightTickets.TransactOpts, from, to, tokenId, data)
}

// SafeTransferFrom0 is a paid mutator transaction binding the contract method 0xb88d4fde.
//
// Solidity: function safeTransferFrom(address from, address to, uint256 tokenId, bytes data) returns()
func (_FlightTickets *FlightTicketsTransactorSession) SafeTransferFrom0(from common.Address, to common.Address, tokenId *big.Int, data []byte) (*types.Transaction, error) {
	return _FlightTickets.Contract.SafeTransferFrom0(&_FlightTickets.TransactOpts, from, to, tokenId, data)
}

// SetApprovalForAll is a paid mutator transaction binding the contract method 0xa22cb465.
//
// Solidity: function setApprovalForAll(address operator, bool approved) returns()
func (_FlightTickets *FlightTicketsTransactor) SetApprovalForAll(opts *bind.TransactOpts, operator common.Address, approved bool) (*types.Transaction, error) {
	return _FlightTickets.contract.Transact(opts, "setApprovalForAll", operator, approved)
}

// SetApprovalForAll is a paid mutator transaction binding the contract method 0xa22cb465.
//
// Solidity: function setApprovalForAll(address operator, bool approved) returns()
func (_FlightTickets *FlightTicketsSession) SetApprovalForAll(operator common.Address, approved bool) (*types.Transaction, error) {
	return _FlightTickets.Contract.SetApprovalForAll(&_FlightTickets.TransactOpts, operator, approved)
}

// SetApprovalForAll is a paid mutator transaction binding the contract method 0xa22cb465.
//
// Solidity: function setApprovalForAll(address operator, bool approved) returns()
func (_FlightTickets *FlightTicketsTransactorSession) SetApprovalForAll(operator common.Address, approved bool) (*types.Transaction, error) {
	return _FlightTickets.Contract.SetApprovalForAll(&_FlightTickets.TransactOpts, operator, approved)
}

// SetStatus is a paid mutator transaction binding the contract method 0x80f68775.
//
// Solidity: function setStatus(string flight, string date, uint32 delayMinutes, string status) returns()
func (_FlightTickets *FlightTicketsTransactor) SetStatus(opts *bind.TransactOpts, flight string, date string, delayMinutes uint32, status string) (*types.Transaction, error) {
	return _FlightTickets.contract.Transact(opts, "setStatus", flight, date, delayMinutes, status)
}

// SetStatus is a paid mutator transaction binding the contract method 0x80f68775.
//
// Solidity: function setStatus(string flight, string date, uint32 delayMinutes, string status) returns()
func (_FlightTickets *FlightTicketsSession) SetStatus(flight string, date string, delayMinutes uint32, status string) (*types.Transaction, error) {
	return _FlightTickets.Contract.SetStatus(&_FlightTickets.TransactOpts, flight, date, delayMinutes, status)
}

// SetStatus is a paid mutator transaction binding the contract method 0x80f68775.
//
// Solidity: function setStatus(string flight, string date, uint32 delayMinutes, string status) returns()
func (_FlightTickets *FlightTicketsTransactorSession) SetStatus(flight string, date string, delayMinutes uint32, status string) (*types.Transaction, error) {
	return _FlightTickets.Contract.SetStatus(&_FlightTickets.TransactOpts, flight, date, delayMinutes, status)
}

// TransferFrom is a paid mutator transaction binding the contract method 0x23b872dd.
//
// Solidity: function transferFrom(address from, address to, uint256 tokenId) returns()
func (_FlightTickets *FlightTicketsTransactor) TransferFrom(opts *bind.TransactOpts, from common.Address, to common.Address, tokenId *big.Int) (*types.Transaction, error) {
	return _FlightTickets.contract.Transact(opts, "transferFrom", from, to, tokenId)
}

// TransferFrom is a paid mutator transaction binding the contract method 0x23b872dd.
//
// Solidity: function transferFrom(address from, address to, uint256 tokenId) returns()
func (_FlightTickets *FlightTicketsSession) TransferFrom(from common.Address, to common.Address, tokenId *big.Int) (*types.Transaction, error) {
	return _FlightTickets.Contract.TransferFrom(&_FlightTickets.TransactOpts, from, to, tokenId)
}

// TransferFrom is a paid mutator transaction binding the contract method 0x23b872dd.
//
// Solidity: function transferFrom(address from, address to, uint256 tokenId) returns()
func (_FlightTickets *FlightTicketsTransactorSession) TransferFrom(from common.Address, to common.Address, tokenId *big.Int) (*types.Transaction, error) {
	return _FlightTickets.Contract.TransferFrom(&_FlightTickets.TransactOpts, from, to, tokenId)
}

// TransferOwnership is a paid mutator transaction binding the contract method 0xf2fde38b.
//
// Solidity: function transferOwnership(address newOwner) returns()
func (_FlightTickets *FlightTicketsTransactor) TransferOwnership(opts *bind.TransactOpts, newOwner common.Address) (*types.Transaction, error) {
	return _FlightTickets.contract.Transact(opts, "transferOwnership", newOwner)
}

// TransferOwnership is a paid mutator transaction binding the contract method 0xf2fde38b.
//
// Solidity: function transferOwnership(address newOwner) returns()
func (_FlightTickets *FlightTicketsSession) TransferOwnership(newOwner common.Address) (*types.Transaction, error) {
	return _FlightTickets.Contract.TransferOwnership(&_FlightTickets.TransactOpts, newOwner)
}

// TransferOwnership is a paid mutator transaction binding the contract method 0xf2fde38b.
//
// Solidity: function transferOwnership(address newOwner) returns()
func (_FlightTickets *FlightTicketsTransactorSession) TransferOwnership(newOwner common.Address) (*types.Transaction, error) {
	return _FlightTickets.Contract.TransferOwnership(&_FlightTickets.TransactOpts, newOwner)
}

// FlightTicketsApprovalIterator is returned from FilterApproval and is used to iterate over the raw logs and unpacked data for Approval events raised by the FlightTickets contract.
type FlightTicketsApprovalIterator struct {
	Event *FlightTicketsApproval // Event containing the contract specifics and raw log

	contract *bind.BoundContract // Generic contract to use for unpacking event data
	event    string              // Event name to use for unpacking event data

	logs chan types.Log        // Log channel receiving the found contract events
	sub  ethereum.Subscription // Subscription for errors, completion and termination
	done bool                  // Whether the subscription completed delivering logs
	fail error                 // Occurred error to stop iteration
}

// Next advances the iterator to the subsequent event, returning whether there
// are any more events found. In case of a retrieval or parsing error, false is
// returned and Error() can be queried for the exact failure.
func (it *FlightTicketsApprovalIterator) Next() bool {
	// If the iterator failed, stop iterating
	if it.fail != nil {
		return false
	}
	// If the iterator completed, deliver directly whatever's available
	if it.done {
		select {
		case log := <-it.logs:
			it.Event = new(FlightTicketsApproval)
			if err := it.contract.UnpackLog(it.Event, it.event, log); err != nil {
				it.fail = err
				return false
			}
			it.Event.Raw = log
			return true

		default:
			return false
		}
	}
	// Iterator still in progress, wait for either a data or an error event
	select {
	case log := <-it.logs:
		it.Event = new(FlightTicketsApproval)
		if err := it.contract.UnpackLog(it.Event, it.event, log); err != nil {
			it.fail = err
			return false
		}
		it.Event.Raw = log
		return true

	case err := <-it.sub.Err():
		it.done = true
		it.fail = err
		return it.Next()
	}
}

// Error returns any retrieval or parsing error occurred during filtering.
func (it *FlightTicketsApprovalIterator) Error() error {
	return it.fail
}

// Close terminates the iteration process, releasing any pending underlying
// resources.
func (it *FlightTicketsApprovalIterator) Close() error {
	it.sub.Unsubscribe()
	return nil
}

// FlightTicketsApproval represents a Approval event raised by the FlightTickets contract.
type FlightTicketsApproval struct {
	Owner    common.Address
	Approved common.Address
	TokenId  *big.Int
	Raw      types.Log // Blockchain specific contextual infos
}

// FilterApproval is a free log retrieval operation binding the contract event 0x8c5be1e5ebec7d5bd14f71427d1e84f3dd0314c0f7b2291e5b200ac8c7c3b925.
//
// Solidity: event Approval(address indexed owner, address indexed approved, uint256 indexed tokenId)
func (_FlightTickets *FlightTicketsFilterer) FilterApproval(opts *bind.FilterOpts, owner []common.Address, approved []common.Address, tokenId []*big.Int) (*FlightTicketsApprovalIterator, error) {

	var ownerRule []interface{}
	for _, ownerItem := range owner {
		ownerRule = append(ownerRule, ownerItem)
	}
	var approvedRule []interface{}
	for _, approvedItem := range approved {
		approvedRule = append(approvedRule, approvedItem)
	}
	var tokenIdRule []interface{}
	for _, tokenIdItem := range tokenId {
		tokenIdRule = append(tokenIdRule, tokenIdItem)
	}

	logs, sub, err := _FlightTickets.contract.FilterLogs(opts, "Approval", ownerRule, approvedRule, tokenIdRule)
	if err != nil {
		return nil, err
	}
	return &FlightTicketsApprovalIterator{contract: _FlightTickets.contract, event: "Approval", logs: logs, sub: sub}, nil
}

// WatchApproval is a free log subscription operation binding the contract event 0x8c5be1e5ebec7d5bd14f71427d1e84f3dd0314c0f7b2291e5b200ac8c7c3b925.
//
// Solidity: event Approval(address indexed owner, address indexed approved, uint256 indexed tokenId)
func (_FlightTickets *FlightTicketsFilterer) WatchApproval(opts *bind.WatchOpts, sink chan<- *FlightTicketsApproval, owner []common.Address, approved []common.Address, tokenId []*big.Int) (event.Subscription, error) {

	var ownerRule []interface{}
	for _, ownerItem := range owner {
		ownerRule = append(ownerRule, ownerItem)
	}
	var approvedRule []interface{}
	for _, approvedItem := range approved {
		approvedRule = append(approvedRule, approvedItem)
	}
	var tokenIdRule []interface{}
	for _, tokenIdItem := range tokenId {
		tokenIdRule = append(tokenIdRule, tokenIdItem)
	}

	logs, sub, err := _FlightTickets.contract.WatchLogs(opts, "Approval", ownerRule, approvedRule, tokenIdRule)
	if err != nil {
		return nil, err
	}
	return event.NewSubscription(func(quit <-chan struct{}) error {
		defer sub.Unsubscribe()
		for {
			select {
			case log := <-logs:
				// New log arrived, parse the event and forward to the user
				event := new(FlightTicketsApproval)
				if err := _FlightTickets.contract.UnpackLog(event, "Approval", log); err != nil {
					// If the signature doesn't match, skip this log.
					if errors.Is(err, bind.ErrEventSignatureMismatch) {
						continue
					}
					return err
				}
				event.Raw = log

				select {
				case sink <- event:
				case err := <-sub.Err():
					return err
				case <-quit:
					return nil
				}
			case err := <-sub.Err():
				return err
			case <-quit:
				return nil
			}
		}
	}), nil
}

// ParseApproval is a log parse operation binding the contract event 0x8c5be1e5ebec7d5bd14f71427d1e84f3dd0314c0f7b2291e5b200ac8c7c3b925.
//
// Solidity: event Approval(address indexed owner, address indexed approved, uint256 indexed tokenId)
func (_FlightTickets *FlightTicketsFilterer) ParseApproval(log types.Log) (*FlightTicketsApproval, error) {
	event := new(FlightTicketsApproval)
	if err := _FlightTickets.contract.UnpackLog(event, "Approval", log); err != nil {
		return nil, err
	}
	event.Raw = log
	return event, nil
}

// FlightTicketsApprovalForAllIterator is returned from FilterApprovalForAll and is used to iterate over the raw logs and unpacked data for ApprovalForAll events raised by the FlightTickets contract.
type FlightTicketsApprovalForAllIterator struct {
	Event *FlightTicketsApprovalForAll // Event containing the contract specifics and raw log

	contract *bind.BoundContract // Generic contract to use for unpacking event data
	event    string              // Event name to use for unpacking event data

	logs chan types.Log        // Log channel receiving the found contract events
	sub  ethereum.Subscription // Subscription for errors, completion and termination
	done bool                  // Whether the subscription completed delivering logs
	fail error                 // Occurred error to stop iteration
}

// Next advances the iterator to the subsequent event, returning whether there
// are any more events found. In case of a retrieval or parsing error, false is
// returned and Error() can be queried for the exact failure.
func (it *FlightTicketsApprovalForAllIterator) Next() bool {
	// If the iterator failed, stop iterating
	if it.fail != nil {
		return false
	}
	// If the iterator completed, deliver directly whatever's available
	if it.done {
		select {
		case log := <-it.logs:
			it.Event = new(FlightTicketsApprovalForAll)
			if err := it.contract.UnpackLog(it.Event, it.event, log); err != nil {
				it.fail = err
				return false
			}
			it.Event.Raw = log
			return true

		default:
			return false
		}
	}
	// Iterator still in progress, wait for either a data or an error event
	select {
	case log := <-it.logs:
		it.Event = new(FlightTicketsApprovalForAll)
		if err := it.contract.UnpackLog(it.Event, it.event, log); err != nil {
			it.fail = err
			return false
		}
		it.Event.Raw = log
		return true

	case err := <-it.sub.Err():
		it.done = true
		it.fail = err
		return it.Next()
	}
}

// Error returns any retrieval or parsing error occurred during filtering.
func (it *FlightTicketsApprovalForAllIterator) Error() error {
	return it.fail
}

// Close terminates the iteration process, releasing any pending underlying
// resources.
func (it *FlightTicketsApprovalForAllIterator) Close() error {
	it.sub.Unsubscribe()
	return nil
}

// FlightTicketsApprovalForAll represents a ApprovalForAll event raised by the FlightTickets contract.
type FlightTicketsApprovalForAll struct {
	Owner    common.Address
	Operator common.Address
	Approved bool
	Raw      types.Log // Blockchain specific contextual infos
}

// FilterApprovalForAll is a free log retrieval operation binding the contract event 0x17307eab39ab6107e8899845ad3d59bd9653f200f220920489ca2b5937696c31.
//
// Solidity: event ApprovalForAll(address indexed owner, address indexed operator, bool approved)
func (_FlightTickets *FlightTicketsFilterer) FilterApprovalForAll(opts *bind.FilterOpts, owner []common.Address, operator []common.Address) (*FlightTicketsApprovalForAllIterator, error) {

	var ownerRule []interface{}
	for _, ownerItem := range owner {
		ownerRule = append(ownerRule, ownerItem)
	}
	var operatorRule []interface{}
	for _, operatorItem := range operator {
		operatorRule = append(operatorRule, operatorItem)
	}

	logs, sub, err := _FlightTickets.contract.FilterLogs(opts, "ApprovalForAll", ownerRule, operatorRule)
	if err != nil {
		return nil, err
	}
	return &FlightTicketsApprovalForAllIterator{contract: _FlightTickets.contract, event: "ApprovalForAll", logs: logs, sub: sub}, nil
}

// WatchApprovalForAll is a free log subscription operation binding the contract event 0x17307eab39ab6107e8899845ad3d59bd9653f200f220920489ca2b5937696c31.
//
// Solidity: event ApprovalForAll(address indexed owner, address indexed operator, bool approved)
func (_FlightTickets *FlightTicketsFilterer) WatchApprovalForAll(opts *bind.WatchOpts, sink chan<- *FlightTicketsApprovalForAll, owner []common.Address, operator []common.Address) (event.Subscription, error) {

	var ownerRule []interface{}
	for _, ownerItem := range owner {
		ownerRule = append(ownerRule, ownerItem)
	}
	var operatorRule []interface{}
	for _, operatorItem := range operator {
		operatorRule = append(operatorRule, operatorItem)
	}

	logs, sub, err := _FlightTickets.contract.WatchLogs(opts, "ApprovalForAll", ownerRule, operatorRule)
	if err != nil {
		return nil, err
	}
	return event.NewSubscription(func(quit <-chan struct{}) error {
		defer sub.Unsubscribe()
		for {
			select {
			case log := <-logs:
				// New log arrived, parse the event and forward to the user
				event := new(FlightTicketsApprovalForAll)
				if err := _FlightTickets.contract.UnpackLog(event, "ApprovalForAll", log); err != nil {
					// If the signature doesn't match, skip this log.
					if errors.Is(err, bind.ErrEventSignatureMismatch) {
						continue
					}
					return err
				}
				event.Raw = log

				select {
				case sink <- event:
				case err := <-sub.Err():
					return err
				case <-quit:
					return nil
				}
			case err := <-sub.Err():
				return err
			case <-quit:
				return nil
			}
		}
	}), nil
}

// ParseApprovalForAll is a log parse operation binding the contract event 0x17307eab39ab6107e8899845ad3d59bd9653f200f220920489ca2b5937696c31.
//
// Solidity: event ApprovalForAll(address indexed owner, address indexed operator, bool approved)
func (_FlightTickets *FlightTicketsFilterer) ParseApprovalForAll(log types.Log) (*FlightTicketsApprovalForAll, error) {
	event := new(FlightTicketsApprovalForAll)
	if err := _FlightTickets.contract.UnpackLog(event, "ApprovalForAll", log); err != nil {
		return nil, err
	}
	event.Raw = log
	return event, nil
}

// FlightTicketsFlightStatusIterator is returned from FilterFlightStatus and is used to iterate over the raw logs and unpacked data for FlightStatus events raised by the FlightTickets contract.
type FlightTicketsFlightStatusIterator struct {
	Event *FlightTicketsFlightStatus // Event containing the contract specifics and raw log

	contract *bind.BoundContract // Generic contract to use for unpacking event data
	event    string              // Event name to use for unpacking event data

	logs chan types.Log        // Log channel receiving the found contract events
	sub  ethereum.Subscription // Subscription for errors, completion and termination
	done bool                  // Whether the subscription completed delivering logs
	fail error                 // Occurred error to stop iteration
}

// Next advances the iterator to the subsequent event, returning whether there
// are any more events found. In case of a retrieval or parsing error, false is
// returned and Error() can be queried for the exact failure.
func (it *FlightTicketsFlightStatusIterator) Next() bool {
	// If the iterator failed, stop iterating
	if it.fail != nil {
		return false
	}
	// If the iterator completed, deliver directly whatever's available
	if it.done {
		select {
		case log := <-it.logs:
			it.Event = new(FlightTicketsFlightStatus)
			if err := it.contract.UnpackLog(it.Event, it.event, log); err != nil {
				it.fail = err
				return false
			}
			it.Event.Raw = log
			return true

		default:
			return false
		}
	}
	// Iterator still in progress, wait for either a data or an error event
	select {
	case log := <-it.logs:
		it.Event = new(FlightTicketsFlightStatus)
		if err := it.contract.UnpackLog(it.Event, it.event, log); err != nil {
			it.fail = err
			return false
		}
		it.Event.Raw = log
		return true

	case err := <-it.sub.Err():
		it.done = true
		it.fail = err
		return it.Next()
	}
}

// Error returns any retrieval or parsing error occurred during filtering.
func (it *FlightTicketsFlightStatusIterator) Error() error {
	return it.fail
}

// Close terminates the iteration process, releasing any pending underlying
// resources.
func (it *FlightTicketsFlightStatusIterator) Close() error {
	it.sub.Unsubscribe()
	return nil
}

// FlightTicketsFlightStatus represents a FlightStatus event raised by the FlightTickets contract.
type FlightTicketsFlightStatus struct {
	Flight       string
	Date         string
	DelayMinutes uint32
	Status       string
	Raw          types.Log // Blockchain specific contextual infos
}

// FilterFlightStatus is a free log retrieval operation binding the contract event 0x81c1373b02d48d3ca9882e9eddba7887c468c863ee8a23b25a151b2da3400676.
//
// Solidity: event FlightStatus(string flight, string date, uint32 delayMinutes, string status)
func (_FlightTickets *FlightTicketsFilterer) FilterFlightStatus(opts *bind.FilterOpts) (*FlightTicketsFlightStatusIterator, error) {

	logs, sub, err := _FlightTickets.contract.FilterLogs(opts, "FlightStatus")
	if err != nil {
		return nil, err
	}
	return &FlightTicketsFlightStatusIterator{contract: _FlightTickets.contract, event: "FlightStatus", logs: logs, sub: sub}, nil
}

// WatchFlightStatus is a free log subscription operation binding the contract event 0x81c1373b02d48d3ca9882e9eddba7887c468c863ee8a23b25a151b2da3400676.
//
// Solidity: event FlightStatus(string flight, string date, uint32 delayMinutes, string status)
func (_FlightTickets *FlightTicketsFilterer) WatchFlightStatus(opts *bind.WatchOpts, sink chan<- *FlightTicketsFlightStatus) (event.Subscription, error) {

	logs, sub, err := _FlightTickets.contract.WatchLogs(opts, "FlightStatus")
	if err != nil {
		return nil, err
	}
	return event.NewSubscription(func(quit <-chan struct{}) error {
		defer sub.Unsubscribe()
		for {
			select {
			case log := <-logs:
				// New log arrived, parse the event and forward to the user
				event := new(FlightTicketsFlightStatus)
				if err := _FlightTickets.contract.UnpackLog(event, "FlightStatus", log); err != nil {
					// If the signature doesn't match, skip this log.
					if errors.Is(err, bind.ErrEventSignatureMismatch) {
						continue
					}
					return err
				}
				event.Raw = log

				select {
				case sink <- event:
				case err := <-sub.Err():
					return err
				case <-quit:
					return nil
				}
			case err := <-sub.Err():
				return err
			case <-quit:
				return nil
			}
		}
	}), nil
}

// ParseFlightStatus is a log parse operation binding the contract event 0x81c1373b02d48d3ca9882e9eddba7887c468c863ee8a23b25a151b2da3400676.
//
// Solidity: event FlightStatus(string flight, string date, uint32 delayMinutes, string status)
func (_FlightTickets *FlightTicketsFilterer) ParseFlightStatus(log types.Log) (*FlightTicketsFlightStatus, error) {
	event := new(FlightTicketsFlightStatus)
	if err := _FlightTickets.contract.UnpackLog(event, "FlightStatus", log); err != nil {
		return nil, err
	}
	event.Raw = log
	return event, nil
}

// FlightTicketsOwnershipTransferredIterator is returned from FilterOwnershipTransferred and is used to iterate over the raw logs and unpacked data for OwnershipTransferred events raised by the FlightTickets contract.
type FlightTicketsOwnershipTransferredIterator struct {
	Event *FlightTicketsOwnershipTransferred // Event containing the contract specifics and raw log

	contract *bind.BoundContract // Generic contract to use for unpacking event data
	event    string              // Event name to use for unpacking event data

	logs chan types.Log        // Log channel receiving the found contract events
	sub  ethereum.Subscription // Subscription for errors, completion and termination
	done bool                  // Whether the subscription completed delivering logs
	fail error                 // Occurred error to stop iteration
}

// Next advances the iterator to the subsequent event, returning whether there
// are any more events found. In case of a retrieval or parsing error, false is
// returned and Error() can be queried for the exact failure.
func (it *FlightTicketsOwnershipTransferredIterator) Next() bool {
	// If the iterator failed, stop iterating
	if it.fail != nil {
		return false
	}
	// If the iterator completed, deliver directly whatever's available
	if it.done {
		select {
		case log := <-it.logs:
			it.Event = new(FlightTicketsOwnershipTransferred)
			if err := it.contract.UnpackLog(it.Event, it.event, log); err != nil {
				it.fail = err
				return false
			}
			it.Event.Raw = log
			return true

		default:
			return false
		}
	}
	// Iterator still in progress, wait for either a data or an error event
	select {
	case log := <-it.logs:
		it.Event = new(FlightTicketsOwnershipTransferred)
		if err := it.contract.UnpackLog(it.Event, it.event, log); err != nil {
			it.fail = err
			return false
		}
		it.Event.Raw = log
		return true

	case err := <-it.sub.Err():
		it.done = true
		it.fail = err
		return it.Next()
	}
}

// Error returns any retrieval or parsing error occurred during filtering.
func (it *FlightTicketsOwnershipTransferredIterator) Error() error {
	return it.fail
}

// Close terminates the iteration process, releasing any pending underlying
// resources.
func (it *FlightTicketsOwnershipTransferredIterator) Close() error {
	it.sub.Unsubscribe()
	return nil
}

// FlightTicketsOwnershipTransferred represents a OwnershipTransferred event raised by the FlightTickets contract.
type FlightTicketsOwnershipTransferred struct {
	PreviousOwner common.Address
	NewOwner      common.Address
	Raw           types.Log // Blockchain specific contextual infos
}

// FilterOwnershipTransferred is a free log retrieval operation binding the contract event 0x8be0079c531659141344cd1fd0a4f28419497f9722a3daafe3b4186f6b6457e0.
//
// Solidity: event OwnershipTransferred(address indexed previousOwner, address indexed newOwner)
func (_FlightTickets *FlightTicketsFilterer) FilterOwnershipTransferred(opts *bind.FilterOpts, previousOwner []common.Address, newOwner []common.Address) (*FlightTicketsOwnershipTransferredIterator, error) {

	var previousOwnerRule []interface{}
	for _, previousOwnerItem := range previousOwner {
		previousOwnerRule = append(previousOwnerRule, previousOwnerItem)
	}
	var newOwnerRule []interface{}
	for _, newOwnerItem := range newOwner {
		newOwnerRule = append(newOwnerRule, newOwnerItem)
	}

	logs, sub, err := _FlightTickets.contract.FilterLogs(opts, "OwnershipTransferred", previousOwnerRule, newOwnerRule)
	if err != nil {
		return nil, err
	}
	return &FlightTicketsOwnershipTransferredIterator{contract: _FlightTickets.contract, event: "OwnershipTransferred", logs: logs, sub: sub}, nil
}

// WatchOwnershipTransferred is a free log subscription operation binding the contract event 0x8be0079c531659141344cd1fd0a4f28419497f9722a3daafe3b4186f6b6457e0.
//
// Solidity: event OwnershipTransferred(address indexed previousOwner, address indexed newOwner)
func (_FlightTickets *FlightTicketsFilterer) WatchOwnershipTransferred(opts *bind.WatchOpts, sink chan<- *FlightTicketsOwnershipTransferred, previousOwner []common.Address, newOwner []common.Address) (event.Subscription, error) {

	var previousOwnerRule []interface{}
	for _, previousOwnerItem := range previousOwner {
		previousOwnerRule = append(previousOwnerRule, previousOwnerItem)
	}
	var newOwnerRule []interface{}
	for _, newOwnerItem := range newOwner {
		newOwnerRule = append(newOwnerRule, newOwnerItem)
	}

	logs, sub, err := _FlightTickets.contract.WatchLogs(opts, "OwnershipTransferred", previousOwnerRule, newOwnerRule)
	if err != nil {
		return nil, err
	}
	return event.NewSubscription(func(quit <-chan struct{}) error {
		defer sub.Unsubscribe()
		for {
			select {
			case log := <-logs:
				// New log arrived, parse the event and forward to the user
				event := new(FlightTicketsOwnershipTransferred)
				if err := _FlightTickets.contract.UnpackLog(event, "OwnershipTransferred", log); err != nil {
					// If the signature doesn't match, skip this log.
					if errors.Is(err, bind.ErrEventSignatureMismatch) {
						continue
					}
					return err
				}
				event.Raw = log

				select {
				case sink <- event:
				case err := <-sub.Err():
					return err
				case <-quit:
					return nil
				}
			case err := <-sub.Err():
				return err
			case <-quit:
				return nil
			}
		}
	}), nil
}

// ParseOwnershipTransferred is a log parse operation binding the contract event 0x8be0079c531659141344cd1fd0a4f28419497f9722a3daafe3b4186f6b6457e0.
//
// Solidity: event OwnershipTransferred(address indexed previousOwner, address indexed newOwner)
func (_FlightTickets *FlightTicketsFilterer) ParseOwnershipTransferred(log types.Log) (*FlightTicketsOwnershipTransferred, error) {
	event := new(FlightTicketsOwnershipTransferred)
	if err := _FlightTickets.contract.UnpackLog(event, "OwnershipTransferred", log); err != nil {
		return nil, err
	}
	event.Raw = log
	return event, nil
}

// FlightTicketsTransferIterator is returned from FilterTransfer and is used to iterate over the raw logs and unpacked data for Transfer events raised by the FlightTickets contract.
type FlightTicketsTransferIterator struct {
	Event *FlightTicketsTransfer // Event containing the contract specifics and raw log

	contract *bind.BoundContract // Generic contract to use for unpacking event data
	event    string              // Event name to use for unpacking event data

	logs chan types.Log        // Log channel receiving the found contract events
	sub  ethereum.Subscription // Subscription for errors, completion and termination
	done bool                  // Whether the subscription completed delivering logs
	fail error                 // Occurred error to stop iteration
}

// Next advances the iterator to the subsequent event, returning whether there
// are any more events found. In case of a retrieval or parsing error, false is
// returned and Error() can be queried for the exact failure.
func (it *FlightTicketsTransferIterator) Next() bool {
	// If the iterator failed, stop iterating
	if it.fail != nil {
		return false
	}
	// If the iterator completed, deliver directly whatever's available
	if it.done {
		select {
		case log := <-it.logs:
			it.Event = new(FlightTicketsTransfer)
			if err := it.contract.UnpackLog(it.Event, it.event, log); err != nil {
				it.fail = err
				return false
			}
			it.Event.Raw = log
			return true

		default:
			return false
		}
	}
	// Iterator still in progress, wait for either a data or an error event
	select {
	case log := <-it.logs:
		it.Event = new(FlightTicketsTransfer)
		if err := it.contract.UnpackLog(it.Event, it.event, log); err != nil {
			it.fail = err
			return false
		}
		it.Event.Raw = log
		return true

	case err := <-it.sub.Err():
		it.done = true
		it.fail = err
		return it.Next()
	}
}

// Error returns any retrieval or parsing error occurred during filtering.
func (it *FlightTicketsTransferIterator) Error() error {
	return it.fail
}

// Close terminates the iteration process, releasing any pending underlying
// resources.
func (it *FlightTicketsTransferIterator) Close() error {
	it.sub.Unsubscribe()
	return nil
}

// FlightTicketsTransfer represents a Transfer event raised by the FlightTickets contract.
type FlightTicketsTransfer struct {
	From    common.Address
	To      common.Address
	TokenId *big.Int
	Raw     types.Log // Blockchain specific contextual infos
}

// FilterTransfer is a free log retrieval operation binding the contract event 0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef.
//
// Solidity: event Transfer(address indexed from, address indexed to, uint256 indexed tokenId)
func (_FlightTickets *FlightTicketsFilterer) FilterTransfer(opts *bind.FilterOpts, from []common.Address, to []common.Address, tokenId []*big.Int) (*FlightTicketsTransferIterator, error) {

	var fromRule []interface{}
	for _, fromItem := range from {
		fromRule = append(fromRule, fromItem)
	}
	var toRule []interface{}
	for _, toItem := range to {
		toRule = append(toRule, toItem)
	}
	var tokenIdRule []interface{}
	for _, tokenIdItem := range tokenId {
		tokenIdRule = append(tokenIdRule, tokenIdItem)
	}

	logs, sub, err := _FlightTickets.contract.FilterLogs(opts, "Transfer", fromRule, toRule, tokenIdRule)
	if err != nil {
		return nil, err
	}
	return &FlightTicketsTransferIterator{contract: _FlightTickets.contract, event: "Transfer", logs: logs, sub: sub}, nil
}

// WatchTransfer is a free log subscription operation binding the contract event 0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef.
//
// Solidity: event Transfer(address indexed from, address indexed to, uint256 indexed tokenId)
func (_FlightTickets *FlightTicketsFilterer) WatchTransfer(opts *bind.WatchOpts, sink chan<- *FlightTicketsTransfer, from []common.Address, to []common.Address, tokenId []*big.Int) (event.Subscription, error) {

	var fromRule []interface{}
	for _, fromItem := range from {
		fromRule = append(fromRule, fromItem)
	}
	var toRule []interface{}
	for _, toItem := range to {
		toRule = append(toRule, toItem)
	}
	var tokenIdRule []interface{}
	for _, tokenIdItem := range tokenId {
		tokenIdRule = append(tokenIdRule, tokenIdItem)
	}

	logs, sub, err := _FlightTickets.contract.WatchLogs(opts, "Transfer", fromRule, toRule, tokenIdRule)
	if err != nil {
		return nil, err
	}
	return event.NewSubscription(func(quit <-chan struct{}) error {
		defer sub.Unsubscribe()
		for {
			select {
			case log := <-logs:
				// New log arrived, parse the event and forward to the user
				event := new(FlightTicketsTransfer)
				if err := _FlightTickets.contract.UnpackLog(event, "Transfer", log); err != nil {
					// If the signature doesn't match, skip this log.
					if errors.Is(err, bind.ErrEventSignatureMismatch) {
						continue
					}
					return err
				}
				event.Raw = log

				select {
				case sink <- event:
				case err := <-sub.Err():
					return err
				case <-quit:
					return nil
				}
			case err := <-sub.Err():
				return err
			case <-quit:
				return nil
			}
		}
	}), nil
}

// ParseTransfer is a log parse operation binding the contract event 0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef.
//
// Solidity: event Transfer(address indexed from, address indexed to, uint256 indexed tokenId)
func (_FlightTickets *FlightTicketsFilterer) ParseTransfer(log types.Log) (*FlightTicketsTransfer, error) {
	event := new(FlightTicketsTransfer)
	if err := _FlightTickets.contract.UnpackLog(event, "Transfer", log); err != nil {
		return nil, err
	}
	event.Raw = log
	return event, nil
}
