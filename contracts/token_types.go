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

// TokenTypesTokenType is an auto generated low-level Go binding around an user-defined struct.
type TokenTypesTokenType struct {
	Issuer    common.Address
	Bundle    [32]byte
	PaidUntil uint64
	Name      string
}

// TokenTypesMetaData contains all meta data concerning the TokenTypes contract.
var TokenTypesMetaData = &bind.MetaData{
	ABI: "[{\"inputs\":[{\"internalType\":\"contractIERC20\",\"name\":\"token\",\"type\":\"address\"},{\"internalType\":\"contractEpochs\",\"name\":\"epochsContract\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"perEpoch\",\"type\":\"uint256\"}],\"stateMutability\":\"nonpayable\",\"type\":\"constructor\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"bundle\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"id\",\"type\":\"bytes32\"}],\"name\":\"BundleTaken\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"NameInvalid\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"caller\",\"type\":\"address\"}],\"name\":\"NotIssuer\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"amount\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"perEpoch\",\"type\":\"uint256\"}],\"name\":\"RentTooSmall\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint8\",\"name\":\"bits\",\"type\":\"uint8\"},{\"internalType\":\"uint256\",\"name\":\"value\",\"type\":\"uint256\"}],\"name\":\"SafeCastOverflowedUintDowncast\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"token\",\"type\":\"address\"}],\"name\":\"SafeERC20FailedOperation\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"id\",\"type\":\"bytes32\"}],\"name\":\"TypeExists\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"id\",\"type\":\"bytes32\"}],\"name\":\"UnknownType\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"ZeroRent\",\"type\":\"error\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"bytes32\",\"name\":\"id\",\"type\":\"bytes32\"},{\"indexed\":false,\"internalType\":\"bytes32\",\"name\":\"oldBundle\",\"type\":\"bytes32\"},{\"indexed\":false,\"internalType\":\"bytes32\",\"name\":\"newBundle\",\"type\":\"bytes32\"}],\"name\":\"BundleUpdated\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"bytes32\",\"name\":\"id\",\"type\":\"bytes32\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"payer\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"amount\",\"type\":\"uint256\"},{\"indexed\":false,\"internalType\":\"uint64\",\"name\":\"paidUntil\",\"type\":\"uint64\"}],\"name\":\"RentPaid\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"bytes32\",\"name\":\"id\",\"type\":\"bytes32\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"issuer\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"string\",\"name\":\"name\",\"type\":\"string\"},{\"indexed\":false,\"internalType\":\"bytes32\",\"name\":\"bundle\",\"type\":\"bytes32\"},{\"indexed\":false,\"internalType\":\"uint64\",\"name\":\"paidUntil\",\"type\":\"uint64\"}],\"name\":\"TypeRegistered\",\"type\":\"event\"},{\"inputs\":[],\"name\":\"MAX_NAME\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"id\",\"type\":\"bytes32\"}],\"name\":\"active\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"epochs\",\"outputs\":[{\"internalType\":\"contractEpochs\",\"name\":\"\",\"type\":\"address\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"id\",\"type\":\"bytes32\"},{\"internalType\":\"uint256\",\"name\":\"amount\",\"type\":\"uint256\"}],\"name\":\"payRent\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"string\",\"name\":\"name\",\"type\":\"string\"},{\"internalType\":\"bytes32\",\"name\":\"bundle\",\"type\":\"bytes32\"},{\"internalType\":\"uint256\",\"name\":\"rent\",\"type\":\"uint256\"}],\"name\":\"register\",\"outputs\":[{\"internalType\":\"bytes32\",\"name\":\"id\",\"type\":\"bytes32\"}],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"rentPerEpoch\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"serviceToken\",\"outputs\":[{\"internalType\":\"contractIERC20\",\"name\":\"\",\"type\":\"address\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"issuer\",\"type\":\"address\"},{\"internalType\":\"string\",\"name\":\"name\",\"type\":\"string\"}],\"name\":\"typeId\",\"outputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"stateMutability\":\"pure\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"id\",\"type\":\"bytes32\"}],\"name\":\"typeOf\",\"outputs\":[{\"components\":[{\"internalType\":\"address\",\"name\":\"issuer\",\"type\":\"address\"},{\"internalType\":\"bytes32\",\"name\":\"bundle\",\"type\":\"bytes32\"},{\"internalType\":\"uint64\",\"name\":\"paidUntil\",\"type\":\"uint64\"},{\"internalType\":\"string\",\"name\":\"name\",\"type\":\"string\"}],\"internalType\":\"structTokenTypes.TokenType\",\"name\":\"\",\"type\":\"tuple\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"\",\"type\":\"address\"},{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"name\":\"typeOfBundle\",\"outputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"id\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"bundle\",\"type\":\"bytes32\"}],\"name\":\"updateBundle\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"}]",
	Bin: "0x60e060405234801561000f575f5ffd5b506040516111d63803806111d683398101604081905261002e91610080565b805f0361004e5760405163077e804d60e41b815260040160405180910390fd5b6001600160a01b03928316608052911660a05260c0526100c0565b6001600160a01b038116811461007d575f5ffd5b50565b5f5f5f60608486031215610092575f5ffd5b835161009d81610069565b60208501519093506100ae81610069565b80925050604084015190509250925092565b60805160a05160c0516110ae6101285f395f818161016501528181610a2001528181610a5c01528181610a900152610ac101525f818160fe01528181610328015281816107db01526108b501525f818161018c015281816104ad015261099801526110ae5ff3fe608060405234801561000f575f5ffd5b50600436106100a5575f3560e01c8063961d14fc1161006e578063961d14fc14610160578063b769296814610187578063c297b8fa146101ae578063d5ab4d6d146101c3578063e26e4cf9146101d6578063fbe164c3146101f9575f5ffd5b8062882f57146100a957806328ba09b6146100cf57806358152d07146100f95780635a94619214610138578063756bf25414610158575b5f5ffd5b6100bc6100b7366004610bfb565b61020c565b6040519081526020015b60405180910390f35b6100bc6100dd366004610c8e565b600160209081525f928352604080842090915290825290205481565b6101207f000000000000000000000000000000000000000000000000000000000000000081565b6040516001600160a01b0390911681526020016100c6565b61014b610146366004610cb6565b610530565b6040516100c69190610cfb565b6100bc604081565b6100bc7f000000000000000000000000000000000000000000000000000000000000000081565b6101207f000000000000000000000000000000000000000000000000000000000000000081565b6101c16101bc366004610d4c565b610636565b005b6100bc6101d1366004610d80565b610765565b6101e96101e4366004610cb6565b610798565b60405190151581526020016100c6565b6101c1610207366004610d4c565b61086b565b5f83158061021a5750604084115b1561023857604051633e51901360e11b815260040160405180910390fd5b6102773386868080601f0160208091040260200160405190810160405280939291908181526020018383808284375f9201919091525061076592505050565b5f818152602081905260409020549091506001600160a01b0316156102b75760405163105a4c6360e21b8152600481018290526024015b60405180910390fd5b335f9081526001602090815260408083208684529091529020541561031557335f90815260016020908152604080832086845290915290819020549051635704fdb560e01b81526102ae918591600401918252602082015260400190565b5f5f61032084610a1c565b915091505f827f00000000000000000000000000000000000000000000000000000000000000006001600160a01b0316639fa6a6e36040518163ffffffff1660e01b8152600401602060405180830381865afa158015610382573d5f5f3e3d5ffd5b505050506040513d601f19601f820116820180604052508101906103a69190610e41565b6103b09190610e7b565b90506040518060800160405280336001600160a01b03168152602001878152602001826001600160401b0316815260200189898080601f0160208091040260200160405190810160405280939291908181526020018383808284375f9201829052509390945250508681526020818152604091829020845181546001600160a01b0319166001600160a01b039091161781559084015160018201559083015160028201805467ffffffffffffffff19166001600160401b03909216919091179055606083015190915060038201906104889082610f1e565b5050335f8181526001602090815260408083208b845290915290208690556104dd91507f00000000000000000000000000000000000000000000000000000000000000006001600160a01b0316903085610af6565b336001600160a01b0316847f169d507f3a6a4b33303e23aa56799bcf0fc7354e33789f03cd7c74df0644189e8a8a8a8660405161051d9493929190610fd8565b60405180910390a3505050949350505050565b604080516080810182525f80825260208201819052918101919091526060808201525f8281526020818152604091829020825160808101845281546001600160a01b0316815260018201549281019290925260028101546001600160401b0316928201929092526003820180549192916060840191906105af90610e9a565b80601f01602080910402602001604051908101604052809291908181526020018280546105db90610e9a565b80156106265780601f106105fd57610100808354040283529160200191610626565b820191905f5260205f20905b81548152906001019060200180831161060957829003601f168201915b5050505050815250509050919050565b5f82815260208190526040902080546001600160a01b031661066e57604051637b4364b360e11b8152600481018490526024016102ae565b80546001600160a01b0316331461069a57604051631fe937cf60e11b81523360048201526024016102ae565b335f908152600160209081526040808320858452909152902054156106f857335f90815260016020908152604080832085845290915290819020549051635704fdb560e01b81526102ae918491600401918252602082015260400190565b60018181018054335f9081526020938452604080822083835285528082208290559286905585815282902086905581518181529283018590529185917f8ccecb8f5a5adff9afae974deec16b710c1a0ae7b28312baa146a8ce6e5e4cf3910160405180910390a250505050565b5f828260405160200161077992919061101f565b6040516020818303038152906040528051906020012090505b92915050565b5f81815260208190526040812080546001600160a01b0316158015906108645750806002015f9054906101000a90046001600160401b03166001600160401b03167f00000000000000000000000000000000000000000000000000000000000000006001600160a01b0316639fa6a6e36040518163ffffffff1660e01b8152600401602060405180830381865afa158015610835573d5f5f3e3d5ffd5b505050506040513d601f19601f820116820180604052508101906108599190610e41565b6001600160401b0316105b9392505050565b5f82815260208190526040902080546001600160a01b03166108a357604051637b4364b360e11b8152600481018490526024016102ae565b5f5f6108ae84610a1c565b915091505f7f00000000000000000000000000000000000000000000000000000000000000006001600160a01b0316639fa6a6e36040518163ffffffff1660e01b8152600401602060405180830381865afa15801561090f573d5f5f3e3d5ffd5b505050506040513d601f19601f820116820180604052508101906109339190610e41565b60028501549091505f906001600160401b038084169116116109555781610964565b60028501546001600160401b03165b90506109708482610e7b565b60028601805467ffffffffffffffff19166001600160401b03929092169190911790556109c87f00000000000000000000000000000000000000000000000000000000000000006001600160a01b0316333086610af6565b6002850154604080518581526001600160401b039092166020830152339189917f1c0b0a86678e369731ef3c5f8b94d8cecaffc8d75b0335c2cf6e434918ef87cd910160405180910390a350505050505050565b5f5f7f0000000000000000000000000000000000000000000000000000000000000000831015610a8857604051630998f0fb60e11b8152600481018490527f000000000000000000000000000000000000000000000000000000000000000060248201526044016102ae565b610aba610ab57f000000000000000000000000000000000000000000000000000000000000000085611042565b610b56565b9150610aef7f00000000000000000000000000000000000000000000000000000000000000006001600160401b038416611061565b9050915091565b604080516001600160a01b0385811660248301528416604482015260648082018490528251808303909101815260849091019091526020810180516001600160e01b03166323b872dd60e01b179052610b50908590610b8f565b50505050565b5f6001600160401b03821115610b8b57604080516306dfcc6560e41b81526004810191909152602481018390526044016102ae565b5090565b5f5f60205f8451602086015f885af180610bae576040513d5f823e3d81fd5b50505f513d91508115610bc5578060011415610bd2565b6001600160a01b0384163b155b15610b5057604051635274afe760e01b81526001600160a01b03851660048201526024016102ae565b5f5f5f5f60608587031215610c0e575f5ffd5b84356001600160401b03811115610c23575f5ffd5b8501601f81018713610c33575f5ffd5b80356001600160401b03811115610c48575f5ffd5b876020828401011115610c59575f5ffd5b602091820198909750908601359560400135945092505050565b80356001600160a01b0381168114610c89575f5ffd5b919050565b5f5f60408385031215610c9f575f5ffd5b610ca883610c73565b946020939093013593505050565b5f60208284031215610cc6575f5ffd5b5035919050565b5f81518084528060208401602086015e5f602082860101526020601f19601f83011685010191505092915050565b6020815260018060a01b038251166020820152602082015160408201526001600160401b0360408301511660608201525f6060830151608080840152610d4460a0840182610ccd565b949350505050565b5f5f60408385031215610d5d575f5ffd5b50508035926020909101359150565b634e487b7160e01b5f52604160045260245ffd5b5f5f60408385031215610d91575f5ffd5b610d9a83610c73565b915060208301356001600160401b03811115610db4575f5ffd5b8301601f81018513610dc4575f5ffd5b80356001600160401b03811115610ddd57610ddd610d6c565b604051601f8201601f19908116603f011681016001600160401b0381118282101715610e0b57610e0b610d6c565b604052818152828201602001871015610e22575f5ffd5b816020840160208301375f602083830101528093505050509250929050565b5f60208284031215610e51575f5ffd5b81516001600160401b0381168114610864575f5ffd5b634e487b7160e01b5f52601160045260245ffd5b6001600160401b03818116838216019081111561079257610792610e67565b600181811c90821680610eae57607f821691505b602082108103610ecc57634e487b7160e01b5f52602260045260245ffd5b50919050565b601f821115610f1957805f5260205f20601f840160051c81016020851015610ef75750805b601f840160051c820191505b81811015610f16575f8155600101610f03565b50505b505050565b81516001600160401b03811115610f3757610f37610d6c565b610f4b81610f458454610e9a565b84610ed2565b6020601f821160018114610f7d575f8315610f665750848201515b5f19600385901b1c1916600184901b178455610f16565b5f84815260208120601f198516915b82811015610fac5787850151825560209485019460019092019101610f8c565b5084821015610fc957868401515f19600387901b60f8161c191681555b50505050600190811b01905550565b60608152836060820152838560808301375f608085830101525f6080601f19601f87011683010190508360208301526001600160401b038316604083015295945050505050565b6001600160a01b03831681526040602082018190525f90610d4490830184610ccd565b5f8261105c57634e487b7160e01b5f52601260045260245ffd5b500490565b808202811582820484141761079257610792610e6756fea264697066735822122006b4d918205b74a71e7fb9763ec5d3882a940f75b58e08b2d594d3693b0ee1e664736f6c634300081c0033",
}

// TokenTypesABI is the input ABI used to generate the binding from.
// Deprecated: Use TokenTypesMetaData.ABI instead.
var TokenTypesABI = TokenTypesMetaData.ABI

// TokenTypesBin is the compiled bytecode used for deploying new contracts.
// Deprecated: Use TokenTypesMetaData.Bin instead.
var TokenTypesBin = TokenTypesMetaData.Bin

// DeployTokenTypes deploys a new Ethereum contract, binding an instance of TokenTypes to it.
func DeployTokenTypes(auth *bind.TransactOpts, backend bind.ContractBackend, token common.Address, epochsContract common.Address, perEpoch *big.Int) (common.Address, *types.Transaction, *TokenTypes, error) {
	parsed, err := TokenTypesMetaData.GetAbi()
	if err != nil {
		return common.Address{}, nil, nil, err
	}
	if parsed == nil {
		return common.Address{}, nil, nil, errors.New("GetABI returned nil")
	}

	address, tx, contract, err := bind.DeployContract(auth, *parsed, common.FromHex(TokenTypesBin), backend, token, epochsContract, perEpoch)
	if err != nil {
		return common.Address{}, nil, nil, err
	}
	return address, tx, &TokenTypes{TokenTypesCaller: TokenTypesCaller{contract: contract}, TokenTypesTransactor: TokenTypesTransactor{contract: contract}, TokenTypesFilterer: TokenTypesFilterer{contract: contract}}, nil
}

// TokenTypes is an auto generated Go binding around an Ethereum contract.
type TokenTypes struct {
	TokenTypesCaller     // Read-only binding to the contract
	TokenTypesTransactor // Write-only binding to the contract
	TokenTypesFilterer   // Log filterer for contract events
}

// TokenTypesCaller is an auto generated read-only Go binding around an Ethereum contract.
type TokenTypesCaller struct {
	contract *bind.BoundContract // Generic contract wrapper for the low level calls
}

// TokenTypesTransactor is an auto generated write-only Go binding around an Ethereum contract.
type TokenTypesTransactor struct {
	contract *bind.BoundContract // Generic contract wrapper for the low level calls
}

// TokenTypesFilterer is an auto generated log filtering Go binding around an Ethereum contract events.
type TokenTypesFilterer struct {
	contract *bind.BoundContract // Generic contract wrapper for the low level calls
}

// TokenTypesSession is an auto generated Go binding around an Ethereum contract,
// with pre-set call and transact options.
type TokenTypesSession struct {
	Contract     *TokenTypes       // Generic contract binding to set the session for
	CallOpts     bind.CallOpts     // Call options to use throughout this session
	TransactOpts bind.TransactOpts // Transaction auth options to use throughout this session
}

// TokenTypesCallerSession is an auto generated read-only Go binding around an Ethereum contract,
// with pre-set call options.
type TokenTypesCallerSession struct {
	Contract *TokenTypesCaller // Generic contract caller binding to set the session for
	CallOpts bind.CallOpts     // Call options to use throughout this session
}

// TokenTypesTransactorSession is an auto generated write-only Go binding around an Ethereum contract,
// with pre-set transact options.
type TokenTypesTransactorSession struct {
	Contract     *TokenTypesTransactor // Generic contract transactor binding to set the session for
	TransactOpts bind.TransactOpts     // Transaction auth options to use throughout this session
}

// TokenTypesRaw is an auto generated low-level Go binding around an Ethereum contract.
type TokenTypesRaw struct {
	Contract *TokenTypes // Generic contract binding to access the raw methods on
}

// TokenTypesCallerRaw is an auto generated low-level read-only Go binding around an Ethereum contract.
type TokenTypesCallerRaw struct {
	Contract *TokenTypesCaller // Generic read-only contract binding to access the raw methods on
}

// TokenTypesTransactorRaw is an auto generated low-level write-only Go binding around an Ethereum contract.
type TokenTypesTransactorRaw struct {
	Contract *TokenTypesTransactor // Generic write-only contract binding to access the raw methods on
}

// NewTokenTypes creates a new instance of TokenTypes, bound to a specific deployed contract.
func NewTokenTypes(address common.Address, backend bind.ContractBackend) (*TokenTypes, error) {
	contract, err := bindTokenTypes(address, backend, backend, backend)
	if err != nil {
		return nil, err
	}
	return &TokenTypes{TokenTypesCaller: TokenTypesCaller{contract: contract}, TokenTypesTransactor: TokenTypesTransactor{contract: contract}, TokenTypesFilterer: TokenTypesFilterer{contract: contract}}, nil
}

// NewTokenTypesCaller creates a new read-only instance of TokenTypes, bound to a specific deployed contract.
func NewTokenTypesCaller(address common.Address, caller bind.ContractCaller) (*TokenTypesCaller, error) {
	contract, err := bindTokenTypes(address, caller, nil, nil)
	if err != nil {
		return nil, err
	}
	return &TokenTypesCaller{contract: contract}, nil
}

// NewTokenTypesTransactor creates a new write-only instance of TokenTypes, bound to a specific deployed contract.
func NewTokenTypesTransactor(address common.Address, transactor bind.ContractTransactor) (*TokenTypesTransactor, error) {
	contract, err := bindTokenTypes(address, nil, transactor, nil)
	if err != nil {
		return nil, err
	}
	return &TokenTypesTransactor{contract: contract}, nil
}

// NewTokenTypesFilterer creates a new log filterer instance of TokenTypes, bound to a specific deployed contract.
func NewTokenTypesFilterer(address common.Address, filterer bind.ContractFilterer) (*TokenTypesFilterer, error) {
	contract, err := bindTokenTypes(address, nil, nil, filterer)
	if err != nil {
		return nil, err
	}
	return &TokenTypesFilterer{contract: contract}, nil
}

// bindTokenTypes binds a generic wrapper to an already deployed contract.
func bindTokenTypes(address common.Address, caller bind.ContractCaller, transactor bind.ContractTransactor, filterer bind.ContractFilterer) (*bind.BoundContract, error) {
	parsed, err := TokenTypesMetaData.GetAbi()
	if err != nil {
		return nil, err
	}
	return bind.NewBoundContract(address, *parsed, caller, transactor, filterer), nil
}

// Call invokes the (constant) contract method with params as input values and
// sets the output to result. The result type might be a single field for simple
// returns, a slice of interfaces for anonymous returns and a struct for named
// returns.
func (_TokenTypes *TokenTypesRaw) Call(opts *bind.CallOpts, result *[]interface{}, method string, params ...interface{}) error {
	return _TokenTypes.Contract.TokenTypesCaller.contract.Call(opts, result, method, params...)
}

// Transfer initiates a plain transaction to move funds to the contract, calling
// its default method if one is available.
func (_TokenTypes *TokenTypesRaw) Transfer(opts *bind.TransactOpts) (*types.Transaction, error) {
	return _TokenTypes.Contract.TokenTypesTransactor.contract.Transfer(opts)
}

// Transact invokes the (paid) contract method with params as input values.
func (_TokenTypes *TokenTypesRaw) Transact(opts *bind.TransactOpts, method string, params ...interface{}) (*types.Transaction, error) {
	return _TokenTypes.Contract.TokenTypesTransactor.contract.Transact(opts, method, params...)
}

// Call invokes the (constant) contract method with params as input values and
// sets the output to result. The result type might be a single field for simple
// returns, a slice of interfaces for anonymous returns and a struct for named
// returns.
func (_TokenTypes *TokenTypesCallerRaw) Call(opts *bind.CallOpts, result *[]interface{}, method string, params ...interface{}) error {
	return _TokenTypes.Contract.contract.Call(opts, result, method, params...)
}

// Transfer initiates a plain transaction to move funds to the contract, calling
// its default method if one is available.
func (_TokenTypes *TokenTypesTransactorRaw) Transfer(opts *bind.TransactOpts) (*types.Transaction, error) {
	return _TokenTypes.Contract.contract.Transfer(opts)
}

// Transact invokes the (paid) contract method with params as input values.
func (_TokenTypes *TokenTypesTransactorRaw) Transact(opts *bind.TransactOpts, method string, params ...interface{}) (*types.Transaction, error) {
	return _TokenTypes.Contract.contract.Transact(opts, method, params...)
}

// MAXNAME is a free data retrieval call binding the contract method 0x756bf254.
//
// Solidity: function MAX_NAME() view returns(uint256)
func (_TokenTypes *TokenTypesCaller) MAXNAME(opts *bind.CallOpts) (*big.Int, error) {
	var out []interface{}
	err := _TokenTypes.contract.Call(opts, &out, "MAX_NAME")

	if err != nil {
		return *new(*big.Int), err
	}

	out0 := *abi.ConvertType(out[0], new(*big.Int)).(**big.Int)

	return out0, err

}

// MAXNAME is a free data retrieval call binding the contract method 0x756bf254.
//
// Solidity: function MAX_NAME() view returns(uint256)
func (_TokenTypes *TokenTypesSession) MAXNAME() (*big.Int, error) {
	return _TokenTypes.Contract.MAXNAME(&_TokenTypes.CallOpts)
}

// MAXNAME is a free data retrieval call binding the contract method 0x756bf254.
//
// Solidity: function MAX_NAME() view returns(uint256)
func (_TokenTypes *TokenTypesCallerSession) MAXNAME() (*big.Int, error) {
	return _TokenTypes.Contract.MAXNAME(&_TokenTypes.CallOpts)
}

// Active is a free data retrieval call binding the contract method 0xe26e4cf9.
//
// Solidity: function active(bytes32 id) view returns(bool)
func (_TokenTypes *TokenTypesCaller) Active(opts *bind.CallOpts, id [32]byte) (bool, error) {
	var out []interface{}
	err := _TokenTypes.contract.Call(opts, &out, "active", id)

	if err != nil {
		return *new(bool), err
	}

	out0 := *abi.ConvertType(out[0], new(bool)).(*bool)

	return out0, err

}

// Active is a free data retrieval call binding the contract method 0xe26e4cf9.
//
// Solidity: function active(bytes32 id) view returns(bool)
func (_TokenTypes *TokenTypesSession) Active(id [32]byte) (bool, error) {
	return _TokenTypes.Contract.Active(&_TokenTypes.CallOpts, id)
}

// Active is a free data retrieval call binding the contract method 0xe26e4cf9.
//
// Solidity: function active(bytes32 id) view returns(bool)
func (_TokenTypes *TokenTypesCallerSession) Active(id [32]byte) (bool, error) {
	return _TokenTypes.Contract.Active(&_TokenTypes.CallOpts, id)
}

// Epochs is a free data retrieval call binding the contract method 0x58152d07.
//
// Solidity: function epochs() view returns(address)
func (_TokenTypes *TokenTypesCaller) Epochs(opts *bind.CallOpts) (common.Address, error) {
	var out []interface{}
	err := _TokenTypes.contract.Call(opts, &out, "epochs")

	if err != nil {
		return *new(common.Address), err
	}

	out0 := *abi.ConvertType(out[0], new(common.Address)).(*common.Address)

	return out0, err

}

// Epochs is a free data retrieval call binding the contract method 0x58152d07.
//
// Solidity: function epochs() view returns(address)
func (_TokenTypes *TokenTypesSession) Epochs() (common.Address, error) {
	return _TokenTypes.Contract.Epochs(&_TokenTypes.CallOpts)
}

// Epochs is a free data retrieval call binding the contract method 0x58152d07.
//
// Solidity: function epochs() view returns(address)
func (_TokenTypes *TokenTypesCallerSession) Epochs() (common.Address, error) {
	return _TokenTypes.Contract.Epochs(&_TokenTypes.CallOpts)
}

// RentPerEpoch is a free data retrieval call binding the contract method 0x961d14fc.
//
// Solidity: function rentPerEpoch() view returns(uint256)
func (_TokenTypes *TokenTypesCaller) RentPerEpoch(opts *bind.CallOpts) (*big.Int, error) {
	var out []interface{}
	err := _TokenTypes.contract.Call(opts, &out, "rentPerEpoch")

	if err != nil {
		return *new(*big.Int), err
	}

	out0 := *abi.ConvertType(out[0], new(*big.Int)).(**big.Int)

	return out0, err

}

// RentPerEpoch is a free data retrieval call binding the contract method 0x961d14fc.
//
// Solidity: function rentPerEpoch() view returns(uint256)
func (_TokenTypes *TokenTypesSession) RentPerEpoch() (*big.Int, error) {
	return _TokenTypes.Contract.RentPerEpoch(&_TokenTypes.CallOpts)
}

// RentPerEpoch is a free data retrieval call binding the contract method 0x961d14fc.
//
// Solidity: function rentPerEpoch() view returns(uint256)
func (_TokenTypes *TokenTypesCallerSession) RentPerEpoch() (*big.Int, error) {
	return _TokenTypes.Contract.RentPerEpoch(&_TokenTypes.CallOpts)
}

// ServiceToken is a free data retrieval call binding the contract method 0xb7692968.
//
// Solidity: function serviceToken() view returns(address)
func (_TokenTypes *TokenTypesCaller) ServiceToken(opts *bind.CallOpts) (common.Address, error) {
	var out []interface{}
	err := _TokenTypes.contract.Call(opts, &out, "serviceToken")

	if err != nil {
		return *new(common.Address), err
	}

	out0 := *abi.ConvertType(out[0], new(common.Address)).(*common.Address)

	return out0, err

}

// ServiceToken is a free data retrieval call binding the contract method 0xb7692968.
//
// Solidity: function serviceToken() view returns(address)
func (_TokenTypes *TokenTypesSession) ServiceToken() (common.Address, error) {
	return _TokenTypes.Contract.ServiceToken(&_TokenTypes.CallOpts)
}

// ServiceToken is a free data retrieval call binding the contract method 0xb7692968.
//
// Solidity: function serviceToken() view returns(address)
func (_TokenTypes *TokenTypesCallerSession) ServiceToken() (common.Address, error) {
	return _TokenTypes.Contract.ServiceToken(&_TokenTypes.CallOpts)
}

// TypeId is a free data retrieval call binding the contract method 0xd5ab4d6d.
//
// Solidity: function typeId(address issuer, string name) pure returns(bytes32)
func (_TokenTypes *TokenTypesCaller) TypeId(opts *bind.CallOpts, issuer common.Address, name string) ([32]byte, error) {
	var out []interface{}
	err := _TokenTypes.contract.Call(opts, &out, "typeId", issuer, name)

	if err != nil {
		return *new([32]byte), err
	}

	out0 := *abi.ConvertType(out[0], new([32]byte)).(*[32]byte)

	return out0, err

}

// TypeId is a free data retrieval call binding the contract method 0xd5ab4d6d.
//
// Solidity: function typeId(address issuer, string name) pure returns(bytes32)
func (_TokenTypes *TokenTypesSession) TypeId(issuer common.Address, name string) ([32]byte, error) {
	return _TokenTypes.Contract.TypeId(&_TokenTypes.CallOpts, issuer, name)
}

// TypeId is a free data retrieval call binding the contract method 0xd5ab4d6d.
//
// Solidity: function typeId(address issuer, string name) pure returns(bytes32)
func (_TokenTypes *TokenTypesCallerSession) TypeId(issuer common.Address, name string) ([32]byte, error) {
	return _TokenTypes.Contract.TypeId(&_TokenTypes.CallOpts, issuer, name)
}

// TypeOf is a free data retrieval call binding the contract method 0x5a946192.
//
// Solidity: function typeOf(bytes32 id) view returns((address,bytes32,uint64,string))
func (_TokenTypes *TokenTypesCaller) TypeOf(opts *bind.CallOpts, id [32]byte) (TokenTypesTokenType, error) {
	var out []interface{}
	err := _TokenTypes.contract.Call(opts, &out, "typeOf", id)

	if err != nil {
		return *new(TokenTypesTokenType), err
	}

	out0 := *abi.ConvertType(out[0], new(TokenTypesTokenType)).(*TokenTypesTokenType)

	return out0, err

}

// TypeOf is a free data retrieval call binding the contract method 0x5a946192.
//
// Solidity: function typeOf(bytes32 id) view returns((address,bytes32,uint64,string))
func (_TokenTypes *TokenTypesSession) TypeOf(id [32]byte) (TokenTypesTokenType, error) {
	return _TokenTypes.Contract.TypeOf(&_TokenTypes.CallOpts, id)
}

// TypeOf is a free data retrieval call binding the contract method 0x5a946192.
//
// Solidity: function typeOf(bytes32 id) view returns((address,bytes32,uint64,string))
func (_TokenTypes *TokenTypesCallerSession) TypeOf(id [32]byte) (TokenTypesTokenType, error) {
	return _TokenTypes.Contract.TypeOf(&_TokenTypes.CallOpts, id)
}

// TypeOfBundle is a free data retrieval call binding the contract method 0x28ba09b6.
//
// Solidity: function typeOfBundle(address , bytes32 ) view returns(bytes32)
func (_TokenTypes *TokenTypesCaller) TypeOfBundle(opts *bind.CallOpts, arg0 common.Address, arg1 [32]byte) ([32]byte, error) {
	var out []interface{}
	err := _TokenTypes.contract.Call(opts, &out, "typeOfBundle", arg0, arg1)

	if err != nil {
		return *new([32]byte), err
	}

	out0 := *abi.ConvertType(out[0], new([32]byte)).(*[32]byte)

	return out0, err

}

// TypeOfBundle is a free data retrieval call binding the contract method 0x28ba09b6.
//
// Solidity: function typeOfBundle(address , bytes32 ) view returns(bytes32)
func (_TokenTypes *TokenTypesSession) TypeOfBundle(arg0 common.Address, arg1 [32]byte) ([32]byte, error) {
	return _TokenTypes.Contract.TypeOfBundle(&_TokenTypes.CallOpts, arg0, arg1)
}

// TypeOfBundle is a free data retrieval call binding the contract method 0x28ba09b6.
//
// Solidity: function typeOfBundle(address , bytes32 ) view returns(bytes32)
func (_TokenTypes *TokenTypesCallerSession) TypeOfBundle(arg0 common.Address, arg1 [32]byte) ([32]byte, error) {
	return _TokenTypes.Contract.TypeOfBundle(&_TokenTypes.CallOpts, arg0, arg1)
}

// PayRent is a paid mutator transaction binding the contract method 0xfbe164c3.
//
// Solidity: function payRent(bytes32 id, uint256 amount) returns()
func (_TokenTypes *TokenTypesTransactor) PayRent(opts *bind.TransactOpts, id [32]byte, amount *big.Int) (*types.Transaction, error) {
	return _TokenTypes.contract.Transact(opts, "payRent", id, amount)
}

// PayRent is a paid mutator transaction binding the contract method 0xfbe164c3.
//
// Solidity: function payRent(bytes32 id, uint256 amount) returns()
func (_TokenTypes *TokenTypesSession) PayRent(id [32]byte, amount *big.Int) (*types.Transaction, error) {
	return _TokenTypes.Contract.PayRent(&_TokenTypes.TransactOpts, id, amount)
}

// PayRent is a paid mutator transaction binding the contract method 0xfbe164c3.
//
// Solidity: function payRent(bytes32 id, uint256 amount) returns()
func (_TokenTypes *TokenTypesTransactorSession) PayRent(id [32]byte, amount *big.Int) (*types.Transaction, error) {
	return _TokenTypes.Contract.PayRent(&_TokenTypes.TransactOpts, id, amount)
}

// Register is a paid mutator transaction binding the contract method 0x00882f57.
//
// Solidity: function register(string name, bytes32 bundle, uint256 rent) returns(bytes32 id)
func (_TokenTypes *TokenTypesTransactor) Register(opts *bind.TransactOpts, name string, bundle [32]byte, rent *big.Int) (*types.Transaction, error) {
	return _TokenTypes.contract.Transact(opts, "register", name, bundle, rent)
}

// Register is a paid mutator transaction binding the contract method 0x00882f57.
//
// Solidity: function register(string name, bytes32 bundle, uint256 rent) returns(bytes32 id)
func (_TokenTypes *TokenTypesSession) Register(name string, bundle [32]byte, rent *big.Int) (*types.Transaction, error) {
	return _TokenTypes.Contract.Register(&_TokenTypes.TransactOpts, name, bundle, rent)
}

// Register is a paid mutator transaction binding the contract method 0x00882f57.
//
// Solidity: function register(string name, bytes32 bundle, uint256 rent) returns(bytes32 id)
func (_TokenTypes *TokenTypesTransactorSession) Register(name string, bundle [32]byte, rent *big.Int) (*types.Transaction, error) {
	return _TokenTypes.Contract.Register(&_TokenTypes.TransactOpts, name, bundle, rent)
}

// UpdateBundle is a paid mutator transaction binding the contract method 0xc297b8fa.
//
// Solidity: function updateBundle(bytes32 id, bytes32 bundle) returns()
func (_TokenTypes *TokenTypesTransactor) UpdateBundle(opts *bind.TransactOpts, id [32]byte, bundle [32]byte) (*types.Transaction, error) {
	return _TokenTypes.contract.Transact(opts, "updateBundle", id, bundle)
}

// UpdateBundle is a paid mutator transaction binding the contract method 0xc297b8fa.
//
// Solidity: function updateBundle(bytes32 id, bytes32 bundle) returns()
func (_TokenTypes *TokenTypesSession) UpdateBundle(id [32]byte, bundle [32]byte) (*types.Transaction, error) {
	return _TokenTypes.Contract.UpdateBundle(&_TokenTypes.TransactOpts, id, bundle)
}

// UpdateBundle is a paid mutator transaction binding the contract method 0xc297b8fa.
//
// Solidity: function updateBundle(bytes32 id, bytes32 bundle) returns()
func (_TokenTypes *TokenTypesTransactorSession) UpdateBundle(id [32]byte, bundle [32]byte) (*types.Transaction, error) {
	return _TokenTypes.Contract.UpdateBundle(&_TokenTypes.TransactOpts, id, bundle)
}

// TokenTypesBundleUpdatedIterator is returned from FilterBundleUpdated and is used to iterate over the raw logs and unpacked data for BundleUpdated events raised by the TokenTypes contract.
type TokenTypesBundleUpdatedIterator struct {
	Event *TokenTypesBundleUpdated // Event containing the contract specifics and raw log

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
func (it *TokenTypesBundleUpdatedIterator) Next() bool {
	// If the iterator failed, stop iterating
	if it.fail != nil {
		return false
	}
	// If the iterator completed, deliver directly whatever's available
	if it.done {
		select {
		case log := <-it.logs:
			it.Event = new(TokenTypesBundleUpdated)
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
		it.Event = new(TokenTypesBundleUpdated)
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
func (it *TokenTypesBundleUpdatedIterator) Error() error {
	return it.fail
}

// Close terminates the iteration process, releasing any pending underlying
// resources.
func (it *TokenTypesBundleUpdatedIterator) Close() error {
	it.sub.Unsubscribe()
	return nil
}

// TokenTypesBundleUpdated represents a BundleUpdated event raised by the TokenTypes contract.
type TokenTypesBundleUpdated struct {
	Id        [32]byte
	OldBundle [32]byte
	NewBundle [32]byte
	Raw       types.Log // Blockchain specific contextual infos
}

// FilterBundleUpdated is a free log retrieval operation binding the contract event 0x8ccecb8f5a5adff9afae974deec16b710c1a0ae7b28312baa146a8ce6e5e4cf3.
//
// Solidity: event BundleUpdated(bytes32 indexed id, bytes32 oldBundle, bytes32 newBundle)
func (_TokenTypes *TokenTypesFilterer) FilterBundleUpdated(opts *bind.FilterOpts, id [][32]byte) (*TokenTypesBundleUpdatedIterator, error) {

	var idRule []interface{}
	for _, idItem := range id {
		idRule = append(idRule, idItem)
	}

	logs, sub, err := _TokenTypes.contract.FilterLogs(opts, "BundleUpdated", idRule)
	if err != nil {
		return nil, err
	}
	return &TokenTypesBundleUpdatedIterator{contract: _TokenTypes.contract, event: "BundleUpdated", logs: logs, sub: sub}, nil
}

// WatchBundleUpdated is a free log subscription operation binding the contract event 0x8ccecb8f5a5adff9afae974deec16b710c1a0ae7b28312baa146a8ce6e5e4cf3.
//
// Solidity: event BundleUpdated(bytes32 indexed id, bytes32 oldBundle, bytes32 newBundle)
func (_TokenTypes *TokenTypesFilterer) WatchBundleUpdated(opts *bind.WatchOpts, sink chan<- *TokenTypesBundleUpdated, id [][32]byte) (event.Subscription, error) {

	var idRule []interface{}
	for _, idItem := range id {
		idRule = append(idRule, idItem)
	}

	logs, sub, err := _TokenTypes.contract.WatchLogs(opts, "BundleUpdated", idRule)
	if err != nil {
		return nil, err
	}
	return event.NewSubscription(func(quit <-chan struct{}) error {
		defer sub.Unsubscribe()
		for {
			select {
			case log := <-logs:
				// New log arrived, parse the event and forward to the user
				event := new(TokenTypesBundleUpdated)
				if err := _TokenTypes.contract.UnpackLog(event, "BundleUpdated", log); err != nil {
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

// ParseBundleUpdated is a log parse operation binding the contract event 0x8ccecb8f5a5adff9afae974deec16b710c1a0ae7b28312baa146a8ce6e5e4cf3.
//
// Solidity: event BundleUpdated(bytes32 indexed id, bytes32 oldBundle, bytes32 newBundle)
func (_TokenTypes *TokenTypesFilterer) ParseBundleUpdated(log types.Log) (*TokenTypesBundleUpdated, error) {
	event := new(TokenTypesBundleUpdated)
	if err := _TokenTypes.contract.UnpackLog(event, "BundleUpdated", log); err != nil {
		return nil, err
	}
	event.Raw = log
	return event, nil
}

// TokenTypesRentPaidIterator is returned from FilterRentPaid and is used to iterate over the raw logs and unpacked data for RentPaid events raised by the TokenTypes contract.
type TokenTypesRentPaidIterator struct {
	Event *TokenTypesRentPaid // Event containing the contract specifics and raw log

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
func (it *TokenTypesRentPaidIterator) Next() bool {
	// If the iterator failed, stop iterating
	if it.fail != nil {
		return false
	}
	// If the iterator completed, deliver directly whatever's available
	if it.done {
		select {
		case log := <-it.logs:
			it.Event = new(TokenTypesRentPaid)
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
		it.Event = new(TokenTypesRentPaid)
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
func (it *TokenTypesRentPaidIterator) Error() error {
	return it.fail
}

// Close terminates the iteration process, releasing any pending underlying
// resources.
func (it *TokenTypesRentPaidIterator) Close() error {
	it.sub.Unsubscribe()
	return nil
}

// TokenTypesRentPaid represents a RentPaid event raised by the TokenTypes contract.
type TokenTypesRentPaid struct {
	Id        [32]byte
	Payer     common.Address
	Amount    *big.Int
	PaidUntil uint64
	Raw       types.Log // Blockchain specific contextual infos
}

// FilterRentPaid is a free log retrieval operation binding the contract event 0x1c0b0a86678e369731ef3c5f8b94d8cecaffc8d75b0335c2cf6e434918ef87cd.
//
// Solidity: event RentPaid(bytes32 indexed id, address indexed payer, uint256 amount, uint64 paidUntil)
func (_TokenTypes *TokenTypesFilterer) FilterRentPaid(opts *bind.FilterOpts, id [][32]byte, payer []common.Address) (*TokenTypesRentPaidIterator, error) {

	var idRule []interface{}
	for _, idItem := range id {
		idRule = append(idRule, idItem)
	}
	var payerRule []interface{}
	for _, payerItem := range payer {
		payerRule = append(payerRule, payerItem)
	}

	logs, sub, err := _TokenTypes.contract.FilterLogs(opts, "RentPaid", idRule, payerRule)
	if err != nil {
		return nil, err
	}
	return &TokenTypesRentPaidIterator{contract: _TokenTypes.contract, event: "RentPaid", logs: logs, sub: sub}, nil
}

// WatchRentPaid is a free log subscription operation binding the contract event 0x1c0b0a86678e369731ef3c5f8b94d8cecaffc8d75b0335c2cf6e434918ef87cd.
//
// Solidity: event RentPaid(bytes32 indexed id, address indexed payer, uint256 amount, uint64 paidUntil)
func (_TokenTypes *TokenTypesFilterer) WatchRentPaid(opts *bind.WatchOpts, sink chan<- *TokenTypesRentPaid, id [][32]byte, payer []common.Address) (event.Subscription, error) {

	var idRule []interface{}
	for _, idItem := range id {
		idRule = append(idRule, idItem)
	}
	var payerRule []interface{}
	for _, payerItem := range payer {
		payerRule = append(payerRule, payerItem)
	}

	logs, sub, err := _TokenTypes.contract.WatchLogs(opts, "RentPaid", idRule, payerRule)
	if err != nil {
		return nil, err
	}
	return event.NewSubscription(func(quit <-chan struct{}) error {
		defer sub.Unsubscribe()
		for {
			select {
			case log := <-logs:
				// New log arrived, parse the event and forward to the user
				event := new(TokenTypesRentPaid)
				if err := _TokenTypes.contract.UnpackLog(event, "RentPaid", log); err != nil {
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

// ParseRentPaid is a log parse operation binding the contract event 0x1c0b0a86678e369731ef3c5f8b94d8cecaffc8d75b0335c2cf6e434918ef87cd.
//
// Solidity: event RentPaid(bytes32 indexed id, address indexed payer, uint256 amount, uint64 paidUntil)
func (_TokenTypes *TokenTypesFilterer) ParseRentPaid(log types.Log) (*TokenTypesRentPaid, error) {
	event := new(TokenTypesRentPaid)
	if err := _TokenTypes.contract.UnpackLog(event, "RentPaid", log); err != nil {
		return nil, err
	}
	event.Raw = log
	return event, nil
}

// TokenTypesTypeRegisteredIterator is returned from FilterTypeRegistered and is used to iterate over the raw logs and unpacked data for TypeRegistered events raised by the TokenTypes contract.
type TokenTypesTypeRegisteredIterator struct {
	Event *TokenTypesTypeRegistered // Event containing the contract specifics and raw log

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
func (it *TokenTypesTypeRegisteredIterator) Next() bool {
	// If the iterator failed, stop iterating
	if it.fail != nil {
		return false
	}
	// If the iterator completed, deliver directly whatever's available
	if it.done {
		select {
		case log := <-it.logs:
			it.Event = new(TokenTypesTypeRegistered)
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
		it.Event = new(TokenTypesTypeRegistered)
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
func (it *TokenTypesTypeRegisteredIterator) Error() error {
	return it.fail
}

// Close terminates the iteration process, releasing any pending underlying
// resources.
func (it *TokenTypesTypeRegisteredIterator) Close() error {
	it.sub.Unsubscribe()
	return nil
}

// TokenTypesTypeRegistered represents a TypeRegistered event raised by the TokenTypes contract.
type TokenTypesTypeRegistered struct {
	Id        [32]byte
	Issuer    common.Address
	Name      string
	Bundle    [32]byte
	PaidUntil uint64
	Raw       types.Log // Blockchain specific contextual infos
}

// FilterTypeRegistered is a free log retrieval operation binding the contract event 0x169d507f3a6a4b33303e23aa56799bcf0fc7354e33789f03cd7c74df0644189e.
//
// Solidity: event TypeRegistered(bytes32 indexed id, address indexed issuer, string name, bytes32 bundle, uint64 paidUntil)
func (_TokenTypes *TokenTypesFilterer) FilterTypeRegistered(opts *bind.FilterOpts, id [][32]byte, issuer []common.Address) (*TokenTypesTypeRegisteredIterator, error) {

	var idRule []interface{}
	for _, idItem := range id {
		idRule = append(idRule, idItem)
	}
	var issuerRule []interface{}
	for _, issuerItem := range issuer {
		issuerRule = append(issuerRule, issuerItem)
	}

	logs, sub, err := _TokenTypes.contract.FilterLogs(opts, "TypeRegistered", idRule, issuerRule)
	if err != nil {
		return nil, err
	}
	return &TokenTypesTypeRegisteredIterator{contract: _TokenTypes.contract, event: "TypeRegistered", logs: logs, sub: sub}, nil
}

// WatchTypeRegistered is a free log subscription operation binding the contract event 0x169d507f3a6a4b33303e23aa56799bcf0fc7354e33789f03cd7c74df0644189e.
//
// Solidity: event TypeRegistered(bytes32 indexed id, address indexed issuer, string name, bytes32 bundle, uint64 paidUntil)
func (_TokenTypes *TokenTypesFilterer) WatchTypeRegistered(opts *bind.WatchOpts, sink chan<- *TokenTypesTypeRegistered, id [][32]byte, issuer []common.Address) (event.Subscription, error) {

	var idRule []interface{}
	for _, idItem := range id {
		idRule = append(idRule, idItem)
	}
	var issuerRule []interface{}
	for _, issuerItem := range issuer {
		issuerRule = append(issuerRule, issuerItem)
	}

	logs, sub, err := _TokenTypes.contract.WatchLogs(opts, "TypeRegistered", idRule, issuerRule)
	if err != nil {
		return nil, err
	}
	return event.NewSubscription(func(quit <-chan struct{}) error {
		defer sub.Unsubscribe()
		for {
			select {
			case log := <-logs:
				// New log arrived, parse the event and forward to the user
				event := new(TokenTypesTypeRegistered)
				if err := _TokenTypes.contract.UnpackLog(event, "TypeRegistered", log); err != nil {
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

// ParseTypeRegistered is a log parse operation binding the contract event 0x169d507f3a6a4b33303e23aa56799bcf0fc7354e33789f03cd7c74df0644189e.
//
// Solidity: event TypeRegistered(bytes32 indexed id, address indexed issuer, string name, bytes32 bundle, uint64 paidUntil)
func (_TokenTypes *TokenTypesFilterer) ParseTypeRegistered(log types.Log) (*TokenTypesTypeRegistered, error) {
	event := new(TokenTypesTypeRegistered)
	if err := _TokenTypes.contract.UnpackLog(event, "TypeRegistered", log); err != nil {
		return nil, err
	}
	event.Raw = log
	return event, nil
}
