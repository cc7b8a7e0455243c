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

// EpochsMetaData contains all meta data concerning the Epochs contract.
var EpochsMetaData = &bind.MetaData{
	ABI: "[{\"inputs\":[{\"internalType\":\"uint64\",\"name\":\"epochLength\",\"type\":\"uint64\"},{\"internalType\":\"address\",\"name\":\"advancer_\",\"type\":\"address\"}],\"stateMutability\":\"nonpayable\",\"type\":\"constructor\"},{\"inputs\":[],\"name\":\"NoRandomness\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"caller\",\"type\":\"address\"}],\"name\":\"NotAdvancer\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint64\",\"name\":\"epoch\",\"type\":\"uint64\"}],\"name\":\"NotSeeded\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"ZeroLength\",\"type\":\"error\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"uint64\",\"name\":\"epoch\",\"type\":\"uint64\"},{\"indexed\":false,\"internalType\":\"bytes32\",\"name\":\"seed\",\"type\":\"bytes32\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"blockNumber\",\"type\":\"uint256\"}],\"name\":\"EpochSeeded\",\"type\":\"event\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"randomness\",\"type\":\"bytes32\"}],\"name\":\"advance\",\"outputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"advancer\",\"outputs\":[{\"internalType\":\"address\",\"name\":\"\",\"type\":\"address\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"current\",\"outputs\":[{\"internalType\":\"uint64\",\"name\":\"\",\"type\":\"uint64\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"genesis\",\"outputs\":[{\"internalType\":\"uint64\",\"name\":\"\",\"type\":\"uint64\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"lastSeeded\",\"outputs\":[{\"internalType\":\"uint64\",\"name\":\"\",\"type\":\"uint64\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"length\",\"outputs\":[{\"internalType\":\"uint64\",\"name\":\"\",\"type\":\"uint64\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint64\",\"name\":\"epoch\",\"type\":\"uint64\"}],\"name\":\"seedOf\",\"outputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"stateMutability\":\"view\",\"type\":\"function\"}]",
	Bin: "0x60e060405234801561000f575f5ffd5b5060405161056438038061056483398101604081905261002e9161007d565b816001600160401b03165f036100575760405163bf55749760e01b815260040160405180910390fd5b6001600160401b034381166080529190911660a0526001600160a01b031660c0526100cb565b5f5f6040838503121561008e575f5ffd5b82516001600160401b03811681146100a4575f5ffd5b60208401519092506001600160a01b03811681146100c0575f5ffd5b809150509250929050565b60805160a05160c05161045b6101095f395f818161013f01526101d301525f81816083015261032101525f81816101180152610345015261045b5ff3fe608060405234801561000f575f5ffd5b506004361061007a575f3560e01c80637817f476116100585780637817f476146100f85780639fa6a6e31461010b578063a7f0b3de14610113578063fb5e65501461013a575f5ffd5b80631f7b6d321461007e57806329316a2a146100c357806363f92a29146100e4575b5f5ffd5b6100a57f000000000000000000000000000000000000000000000000000000000000000081565b60405167ffffffffffffffff90911681526020015b60405180910390f35b6100d66100d1366004610379565b610179565b6040519081526020016100ba565b6001546100a59067ffffffffffffffff1681565b6100d66101063660046103a7565b6101c7565b6100a561031e565b6100a57f000000000000000000000000000000000000000000000000000000000000000081565b6101617f000000000000000000000000000000000000000000000000000000000000000081565b6040516001600160a01b0390911681526020016100ba565b67ffffffffffffffff81165f90815260208190526040812054806101c1576040516309558c9d60e21b815267ffffffffffffffff841660048201526024015b60405180910390fd5b92915050565b5f336001600160a01b037f0000000000000000000000000000000000000000000000000000000000000000161461021357604051632c45eac960e01b81523360048201526024016101b8565b8161023157604051630e1a0b9360e31b815260040160405180910390fd5b5f61023a61031e565b67ffffffffffffffff81165f9081526020819052604090205490915061030057604080516020810185905267ffffffffffffffff8316918101919091523060608201525f9060800160408051808303601f19018152828252805160209182012067ffffffffffffffff86165f8181528084528490208290556001805467ffffffffffffffff19168217905581855243928501929092529350917f7dede7f2348789e946bf00b955da6e73c8b3a6962bd2cd86211cbf801c769cd0910160405180910390a2505b67ffffffffffffffff165f9081526020819052604090205492915050565b5f7f000000000000000000000000000000000000000000000000000000000000000061036a7f0000000000000000000000000000000000000000000000000000000000000000436103be565b61037491906103ea565b905090565b5f60208284031215610389575f5ffd5b813567ffffffffffffffff811681146103a0575f5ffd5b9392505050565b5f602082840312156103b7575f5ffd5b5035919050565b67ffffffffffffffff82811682821603908111156101c157634e487b7160e01b5f52601160045260245ffd5b5f67ffffffffffffffff83168061040f57634e487b7160e01b5f52601260045260245ffd5b8067ffffffffffffffff8416049150509291505056fea2646970667358221220822e98f2481c475022ac4a5b1f65691e1502addb28da2138d315053f34ab822a64736f6c634300081c0033",
}

// EpochsABI is the input ABI used to generate the binding from.
// Deprecated: Use EpochsMetaData.ABI instead.
var EpochsABI = EpochsMetaData.ABI

// EpochsBin is the compiled bytecode used for deploying new contracts.
// Deprecated: Use EpochsMetaData.Bin instead.
var EpochsBin = EpochsMetaData.Bin

// DeployEpochs deploys a new Ethereum contract, binding an instance of Epochs to it.
func DeployEpochs(auth *bind.TransactOpts, backend bind.ContractBackend, epochLength uint64, advancer_ common.Address) (common.Address, *types.Transaction, *Epochs, error) {
	parsed, err := EpochsMetaData.GetAbi()
	if err != nil {
		return common.Address{}, nil, nil, err
	}
	if parsed == nil {
		return common.Address{}, nil, nil, errors.New("GetABI returned nil")
	}

	address, tx, contract, err := bind.DeployContract(auth, *parsed, common.FromHex(EpochsBin), backend, epochLength, advancer_)
	if err != nil {
		return common.Address{}, nil, nil, err
	}
	return address, tx, &Epochs{EpochsCaller: EpochsCaller{contract: contract}, EpochsTransactor: EpochsTransactor{contract: contract}, EpochsFilterer: EpochsFilterer{contract: contract}}, nil
}

// Epochs is an auto generated Go binding around an Ethereum contract.
type Epochs struct {
	EpochsCaller     // Read-only binding to the contract
	EpochsTransactor // Write-only binding to the contract
	EpochsFilterer   // Log filterer for contract events
}

// EpochsCaller is an auto generated read-only Go binding around an Ethereum contract.
type EpochsCaller struct {
	contract *bind.BoundContract // Generic contract wrapper for the low level calls
}

// EpochsTransactor is an auto generated write-only Go binding around an Ethereum contract.
type EpochsTransactor struct {
	contract *bind.BoundContract // Generic contract wrapper for the low level calls
}

// EpochsFilterer is an auto generated log filtering Go binding around an Ethereum contract events.
type EpochsFilterer struct {
	contract *bind.BoundContract // Generic contract wrapper for the low level calls
}

// EpochsSession is an auto generated Go binding around an Ethereum contract,
// with pre-set call and transact options.
type EpochsSession struct {
	Contract     *Epochs           // Generic contract binding to set the session for
	CallOpts     bind.CallOpts     // Call options to use throughout this session
	TransactOpts bind.TransactOpts // Transaction auth options to use throughout this session
}

// EpochsCallerSession is an auto generated read-only Go binding around an Ethereum contract,
// with pre-set call options.
type EpochsCallerSession struct {
	Contract *EpochsCaller // Generic contract caller binding to set the session for
	CallOpts bind.CallOpts // Call options to use throughout this session
}

// EpochsTransactorSession is an auto generated write-only Go binding around an Ethereum contract,
// with pre-set transact options.
type EpochsTransactorSession struct {
	Contract     *EpochsTransactor // Generic contract transactor binding to set the session for
	TransactOpts bind.TransactOpts // Transaction auth options to use throughout this session
}

// EpochsRaw is an auto generated low-level Go binding around an Ethereum contract.
type EpochsRaw struct {
	Contract *Epochs // Generic contract binding to access the raw methods on
}

// EpochsCallerRaw is an auto generated low-level read-only Go binding around an Ethereum contract.
type EpochsCallerRaw struct {
	Contract *EpochsCaller // Generic read-only contract binding to access the raw methods on
}

// EpochsTransactorRaw is an auto generated low-level write-only Go binding around an Ethereum contract.
type EpochsTransactorRaw struct {
	Contract *EpochsTransactor // Generic write-only contract binding to access the raw methods on
}

// NewEpochs creates a new instance of Epochs, bound to a specific deployed contract.
func NewEpochs(address common.Address, backend bind.ContractBackend) (*Epochs, error) {
	contract, err := bindEpochs(address, backend, backend, backend)
	if err != nil {
		return nil, err
	}
	return &Epochs{EpochsCaller: EpochsCaller{contract: contract}, EpochsTransactor: EpochsTransactor{contract: contract}, EpochsFilterer: EpochsFilterer{contract: contract}}, nil
}

// NewEpochsCaller creates a new read-only instance of Epochs, bound to a specific deployed contract.
func NewEpochsCaller(address common.Address, caller bind.ContractCaller) (*EpochsCaller, error) {
	contract, err := bindEpochs(address, caller, nil, nil)
	if err != nil {
		return nil, err
	}
	return &EpochsCaller{contract: contract}, nil
}

// NewEpochsTransactor creates a new write-only instance of Epochs, bound to a specific deployed contract.
func NewEpochsTransactor(address common.Address, transactor bind.ContractTransactor) (*EpochsTransactor, error) {
	contract, err := bindEpochs(address, nil, transactor, nil)
	if err != nil {
		return nil, err
	}
	return &EpochsTransactor{contract: contract}, nil
}

// NewEpochsFilterer creates a new log filterer instance of Epochs, bound to a specific deployed contract.
func NewEpochsFilterer(address common.Address, filterer bind.ContractFilterer) (*EpochsFilterer, error) {
	contract, err := bindEpochs(address, nil, nil, filterer)
	if err != nil {
		return nil, err
	}
	return &EpochsFilterer{contract: contract}, nil
}

// bindEpochs binds a generic wrapper to an already deployed contract.
func bindEpochs(address common.Address, caller bind.ContractCaller, transactor bind.ContractTransactor, filterer bind.ContractFilterer) (*bind.BoundContract, error) {
	parsed, err := EpochsMetaData.GetAbi()
	if err != nil {
		return nil, err
	}
	return bind.NewBoundContract(address, *parsed, caller, transactor, filterer), nil
}

// Call invokes the (constant) contract method with params as input values and
// sets the output to result. The result type might be a single field for simple
// returns, a slice of interfaces for anonymous returns and a struct for named
// returns.
func (_Epochs *EpochsRaw) Call(opts *bind.CallOpts, result *[]interface{}, method string, params ...interface{}) error {
	return _Epochs.Contract.EpochsCaller.contract.Call(opts, result, method, params...)
}

// Transfer initiates a plain transaction to move funds to the contract, calling
// its default method if one is available.
func (_Epochs *EpochsRaw) Transfer(opts *bind.TransactOpts) (*types.Transaction, error) {
	return _Epochs.Contract.EpochsTransactor.contract.Transfer(opts)
}

// Transact invokes the (paid) contract method with params as input values.
func (_Epochs *EpochsRaw) Transact(opts *bind.TransactOpts, method string, params ...interface{}) (*types.Transaction, error) {
	return _Epochs.Contract.EpochsTransactor.contract.Transact(opts, method, params...)
}

// Call invokes the (constant) contract method with params as input values and
// sets the output to result. The result type might be a single field for simple
// returns, a slice of interfaces for anonymous returns and a struct for named
// returns.
func (_Epochs *EpochsCallerRaw) Call(opts *bind.CallOpts, result *[]interface{}, method string, params ...interface{}) error {
	return _Epochs.Contract.contract.Call(opts, result, method, params...)
}

// Transfer initiates a plain transaction to move funds to the contract, calling
// its default method if one is available.
func (_Epochs *EpochsTransactorRaw) Transfer(opts *bind.TransactOpts) (*types.Transaction, error) {
	return _Epochs.Contract.contract.Transfer(opts)
}

// Transact invokes the (paid) contract method with params as input values.
func (_Epochs *EpochsTransactorRaw) Transact(opts *bind.TransactOpts, method string, params ...interface{}) (*types.Transaction, error) {
	return _Epochs.Contract.contract.Transact(opts, method, params...)
}

// Advancer is a free data retrieval call binding the contract method 0xfb5e6550.
//
// Solidity: function advancer() view returns(address)
func (_Epochs *EpochsCaller) Advancer(opts *bind.CallOpts) (common.Address, error) {
	var out []interface{}
	err := _Epochs.contract.Call(opts, &out, "advancer")

	if err != nil {
		return *new(common.Address), err
	}

	out0 := *abi.ConvertType(out[0], new(common.Address)).(*common.Address)

	return out0, err

}

// Advancer is a free data retrieval call binding the contract method 0xfb5e6550.
//
// Solidity: function advancer() view returns(address)
func (_Epochs *EpochsSession) Advancer() (common.Address, error) {
	return _Epochs.Contract.Advancer(&_Epochs.CallOpts)
}

// Advancer is a free data retrieval call binding the contract method 0xfb5e6550.
//
// Solidity: function advancer() view returns(address)
func (_Epochs *EpochsCallerSession) Advancer() (common.Address, error) {
	return _Epochs.Contract.Advancer(&_Epochs.CallOpts)
}

// Current is a free data retrieval call binding the contract method 0x9fa6a6e3.
//
// Solidity: function current() view returns(uint64)
func (_Epochs *EpochsCaller) Current(opts *bind.CallOpts) (uint64, error) {
	var out []interface{}
	err := _Epochs.contract.Call(opts, &out, "current")

	if err != nil {
		return *new(uint64), err
	}

	out0 := *abi.ConvertType(out[0], new(uint64)).(*uint64)

	return out0, err

}

// Current is a free data retrieval call binding the contract method 0x9fa6a6e3.
//
// Solidity: function current() view returns(uint64)
func (_Epochs *EpochsSession) Current() (uint64, error) {
	return _Epochs.Contract.Current(&_Epochs.CallOpts)
}

// Current is a free data retrieval call binding the contract method 0x9fa6a6e3.
//
// Solidity: function current() view returns(uint64)
func (_Epochs *EpochsCallerSession) Current() (uint64, error) {
	return _Epochs.Contract.Current(&_Epochs.CallOpts)
}

// Genesis is a free data retrieval call binding the contract method 0xa7f0b3de.
//
// Solidity: function genesis() view returns(uint64)
func (_Epochs *EpochsCaller) Genesis(opts *bind.CallOpts) (uint64, error) {
	var out []interface{}
	err := _Epochs.contract.Call(opts, &out, "genesis")

	if err != nil {
		return *new(uint64), err
	}

	out0 := *abi.ConvertType(out[0], new(uint64)).(*uint64)

	return out0, err

}

// Genesis is a free data retrieval call binding the contract method 0xa7f0b3de.
//
// Solidity: function genesis() view returns(uint64)
func (_Epochs *EpochsSession) Genesis() (uint64, error) {
	return _Epochs.Contract.Genesis(&_Epochs.CallOpts)
}

// Genesis is a free data retrieval call binding the contract method 0xa7f0b3de.
//
// Solidity: function genesis() view returns(uint64)
func (_Epochs *EpochsCallerSession) Genesis() (uint64, error) {
	return _Epochs.Contract.Genesis(&_Epochs.CallOpts)
}

// LastSeeded is a free data retrieval call binding the contract method 0x63f92a29.
//
// Solidity: function lastSeeded() view returns(uint64)
func (_Epochs *EpochsCaller) LastSeeded(opts *bind.CallOpts) (uint64, error) {
	var out []interface{}
	err := _Epochs.contract.Call(opts, &out, "lastSeeded")

	if err != nil {
		return *new(uint64), err
	}

	out0 := *abi.ConvertType(out[0], new(uint64)).(*uint64)

	return out0, err

}

// LastSeeded is a free data retrieval call binding the contract method 0x63f92a29.
//
// Solidity: function lastSeeded() view returns(uint64)
func (_Epochs *EpochsSession) LastSeeded() (uint64, error) {
	return _Epochs.Contract.LastSeeded(&_Epochs.CallOpts)
}

// LastSeeded is a free data retrieval call binding the contract method 0x63f92a29.
//
// Solidity: function lastSeeded() view returns(uint64)
func (_Epochs *EpochsCallerSession) LastSeeded() (uint64, error) {
	return _Epochs.Contract.LastSeeded(&_Epochs.CallOpts)
}

// Length is a free data retrieval call binding the contract method 0x1f7b6d32.
//
// Solidity: function length() view returns(uint64)
func (_Epochs *EpochsCaller) Length(opts *bind.CallOpts) (uint64, error) {
	var out []interface{}
	err := _Epochs.contract.Call(opts, &out, "length")

	if err != nil {
		return *new(uint64), err
	}

	out0 := *abi.ConvertType(out[0], new(uint64)).(*uint64)

	return out0, err

}

// Length is a free data retrieval call binding the contract method 0x1f7b6d32.
//
// Solidity: function length() view returns(uint64)
func (_Epochs *EpochsSession) Length() (uint64, error) {
	return _Epochs.Contract.Length(&_Epochs.CallOpts)
}

// Length is a free data retrieval call binding the contract method 0x1f7b6d32.
//
// Solidity: function length() view returns(uint64)
func (_Epochs *EpochsCallerSession) Length() (uint64, error) {
	return _Epochs.Contract.Length(&_Epochs.CallOpts)
}

// SeedOf is a free data retrieval call binding the contract method 0x29316a2a.
//
// Solidity: function seedOf(uint64 epoch) view returns(bytes32)
func (_Epochs *EpochsCaller) SeedOf(opts *bind.CallOpts, epoch uint64) ([32]byte, error) {
	var out []interface{}
	err := _Epochs.contract.Call(opts, &out, "seedOf", epoch)

	if err != nil {
		return *new([32]byte), err
	}

	out0 := *abi.ConvertType(out[0], new([32]byte)).(*[32]byte)

	return out0, err

}

// SeedOf is a free data retrieval call binding the contract method 0x29316a2a.
//
// Solidity: function seedOf(uint64 epoch) view returns(bytes32)
func (_Epochs *EpochsSession) SeedOf(epoch uint64) ([32]byte, error) {
	return _Epochs.Contract.SeedOf(&_Epochs.CallOpts, epoch)
}

// SeedOf is a free data retrieval call binding the contract method 0x29316a2a.
//
// Solidity: function seedOf(uint64 epoch) view returns(bytes32)
func (_Epochs *EpochsCallerSession) SeedOf(epoch uint64) ([32]byte, error) {
	return _Epochs.Contract.SeedOf(&_Epochs.CallOpts, epoch)
}

// Advance is a paid mutator transaction binding the contract method 0x7817f476.
//
// Solidity: function advance(bytes32 randomness) returns(bytes32)
func (_Epochs *EpochsTransactor) Advance(opts *bind.TransactOpts, randomness [32]byte) (*types.Transaction, error) {
	return _Epochs.contract.Transact(opts, "advance", randomness)
}

// Advance is a paid mutator transaction binding the contract method 0x7817f476.
//
// Solidity: function advance(bytes32 randomness) returns(bytes32)
func (_Epochs *EpochsSession) Advance(randomness [32]byte) (*types.Transaction, error) {
	return _Epochs.Contract.Advance(&_Epochs.TransactOpts, randomness)
}

// Advance is a paid mutator transaction binding the contract method 0x7817f476.
//
// Solidity: function advance(bytes32 randomness) returns(bytes32)
func (_Epochs *EpochsTransactorSession) Advance(randomness [32]byte) (*types.Transaction, error) {
	return _Epochs.Contract.Advance(&_Epochs.TransactOpts, randomness)
}

// EpochsEpochSeededIterator is returned from FilterEpochSeeded and is used to iterate over the raw logs and unpacked data for EpochSeeded events raised by the Epochs contract.
type EpochsEpochSeededIterator struct {
	Event *EpochsEpochSeeded // Event containing the contract specifics and raw log

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
func (it *EpochsEpochSeededIterator) Next() bool {
	// If the iterator failed, stop iterating
	if it.fail != nil {
		return false
	}
	// If the iterator completed, deliver directly whatever's available
	if it.done {
		select {
		case log := <-it.logs:
			it.Event = new(EpochsEpochSeeded)
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
		it.Event = new(EpochsEpochSeeded)
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
func (it *EpochsEpochSeededIterator) Error() error {
	return it.fail
}

// Close terminates the iteration process, releasing any pending underlying
// resources.
func (it *EpochsEpochSeededIterator) Close() error {
	it.sub.Unsubscribe()
	return nil
}

// EpochsEpochSeeded represents a EpochSeeded event raised by the Epochs contract.
type EpochsEpochSeeded struct {
	Epoch       uint64
	Seed        [32]byte
	BlockNumber *big.Int
	Raw         types.Log // Blockchain specific contextual infos
}

// FilterEpochSeeded is a free log retrieval operation binding the contract event 0x7dede7f2348789e946bf00b955da6e73c8b3a6962bd2cd86211cbf801c769cd0.
//
// Solidity: event EpochSeeded(uint64 indexed epoch, bytes32 seed, uint256 blockNumber)
func (_Epochs *EpochsFilterer) FilterEpochSeeded(opts *bind.FilterOpts, epoch []uint64) (*EpochsEpochSeededIterator, error) {

	var epochRule []interface{}
	for _, epochItem := range epoch {
		epochRule = append(epochRule, epochItem)
	}

	logs, sub, err := _Epochs.contract.FilterLogs(opts, "EpochSeeded", epochRule)
	if err != nil {
		return nil, err
	}
	return &EpochsEpochSeededIterator{contract: _Epochs.contract, event: "EpochSeeded", logs: logs, sub: sub}, nil
}

// WatchEpochSeeded is a free log subscription operation binding the contract event 0x7dede7f2348789e946bf00b955da6e73c8b3a6962bd2cd86211cbf801c769cd0.
//
// Solidity: event EpochSeeded(uint64 indexed epoch, bytes32 seed, uint256 blockNumber)
func (_Epochs *EpochsFilterer) WatchEpochSeeded(opts *bind.WatchOpts, sink chan<- *EpochsEpochSeeded, epoch []uint64) (event.Subscription, error) {

	var epochRule []interface{}
	for _, epochItem := range epoch {
		epochRule = append(epochRule, epochItem)
	}

	logs, sub, err := _Epochs.contract.WatchLogs(opts, "EpochSeeded", epochRule)
	if err != nil {
		return nil, err
	}
	return event.NewSubscription(func(quit <-chan struct{}) error {
		defer sub.Unsubscribe()
		for {
			select {
			case log := <-logs:
				// New log arrived, parse the event and forward to the user
				event := new(EpochsEpochSeeded)
				if err := _Epochs.contract.UnpackLog(event, "EpochSeeded", log); err != nil {
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

// ParseEpochSeeded is a log parse operation binding the contract event 0x7dede7f2348789e946bf00b955da6e73c8b3a6962bd2cd86211cbf801c769cd0.
//
// Solidity: event EpochSeeded(uint64 indexed epoch, bytes32 seed, uint256 blockNumber)
func (_Epochs *EpochsFilterer) ParseEpochSeeded(log types.Log) (*EpochsEpochSeeded, error) {
	event := new(EpochsEpochSeeded)
	if err := _Epochs.contract.UnpackLog(event, "EpochSeeded", log); err != nil {
		return nil, err
	}
	event.Raw = log
	return event, nil
}
