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
	ABI: "[{\"inputs\":[{\"internalType\":\"contractIERC20\",\"name\":\"token\",\"type\":\"address\"},{\"internalType\":\"contractEpochs\",\"name\":\"epochsContract\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"perEpoch\",\"type\":\"uint256\"}],\"stateMutability\":\"nonpayable\",\"type\":\"constructor\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"bundle\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"id\",\"type\":\"bytes32\"}],\"name\":\"BundleTaken\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"NameInvalid\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"caller\",\"type\":\"address\"}],\"name\":\"NotIssuer\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"amount\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"perEpoch\",\"type\":\"uint256\"}],\"name\":\"RentTooSmall\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"token\",\"type\":\"address\"}],\"name\":\"SafeERC20FailedOperation\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"id\",\"type\":\"bytes32\"}],\"name\":\"TypeExists\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"id\",\"type\":\"bytes32\"}],\"name\":\"UnknownType\",\"type\":\"error\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"bytes32\",\"name\":\"id\",\"type\":\"bytes32\"},{\"indexed\":false,\"internalType\":\"bytes32\",\"name\":\"oldBundle\",\"type\":\"bytes32\"},{\"indexed\":false,\"internalType\":\"bytes32\",\"name\":\"newBundle\",\"type\":\"bytes32\"}],\"name\":\"BundleUpdated\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"bytes32\",\"name\":\"id\",\"type\":\"bytes32\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"payer\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"amount\",\"type\":\"uint256\"},{\"indexed\":false,\"internalType\":\"uint64\",\"name\":\"paidUntil\",\"type\":\"uint64\"}],\"name\":\"RentPaid\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"bytes32\",\"name\":\"id\",\"type\":\"bytes32\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"issuer\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"string\",\"name\":\"name\",\"type\":\"string\"},{\"indexed\":false,\"internalType\":\"bytes32\",\"name\":\"bundle\",\"type\":\"bytes32\"},{\"indexed\":false,\"internalType\":\"uint64\",\"name\":\"paidUntil\",\"type\":\"uint64\"}],\"name\":\"TypeRegistered\",\"type\":\"event\"},{\"inputs\":[],\"name\":\"MAX_NAME\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"id\",\"type\":\"bytes32\"}],\"name\":\"active\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"epochs\",\"outputs\":[{\"internalType\":\"contractEpochs\",\"name\":\"\",\"type\":\"address\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"id\",\"type\":\"bytes32\"},{\"internalType\":\"uint256\",\"name\":\"amount\",\"type\":\"uint256\"}],\"name\":\"payRent\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"string\",\"name\":\"name\",\"type\":\"string\"},{\"internalType\":\"bytes32\",\"name\":\"bundle\",\"type\":\"bytes32\"},{\"internalType\":\"uint256\",\"name\":\"rent\",\"type\":\"uint256\"}],\"name\":\"register\",\"outputs\":[{\"internalType\":\"bytes32\",\"name\":\"id\",\"type\":\"bytes32\"}],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"rentPerEpoch\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"serviceToken\",\"outputs\":[{\"internalType\":\"contractIERC20\",\"name\":\"\",\"type\":\"address\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"issuer\",\"type\":\"address\"},{\"internalType\":\"string\",\"name\":\"name\",\"type\":\"string\"}],\"name\":\"typeId\",\"outputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"stateMutability\":\"pure\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"id\",\"type\":\"bytes32\"}],\"name\":\"typeOf\",\"outputs\":[{\"components\":[{\"internalType\":\"address\",\"name\":\"issuer\",\"type\":\"address\"},{\"internalType\":\"bytes32\",\"name\":\"bundle\",\"type\":\"bytes32\"},{\"internalType\":\"uint64\",\"name\":\"paidUntil\",\"type\":\"uint64\"},{\"internalType\":\"string\",\"name\":\"name\",\"type\":\"string\"}],\"internalType\":\"structTokenTypes.TokenType\",\"name\":\"\",\"type\":\"tuple\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"name\":\"typeOfBundle\",\"outputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"id\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"bundle\",\"type\":\"bytes32\"}],\"name\":\"updateBundle\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"}]",
	Bin: "0x60e060405234801561000f575f5ffd5b5060405161111038038061111083398101604081905261002e91610060565b6001600160a01b03928316608052911660a05260c0526100a0565b6001600160a01b038116811461005d575f5ffd5b50565b5f5f5f60608486031215610072575f5ffd5b835161007d81610049565b602085015190935061008e81610049565b80925050604084015190509250925092565b60805160a05160c051610ffa6101165f395f818161013b015281816102f40152818161033001528181610362015281816108d60152818161091201526109f701525f818160d4015281816103890152818161080c015261094101525f8181610162015281816105090152610a4e0152610ffa5ff3fe608060405234801561000f575f5ffd5b50600436106100a5575f3560e01c8063b76929681161006e578063b76929681461015d578063c297b8fa14610184578063d5ab4d6d14610199578063d6020eb9146101ac578063e26e4cf9146101cb578063fbe164c3146101ee575f5ffd5b8062882f57146100a957806358152d07146100cf5780635a9461921461010e578063756bf2541461012e578063961d14fc14610136575b5f5ffd5b6100bc6100b7366004610b9c565b610201565b6040519081526020015b60405180910390f35b6100f67f000000000000000000000000000000000000000000000000000000000000000081565b6040516001600160a01b0390911681526020016100c6565b61012161011c366004610c14565b610582565b6040516100c69190610c59565b6100bc604081565b6100bc7f000000000000000000000000000000000000000000000000000000000000000081565b6100f67f000000000000000000000000000000000000000000000000000000000000000081565b610197610192366004610caa565b610688565b005b6100bc6101a7366004610cde565b610796565b6100bc6101ba366004610c14565b60016020525f908152604090205481565b6101de6101d9366004610c14565b6107c9565b60405190151581526020016100c6565b6101976101fc366004610caa565b61089c565b5f83158061020f5750604084115b1561022d57604051633e51901360e11b815260040160405180910390fd5b61026c3386868080601f0160208091040260200160405190810160405280939291908181526020018383808284375f9201919091525061079692505050565b5f818152602081905260409020549091506001600160a01b0316156102ac5760405163105a4c6360e21b8152600481018290526024015b60405180910390fd5b5f83815260016020526040902054156102f2575f8381526001602052604090819020549051635704fdb560e01b81526102a3918591600401918252602082015260400190565b7f000000000000000000000000000000000000000000000000000000000000000082101561035c57604051630998f0fb60e11b8152600481018390527f000000000000000000000000000000000000000000000000000000000000000060248201526044016102a3565b5f6103877f000000000000000000000000000000000000000000000000000000000000000084610dac565b7f00000000000000000000000000000000000000000000000000000000000000006001600160a01b0316639fa6a6e36040518163ffffffff1660e01b8152600401602060405180830381865afa1580156103e3573d5f5f3e3d5ffd5b505050506040513d601f19601f820116820180604052508101906104079190610dcb565b6104119190610df1565b90506040518060800160405280336001600160a01b03168152602001858152602001826001600160401b0316815260200187878080601f0160208091040260200160405190810160405280939291908181526020018383808284375f9201829052509390945250508481526020818152604091829020845181546001600160a01b0319166001600160a01b039091161781559084015160018201559083015160028201805467ffffffffffffffff19166001600160401b03909216919091179055606083015190915060038201906104e99082610ea0565b5050505f8481526001602052604090208290556105316001600160a01b037f000000000000000000000000000000000000000000000000000000000000000016333086610ad0565b336001600160a01b0316827f169d507f3a6a4b33303e23aa56799bcf0fc7354e33789f03cd7c74df0644189e888888866040516105719493929190610f5a565b60405180910390a350949350505050565b604080516080810182525f80825260208201819052918101919091526060808201525f8281526020818152604091829020825160808101845281546001600160a01b0316815260018201549281019290925260028101546001600160401b03169282019290925260038201805491929160608401919061060190610e1c565b80601f016020809104026020016040519081016040528092919081815260200182805461062d90610e1c565b80156106785780601f1061064f57610100808354040283529160200191610678565b820191905f5260205f20905b81548152906001019060200180831161065b57829003601f168201915b5050505050815250509050919050565b5f82815260208190526040902080546001600160a01b03166106c057604051637b4364b360e11b8152600481018490526024016102a3565b80546001600160a01b031633146106ec57604051631fe937cf60e11b81523360048201526024016102a3565b5f8281526001602052604090205415610732575f8281526001602052604090819020549051635704fdb560e01b81526102a3918491600401918252602082015260400190565b600181810180545f818152602093845260408082208290559286905585815282902086905581518181529283018590529185917f8ccecb8f5a5adff9afae974deec16b710c1a0ae7b28312baa146a8ce6e5e4cf3910160405180910390a250505050565b5f82826040516020016107aa929190610fa1565b6040516020818303038152906040528051906020012090505b92915050565b5f81815260208190526040812080546001600160a01b0316158015906108955750806002015f9054906101000a90046001600160401b03166001600160401b03167f00000000000000000000000000000000000000000000000000000000000000006001600160a01b0316639fa6a6e36040518163ffffffff1660e01b8152600401602060405180830381865afa158015610866573d5f5f3e3d5ffd5b505050506040513d601f19601f8201168201806040525081019061088a9190610dcb565b6001600160401b0316105b9392505050565b5f82815260208190526040902080546001600160a01b03166108d457604051637b4364b360e11b8152600481018490526024016102a3565b7f000000000000000000000000000000000000000000000000000000000000000082101561093e57604051630998f0fb60e11b8152600481018390527f000000000000000000000000000000000000000000000000000000000000000060248201526044016102a3565b5f7f00000000000000000000000000000000000000000000000000000000000000006001600160a01b0316639fa6a6e36040518163ffffffff1660e01b8152600401602060405180830381865afa15801561099b573d5f5f3e3d5ffd5b505050506040513d601f19601f820116820180604052508101906109bf9190610dcb565b60028301549091505f906001600160401b038084169116116109e157816109f0565b60028301546001600160401b03165b9050610a1c7f000000000000000000000000000000000000000000000000000000000000000085610dac565b610a269082610df1565b60028401805467ffffffffffffffff19166001600160401b0392909216919091179055610a7e7f00000000000000000000000000000000000000000000000000000000000000006001600160a01b0316333087610ad0565b6002830154604080518681526001600160401b039092166020830152339187917f1c0b0a86678e369731ef3c5f8b94d8cecaffc8d75b0335c2cf6e434918ef87cd910160405180910390a35050505050565b604080516001600160a01b0385811660248301528416604482015260648082018490528251808303909101815260849091019091526020810180516001600160e01b03166323b872dd60e01b179052610b2a908590610b30565b50505050565b5f5f60205f8451602086015f885af180610b4f576040513d5f823e3d81fd5b50505f513d91508115610b66578060011415610b73565b6001600160a01b0384163b155b15610b2a57604051635274afe760e01b81526001600160a01b03851660048201526024016102a3565b5f5f5f5f60608587031215610baf575f5ffd5b84356001600160401b03811115610bc4575f5ffd5b8501601f81018713610bd4575f5ffd5b80356001600160401b03811115610be9575f5ffd5b876020828401011115610bfa575f5ffd5b602091820198909750908601359560400135945092505050565b5f60208284031215610c24575f5ffd5b5035919050565b5f81518084528060208401602086015e5f602082860101526020601f19601f83011685010191505092915050565b6020815260018060a01b038251166020820152602082015160408201526001600160401b0360408301511660608201525f6060830151608080840152610ca260a0840182610c2b565b949350505050565b5f5f60408385031215610cbb575f5ffd5b50508035926020909101359150565b634e487b7160e01b5f52604160045260245ffd5b5f5f60408385031215610cef575f5ffd5b82356001600160a01b0381168114610d05575f5ffd5b915060208301356001600160401b03811115610d1f575f5ffd5b8301601f81018513610d2f575f5ffd5b80356001600160401b03811115610d4857610d48610cca565b604051601f8201601f19908116603f011681016001600160401b0381118282101715610d7657610d76610cca565b604052818152828201602001871015610d8d575f5ffd5b816020840160208301375f602083830101528093505050509250929050565b5f82610dc657634e487b7160e01b5f52601260045260245ffd5b500490565b5f60208284031215610ddb575f5ffd5b81516001600160401b0381168114610895575f5ffd5b6001600160401b0381811683821601908111156107c357634e487b7160e01b5f52601160045260245ffd5b600181811c90821680610e3057607f821691505b602082108103610e4e57634e487b7160e01b5f52602260045260245ffd5b50919050565b601f821115610e9b57805f5260205f20601f840160051c81016020851015610e795750805b601f840160051c820191505b81811015610e98575f8155600101610e85565b50505b505050565b81516001600160401b03811115610eb957610eb9610cca565b610ecd81610ec78454610e1c565b84610e54565b6020601f821160018114610eff575f8315610ee85750848201515b5f19600385901b1c1916600184901b178455610e98565b5f84815260208120601f198516915b82811015610f2e5787850151825560209485019460019092019101610f0e565b5084821015610f4b57868401515f19600387901b60f8161c191681555b50505050600190811b01905550565b60608152836060820152838560808301375f608085830101525f6080601f19601f87011683010190508360208301526001600160401b038316604083015295945050505050565b6001600160a01b03831681526040602082018190525f90610ca290830184610c2b56fea26469706673582212207055ddb3de4d938efda03f9913024be96b491e8cb07f0aa6421a9815a90b697e64736f6c634300081c0033",
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

// TypeOfBundle is a free data retrieval call binding the contract method 0xd6020eb9.
//
// Solidity: function typeOfBundle(bytes32 ) view returns(bytes32)
func (_TokenTypes *TokenTypesCaller) TypeOfBundle(opts *bind.CallOpts, arg0 [32]byte) ([32]byte, error) {
	var out []interface{}
	err := _TokenTypes.contract.Call(opts, &out, "typeOfBundle", arg0)

	if err != nil {
		return *new([32]byte), err
	}

	out0 := *abi.ConvertType(out[0], new([32]byte)).(*[32]byte)

	return out0, err

}

// TypeOfBundle is a free data retrieval call binding the contract method 0xd6020eb9.
//
// Solidity: function typeOfBundle(bytes32 ) view returns(bytes32)
func (_TokenTypes *TokenTypesSession) TypeOfBundle(arg0 [32]byte) ([32]byte, error) {
	return _TokenTypes.Contract.TypeOfBundle(&_TokenTypes.CallOpts, arg0)
}

// TypeOfBundle is a free data retrieval call binding the contract method 0xd6020eb9.
//
// Solidity: function typeOfBundle(bytes32 ) view returns(bytes32)
func (_TokenTypes *TokenTypesCallerSession) TypeOfBundle(arg0 [32]byte) ([32]byte, error) {
	return _TokenTypes.Contract.TypeOfBundle(&_TokenTypes.CallOpts, arg0)
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
