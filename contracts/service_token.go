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

// ServiceTokenMetaData contains all meta data concerning the ServiceToken contract.
var ServiceTokenMetaData = &bind.MetaData{
	ABI: "[{\"inputs\":[{\"internalType\":\"address\",\"name\":\"holder\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"supply\",\"type\":\"uint256\"}],\"stateMutability\":\"nonpayable\",\"type\":\"constructor\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"spender\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"allowance\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"needed\",\"type\":\"uint256\"}],\"name\":\"ERC20InsufficientAllowance\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"sender\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"balance\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"needed\",\"type\":\"uint256\"}],\"name\":\"ERC20InsufficientBalance\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"approver\",\"type\":\"address\"}],\"name\":\"ERC20InvalidApprover\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"receiver\",\"type\":\"address\"}],\"name\":\"ERC20InvalidReceiver\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"sender\",\"type\":\"address\"}],\"name\":\"ERC20InvalidSender\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"spender\",\"type\":\"address\"}],\"name\":\"ERC20InvalidSpender\",\"type\":\"error\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"owner\",\"type\":\"address\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"spender\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"value\",\"type\":\"uint256\"}],\"name\":\"Approval\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"from\",\"type\":\"address\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"to\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"value\",\"type\":\"uint256\"}],\"name\":\"Transfer\",\"type\":\"event\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"owner\",\"type\":\"address\"},{\"internalType\":\"address\",\"name\":\"spender\",\"type\":\"address\"}],\"name\":\"allowance\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"spender\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"value\",\"type\":\"uint256\"}],\"name\":\"approve\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"account\",\"type\":\"address\"}],\"name\":\"balanceOf\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"value\",\"type\":\"uint256\"}],\"name\":\"burn\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"account\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"value\",\"type\":\"uint256\"}],\"name\":\"burnFrom\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"decimals\",\"outputs\":[{\"internalType\":\"uint8\",\"name\":\"\",\"type\":\"uint8\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"name\",\"outputs\":[{\"internalType\":\"string\",\"name\":\"\",\"type\":\"string\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"symbol\",\"outputs\":[{\"internalType\":\"string\",\"name\":\"\",\"type\":\"string\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"totalSupply\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"to\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"value\",\"type\":\"uint256\"}],\"name\":\"transfer\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"from\",\"type\":\"address\"},{\"internalType\":\"address\",\"name\":\"to\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"value\",\"type\":\"uint256\"}],\"name\":\"transferFrom\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"nonpayable\",\"type\":\"function\"}]",
	Bin: "0x608060405234801561000f575f5ffd5b50604051610b67380380610b6783398101604081905261002e91610219565b6040518060400160405280601381526020017f536d617274204c617965722053657276696365000000000000000000000000008152506040518060400160405280600381526020016214d31560ea1b815250816003908161008f91906102e8565b50600461009c82826102e8565b5050506100af82826100b660201b60201c565b50506103c7565b6001600160a01b0382166100e45760405163ec442f0560e01b81525f60048201526024015b60405180910390fd5b6100ef5f83836100f3565b5050565b6001600160a01b03831661011d578060025f82825461011291906103a2565b9091555061018d9050565b6001600160a01b0383165f908152602081905260409020548181101561016f5760405163391434e360e21b81526001600160a01b038516600482015260248101829052604481018390526064016100db565b6001600160a01b0384165f9081526020819052604090209082900390555b6001600160a01b0382166101a9576002805482900390556101c7565b6001600160a01b0382165f9081526020819052604090208054820190555b816001600160a01b0316836001600160a01b03167fddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef8360405161020c91815260200190565b60405180910390a3505050565b5f5f6040838503121561022a575f5ffd5b82516001600160a01b0381168114610240575f5ffd5b6020939093015192949293505050565b634e487b7160e01b5f52604160045260245ffd5b600181811c9082168061027857607f821691505b60208210810361029657634e487b7160e01b5f52602260045260245ffd5b50919050565b601f8211156102e357805f5260205f20601f840160051c810160208510156102c15750805b601f840160051c820191505b818110156102e0575f81556001016102cd565b50505b505050565b81516001600160401b0381111561030157610301610250565b6103158161030f8454610264565b8461029c565b6020601f821160018114610347575f83156103305750848201515b5f19600385901b1c1916600184901b1784556102e0565b5f84815260208120601f198516915b828110156103765787850151825560209485019460019092019101610356565b508482101561039357868401515f19600387901b60f8161c191681555b50505050600190811b01905550565b808201808211156103c157634e487b7160e01b5f52601160045260245ffd5b92915050565b610793806103d45f395ff3fe608060405234801561000f575f5ffd5b50600436106100a6575f3560e01c806342966c681161006e57806342966c681461011f57806370a082311461013457806379cc67901461015c57806395d89b411461016f578063a9059cbb14610177578063dd62ed3e1461018a575f5ffd5b806306fdde03146100aa578063095ea7b3146100c857806318160ddd146100eb57806323b872dd146100fd578063313ce56714610110575b5f5ffd5b6100b26101c2565b6040516100bf91906105ec565b60405180910390f35b6100db6100d636600461063c565b610252565b60405190151581526020016100bf565b6002545b6040519081526020016100bf565b6100db61010b366004610664565b61026b565b604051601281526020016100bf565b61013261012d36600461069e565b61028e565b005b6100ef6101423660046106b5565b6001600160a01b03165f9081526020819052604090205490565b61013261016a36600461063c565b61029b565b6100b26102b4565b6100db61018536600461063c565b6102c3565b6100ef6101983660046106d5565b6001600160a01b039182165f90815260016020908152604080832093909416825291909152205490565b6060600380546101d190610706565b80601f01602080910402602001604051908101604052809291908181526020018280546101fd90610706565b80156102485780601f1061021f57610100808354040283529160200191610248565b820191905f5260205f20905b81548152906001019060200180831161022b57829003601f168201915b5050505050905090565b5f3361025f8185856102d0565b60019150505b92915050565b5f336102788582856102e2565b610283858585610363565b506001949350505050565b61029833826103c0565b50565b6102a68233836102e2565b6102b082826103c0565b5050565b6060600480546101d190610706565b5f3361025f818585610363565b6102dd83838360016103f4565b505050565b6001600160a01b038381165f908152600160209081526040808320938616835292905220545f1981101561035d578181101561034f57604051637dc7a0d960e11b81526001600160a01b038416600482015260248101829052604481018390526064015b60405180910390fd5b61035d84848484035f6103f4565b50505050565b6001600160a01b03831661038c57604051634b637e8f60e11b81525f6004820152602401610346565b6001600160a01b0382166103b55760405163ec442f0560e01b81525f6004820152602401610346565b6102dd8383836104c6565b6001600160a01b0382166103e957604051634b637e8f60e11b81525f6004820152602401610346565b6102b0825f836104c6565b6001600160a01b03841661041d5760405163e602df0560e01b81525f6004820152602401610346565b6001600160a01b03831661044657604051634a1406b160e11b81525f6004820152602401610346565b6001600160a01b038085165f908152600160209081526040808320938716835292905220829055801561035d57826001600160a01b0316846001600160a01b03167f8c5be1e5ebec7d5bd14f71427d1e84f3dd0314c0f7b2291e5b200ac8c7c3b925846040516104b891815260200190565b60405180910390a350505050565b6001600160a01b0383166104f0578060025f8282546104e5919061073e565b909155506105609050565b6001600160a01b0383165f90815260208190526040902054818110156105425760405163391434e360e21b81526001600160a01b03851660048201526024810182905260448101839052606401610346565b6001600160a01b0384165f9081526020819052604090209082900390555b6001600160a01b03821661057c5760028054829003905561059a565b6001600160a01b0382165f9081526020819052604090208054820190555b816001600160a01b0316836001600160a01b03167fddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef836040516105df91815260200190565b60405180910390a3505050565b602081525f82518060208401528060208501604085015e5f604082850101526040601f19601f83011684010191505092915050565b80356001600160a01b0381168114610637575f5ffd5b919050565b5f5f6040838503121561064d575f5ffd5b61065683610621565b946020939093013593505050565b5f5f5f60608486031215610676575f5ffd5b61067f84610621565b925061068d60208501610621565b929592945050506040919091013590565b5f602082840312156106ae575f5ffd5b5035919050565b5f602082840312156106c5575f5ffd5b6106ce82610621565b9392505050565b5f5f604083850312156106e6575f5ffd5b6106ef83610621565b91506106fd60208401610621565b90509250929050565b600181811c9082168061071a57607f821691505b60208210810361073857634e487b7160e01b5f52602260045260245ffd5b50919050565b8082018082111561026557634e487b7160e01b5f52601160045260245ffdfea26469706673582212204cde23e0953741d77e8600a051aedab94a5801da22805dbaa7afd654896b922164736f6c634300081c0033",
}

// ServiceTokenABI is the input ABI used to generate the binding from.
// Deprecated: Use ServiceTokenMetaData.ABI instead.
var ServiceTokenABI = ServiceTokenMetaData.ABI

// ServiceTokenBin is the compiled bytecode used for deploying new contracts.
// Deprecated: Use ServiceTokenMetaData.Bin instead.
var ServiceTokenBin = ServiceTokenMetaData.Bin

// DeployServiceToken deploys a new Ethereum contract, binding an instance of ServiceToken to it.
func DeployServiceToken(auth *bind.TransactOpts, backend bind.ContractBackend, holder common.Address, supply *big.Int) (common.Address, *types.Transaction, *ServiceToken, error) {
	parsed, err := ServiceTokenMetaData.GetAbi()
	if err != nil {
		return common.Address{}, nil, nil, err
	}
	if parsed == nil {
		return common.Address{}, nil, nil, errors.New("GetABI returned nil")
	}

	address, tx, contract, err := bind.DeployContract(auth, *parsed, common.FromHex(ServiceTokenBin), backend, holder, supply)
	if err != nil {
		return common.Address{}, nil, nil, err
	}
	return address, tx, &ServiceToken{ServiceTokenCaller: ServiceTokenCaller{contract: contract}, ServiceTokenTransactor: ServiceTokenTransactor{contract: contract}, ServiceTokenFilterer: ServiceTokenFilterer{contract: contract}}, nil
}

// ServiceToken is an auto generated Go binding around an Ethereum contract.
type ServiceToken struct {
	ServiceTokenCaller     // Read-only binding to the contract
	ServiceTokenTransactor // Write-only binding to the contract
	ServiceTokenFilterer   // Log filterer for contract events
}

// ServiceTokenCaller is an auto generated read-only Go binding around an Ethereum contract.
type ServiceTokenCaller struct {
	contract *bind.BoundContract // Generic contract wrapper for the low level calls
}

// ServiceTokenTransactor is an auto generated write-only Go binding around an Ethereum contract.
type ServiceTokenTransactor struct {
	contract *bind.BoundContract // Generic contract wrapper for the low level calls
}

// ServiceTokenFilterer is an auto generated log filtering Go binding around an Ethereum contract events.
type ServiceTokenFilterer struct {
	contract *bind.BoundContract // Generic contract wrapper for the low level calls
}

// ServiceTokenSession is an auto generated Go binding around an Ethereum contract,
// with pre-set call and transact options.
type ServiceTokenSession struct {
	Contract     *ServiceToken     // Generic contract binding to set the session for
	CallOpts     bind.CallOpts     // Call options to use throughout this session
	TransactOpts bind.TransactOpts // Transaction auth options to use throughout this session
}

// ServiceTokenCallerSession is an auto generated read-only Go binding around an Ethereum contract,
// with pre-set call options.
type ServiceTokenCallerSession struct {
	Contract *ServiceTokenCaller // Generic contract caller binding to set the session for
	CallOpts bind.CallOpts       // Call options to use throughout this session
}

// ServiceTokenTransactorSession is an auto generated write-only Go binding around an Ethereum contract,
// with pre-set transact options.
type ServiceTokenTransactorSession struct {
	Contract     *ServiceTokenTransactor // Generic contract transactor binding to set the session for
	TransactOpts bind.TransactOpts       // Transaction auth options to use throughout this session
}

// ServiceTokenRaw is an auto generated low-level Go binding around an Ethereum contract.
type ServiceTokenRaw struct {
	Contract *ServiceToken // Generic contract binding to access the raw methods on
}

// ServiceTokenCallerRaw is an auto generated low-level read-only Go binding around an Ethereum contract.
type ServiceTokenCallerRaw struct {
	Contract *ServiceTokenCaller // Generic read-only contract binding to access the raw methods on
}

// ServiceTokenTransactorRaw is an auto generated low-level write-only Go binding around an Ethereum contract.
type ServiceTokenTransactorRaw struct {
	Contract *ServiceTokenTransactor // Generic write-only contract binding to access the raw methods on
}

// NewServiceToken creates a new instance of ServiceToken, bound to a specific deployed contract.
func NewServiceToken(address common.Address, backend bind.ContractBackend) (*ServiceToken, error) {
	contract, err := bindServiceToken(address, backend, backend, backend)
	if err != nil {
		return nil, err
	}
	return &ServiceToken{ServiceTokenCaller: ServiceTokenCaller{contract: contract}, ServiceTokenTransactor: ServiceTokenTransactor{contract: contract}, ServiceTokenFilterer: ServiceTokenFilterer{contract: contract}}, nil
}

// NewServiceTokenCaller creates a new read-only instance of ServiceToken, bound to a specific deployed contract.
func NewServiceTokenCaller(address common.Address, caller bind.ContractCaller) (*ServiceTokenCaller, error) {
	contract, err := bindServiceToken(address, caller, nil, nil)
	if err != nil {
		return nil, err
	}
	return &ServiceTokenCaller{contract: contract}, nil
}

// NewServiceTokenTransactor creates a new write-only instance of ServiceToken, bound to a specific deployed contract.
func NewServiceTokenTransactor(address common.Address, transactor bind.ContractTransactor) (*ServiceTokenTransactor, error) {
	contract, err := bindServiceToken(address, nil, transactor, nil)
	if err != nil {
		return nil, err
	}
	return &ServiceTokenTransactor{contract: contract}, nil
}

// NewServiceTokenFilterer creates a new log filterer instance of ServiceToken, bound to a specific deployed contract.
func NewServiceTokenFilterer(address common.Address, filterer bind.ContractFilterer) (*ServiceTokenFilterer, error) {
	contract, err := bindServiceToken(address, nil, nil, filterer)
	if err != nil {
		return nil, err
	}
	return &ServiceTokenFilterer{contract: contract}, nil
}

// bindServiceToken binds a generic wrapper to an already deployed contract.
func bindServiceToken(address common.Address, caller bind.ContractCaller, transactor bind.ContractTransactor, filterer bind.ContractFilterer) (*bind.BoundContract, error) {
	parsed, err := ServiceTokenMetaData.GetAbi()
	if err != nil {
		return nil, err
	}
	return bind.NewBoundContract(address, *parsed, caller, transactor, filterer), nil
}

// Call invokes the (constant) contract method with params as input values and
// sets the output to result. The result type might be a single field for simple
// returns, a slice of interfaces for anonymous returns and a struct for named
// returns.
func (_ServiceToken *ServiceTokenRaw) Call(opts *bind.CallOpts, result *[]interface{}, method string, params ...interface{}) error {
	return _ServiceToken.Contract.ServiceTokenCaller.contract.Call(opts, result, method, params...)
}

// Transfer initiates a plain transaction to move funds to the contract, calling
// its default method if one is available.
func (_ServiceToken *ServiceTokenRaw) Transfer(opts *bind.TransactOpts) (*types.Transaction, error) {
	return _ServiceToken.Contract.ServiceTokenTransactor.contract.Transfer(opts)
}

// Transact invokes the (paid) contract method with params as input values.
func (_ServiceToken *ServiceTokenRaw) Transact(opts *bind.TransactOpts, method string, params ...interface{}) (*types.Transaction, error) {
	return _ServiceToken.Contract.ServiceTokenTransactor.contract.Transact(opts, method, params...)
}

// Call invokes the (constant) contract method with params as input values and
// sets the output to result. The result type might be a single field for simple
// returns, a slice of interfaces for anonymous returns and a struct for named
// returns.
func (_ServiceToken *ServiceTokenCallerRaw) Call(opts *bind.CallOpts, result *[]interface{}, method string, params ...interface{}) error {
	return _ServiceToken.Contract.contract.Call(opts, result, method, params...)
}

// Transfer initiates a plain transaction to move funds to the contract, calling
// its default method if one is available.
func (_ServiceToken *ServiceTokenTransactorRaw) Transfer(opts *bind.TransactOpts) (*types.Transaction, error) {
	return _ServiceToken.Contract.contract.Transfer(opts)
}

// Transact invokes the (paid) contract method with params as input values.
func (_ServiceToken *ServiceTokenTransactorRaw) Transact(opts *bind.TransactOpts, method string, params ...interface{}) (*types.Transaction, error) {
	return _ServiceToken.Contract.contract.Transact(opts, method, params...)
}

// Allowance is a free data retrieval call binding the contract method 0xdd62ed3e.
//
// Solidity: function allowance(address owner, address spender) view returns(uint256)
func (_ServiceToken *ServiceTokenCaller) Allowance(opts *bind.CallOpts, owner common.Address, spender common.Address) (*big.Int, error) {
	var out []interface{}
	err := _ServiceToken.contract.Call(opts, &out, "allowance", owner, spender)

	if err != nil {
		return *new(*big.Int), err
	}

	out0 := *abi.ConvertType(out[0], new(*big.Int)).(**big.Int)

	return out0, err

}

// Allowance is a free data retrieval call binding the contract method 0xdd62ed3e.
//
// Solidity: function allowance(address owner, address spender) view returns(uint256)
func (_ServiceToken *ServiceTokenSession) Allowance(owner common.Address, spender common.Address) (*big.Int, error) {
	return _ServiceToken.Contract.Allowance(&_ServiceToken.CallOpts, owner, spender)
}

// Allowance is a free data retrieval call binding the contract method 0xdd62ed3e.
//
// Solidity: function allowance(address owner, address spender) view returns(uint256)
func (_ServiceToken *ServiceTokenCallerSession) Allowance(owner common.Address, spender common.Address) (*big.Int, error) {
	return _ServiceToken.Contract.Allowance(&_ServiceToken.CallOpts, owner, spender)
}

// BalanceOf is a free data retrieval call binding the contract method 0x70a08231.
//
// Solidity: function balanceOf(address account) view returns(uint256)
func (_ServiceToken *ServiceTokenCaller) BalanceOf(opts *bind.CallOpts, account common.Address) (*big.Int, error) {
	var out []interface{}
	err := _ServiceToken.contract.Call(opts, &out, "balanceOf", account)

	if err != nil {
		return *new(*big.Int), err
	}

	out0 := *abi.ConvertType(out[0], new(*big.Int)).(**big.Int)

	return out0, err

}

// BalanceOf is a free data retrieval call binding the contract method 0x70a08231.
//
// Solidity: function balanceOf(address account) view returns(uint256)
func (_ServiceToken *ServiceTokenSession) BalanceOf(account common.Address) (*big.Int, error) {
	return _ServiceToken.Contract.BalanceOf(&_ServiceToken.CallOpts, account)
}

// BalanceOf is a free data retrieval call binding the contract method 0x70a08231.
//
// Solidity: function balanceOf(address account) view returns(uint256)
func (_ServiceToken *ServiceTokenCallerSession) BalanceOf(account common.Address) (*big.Int, error) {
	return _ServiceToken.Contract.BalanceOf(&_ServiceToken.CallOpts, account)
}

// Decimals is a free data retrieval call binding the contract method 0x313ce567.
//
// Solidity: function decimals() view returns(uint8)
func (_ServiceToken *ServiceTokenCaller) Decimals(opts *bind.CallOpts) (uint8, error) {
	var out []interface{}
	err := _ServiceToken.contract.Call(opts, &out, "decimals")

	if err != nil {
		return *new(uint8), err
	}

	out0 := *abi.ConvertType(out[0], new(uint8)).(*uint8)

	return out0, err

}

// Decimals is a free data retrieval call binding the contract method 0x313ce567.
//
// Solidity: function decimals() view returns(uint8)
func (_ServiceToken *ServiceTokenSession) Decimals() (uint8, error) {
	return _ServiceToken.Contract.Decimals(&_ServiceToken.CallOpts)
}

// Decimals is a free data retrieval call binding the contract method 0x313ce567.
//
// Solidity: function decimals() view returns(uint8)
func (_ServiceToken *ServiceTokenCallerSession) Decimals() (uint8, error) {
	return _ServiceToken.Contract.Decimals(&_ServiceToken.CallOpts)
}

// Name is a free data retrieval call binding the contract method 0x06fdde03.
//
// Solidity: function name() view returns(string)
func (_ServiceToken *ServiceTokenCaller) Name(opts *bind.CallOpts) (string, error) {
	var out []interface{}
	err := _ServiceToken.contract.Call(opts, &out, "name")

	if err != nil {
		return *new(string), err
	}

	out0 := *abi.ConvertType(out[0], new(string)).(*string)

	return out0, err

}

// Name is a free data retrieval call binding the contract method 0x06fdde03.
//
// Solidity: function name() view returns(string)
func (_ServiceToken *ServiceTokenSession) Name() (string, error) {
	return _ServiceToken.Contract.Name(&_ServiceToken.CallOpts)
}

// Name is a free data retrieval call binding the contract method 0x06fdde03.
//
// Solidity: function name() view returns(string)
func (_ServiceToken *ServiceTokenCallerSession) Name() (string, error) {
	return _ServiceToken.Contract.Name(&_ServiceToken.CallOpts)
}

// Symbol is a free data retrieval call binding the contract method 0x95d89b41.
//
// Solidity: function symbol() view returns(string)
func (_ServiceToken *ServiceTokenCaller) Symbol(opts *bind.CallOpts) (string, error) {
	var out []interface{}
	err := _ServiceToken.contract.Call(opts, &out, "symbol")

	if err != nil {
		return *new(string), err
	}

	out0 := *abi.ConvertType(out[0], new(string)).(*string)

	return out0, err

}

// Symbol is a free data retrieval call binding the contract method 0x95d89b41.
//
// Solidity: function symbol() view returns(string)
func (_ServiceToken *ServiceTokenSession) Symbol() (string, error) {
	return _ServiceToken.Contract.Symbol(&_ServiceToken.CallOpts)
}

// Symbol is a free data retrieval call binding the contract method 0x95d89b41.
//
// Solidity: function symbol() view returns(string)
func (_ServiceToken *ServiceTokenCallerSession) Symbol() (string, error) {
	return _ServiceToken.Contract.Symbol(&_ServiceToken.CallOpts)
}

// TotalSupply is a free data retrieval call binding the contract method 0x18160ddd.
//
// Solidity: function totalSupply() view returns(uint256)
func (_ServiceToken *ServiceTokenCaller) TotalSupply(opts *bind.CallOpts) (*big.Int, error) {
	var out []interface{}
	err := _ServiceToken.contract.Call(opts, &out, "totalSupply")

	if err != nil {
		return *new(*big.Int), err
	}

	out0 := *abi.ConvertType(out[0], new(*big.Int)).(**big.Int)

	return out0, err

}

// TotalSupply is a free data retrieval call binding the contract method 0x18160ddd.
//
// Solidity: function totalSupply() view returns(uint256)
func (_ServiceToken *ServiceTokenSession) TotalSupply() (*big.Int, error) {
	return _ServiceToken.Contract.TotalSupply(&_ServiceToken.CallOpts)
}

// TotalSupply is a free data retrieval call binding the contract method 0x18160ddd.
//
// Solidity: function totalSupply() view returns(uint256)
func (_ServiceToken *ServiceTokenCallerSession) TotalSupply() (*big.Int, error) {
	return _ServiceToken.Contract.TotalSupply(&_ServiceToken.CallOpts)
}

// Approve is a paid mutator transaction binding the contract method 0x095ea7b3.
//
// Solidity: function approve(address spender, uint256 value) returns(bool)
func (_ServiceToken *ServiceTokenTransactor) Approve(opts *bind.TransactOpts, spender common.Address, value *big.Int) (*types.Transaction, error) {
	return _ServiceToken.contract.Transact(opts, "approve", spender, value)
}

// Approve is a paid mutator transaction binding the contract method 0x095ea7b3.
//
// Solidity: function approve(address spender, uint256 value) returns(bool)
func (_ServiceToken *ServiceTokenSession) Approve(spender common.Address, value *big.Int) (*types.Transaction, error) {
	return _ServiceToken.Contract.Approve(&_ServiceToken.TransactOpts, spender, value)
}

// Approve is a paid mutator transaction binding the contract method 0x095ea7b3.
//
// Solidity: function approve(address spender, uint256 value) returns(bool)
func (_ServiceToken *ServiceTokenTransactorSession) Approve(spender common.Address, value *big.Int) (*types.Transaction, error) {
	return _ServiceToken.Contract.Approve(&_ServiceToken.TransactOpts, spender, value)
}

// Burn is a paid mutator transaction binding the contract method 0x42966c68.
//
// Solidity: function burn(uint256 value) returns()
func (_ServiceToken *ServiceTokenTransactor) Burn(opts *bind.TransactOpts, value *big.Int) (*types.Transaction, error) {
	return _ServiceToken.contract.Transact(opts, "burn", value)
}

// Burn is a paid mutator transaction binding the contract method 0x42966c68.
//
// Solidity: function burn(uint256 value) returns()
func (_ServiceToken *ServiceTokenSession) Burn(value *big.Int) (*types.Transaction, error) {
	return _ServiceToken.Contract.Burn(&_ServiceToken.TransactOpts, value)
}

// Burn is a paid mutator transaction binding the contract method 0x42966c68.
//
// Solidity: function burn(uint256 value) returns()
func (_ServiceToken *ServiceTokenTransactorSession) Burn(value *big.Int) (*types.Transaction, error) {
	return _ServiceToken.Contract.Burn(&_ServiceToken.TransactOpts, value)
}

// BurnFrom is a paid mutator transaction binding the contract method 0x79cc6790.
//
// Solidity: function burnFrom(address account, uint256 value) returns()
func (_ServiceToken *ServiceTokenTransactor) BurnFrom(opts *bind.TransactOpts, account common.Address, value *big.Int) (*types.Transaction, error) {
	return _ServiceToken.contract.Transact(opts, "burnFrom", account, value)
}

// BurnFrom is a paid mutator transaction binding the contract method 0x79cc6790.
//
// Solidity: function burnFrom(address account, uint256 value) returns()
func (_ServiceToken *ServiceTokenSession) BurnFrom(account common.Address, value *big.Int) (*types.Transaction, error) {
	return _ServiceToken.Contract.BurnFrom(&_ServiceToken.TransactOpts, account, value)
}

// BurnFrom is a paid mutator transaction binding the contract method 0x79cc6790.
//
// Solidity: function burnFrom(address account, uint256 value) returns()
func (_ServiceToken *ServiceTokenTransactorSession) BurnFrom(account common.Address, value *big.Int) (*types.Transaction, error) {
	return _ServiceToken.Contract.BurnFrom(&_ServiceToken.TransactOpts, account, value)
}

// Transfer is a paid mutator transaction binding the contract method 0xa9059cbb.
//
// Solidity: function transfer(address to, uint256 value) returns(bool)
func (_ServiceToken *ServiceTokenTransactor) Transfer(opts *bind.TransactOpts, to common.Address, value *big.Int) (*types.Transaction, error) {
	return _ServiceToken.contract.Transact(opts, "transfer", to, value)
}

// Transfer is a paid mutator transaction binding the contract method 0xa9059cbb.
//
// Solidity: function transfer(address to, uint256 value) returns(bool)
func (_ServiceToken *ServiceTokenSession) Transfer(to common.Address, value *big.Int) (*types.Transaction, error) {
	return _ServiceToken.Contract.Transfer(&_ServiceToken.TransactOpts, to, value)
}

// Transfer is a paid mutator transaction binding the contract method 0xa9059cbb.
//
// Solidity: function transfer(address to, uint256 value) returns(bool)
func (_ServiceToken *ServiceTokenTransactorSession) Transfer(to common.Address, value *big.Int) (*types.Transaction, error) {
	return _ServiceToken.Contract.Transfer(&_ServiceToken.TransactOpts, to, value)
}

// TransferFrom is a paid mutator transaction binding the contract method 0x23b872dd.
//
// Solidity: function transferFrom(address from, address to, uint256 value) returns(bool)
func (_ServiceToken *ServiceTokenTransactor) TransferFrom(opts *bind.TransactOpts, from common.Address, to common.Address, value *big.Int) (*types.Transaction, error) {
	return _ServiceToken.contract.Transact(opts, "transferFrom", from, to, value)
}

// TransferFrom is a paid mutator transaction binding the contract method 0x23b872dd.
//
// Solidity: function transferFrom(address from, address to, uint256 value) returns(bool)
func (_ServiceToken *ServiceTokenSession) TransferFrom(from common.Address, to common.Address, value *big.Int) (*types.Transaction, error) {
	return _ServiceToken.Contract.TransferFrom(&_ServiceToken.TransactOpts, from, to, value)
}

// TransferFrom is a paid mutator transaction binding the contract method 0x23b872dd.
//
// Solidity: function transferFrom(address from, address to, uint256 value) returns(bool)
func (_ServiceToken *ServiceTokenTransactorSession) TransferFrom(from common.Address, to common.Address, value *big.Int) (*types.Transaction, error) {
	return _ServiceToken.Contract.TransferFrom(&_ServiceToken.TransactOpts, from, to, value)
}

// ServiceTokenApprovalIterator is returned from FilterApproval and is used to iterate over the raw logs and unpacked data for Approval events raised by the ServiceToken contract.
type ServiceTokenApprovalIterator struct {
	Event *ServiceTokenApproval // Event containing the contract specifics and raw log

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
func (it *ServiceTokenApprovalIterator) Next() bool {
	// If the iterator failed, stop iterating
	if it.fail != nil {
		return false
	}
	// If the iterator completed, deliver directly whatever's available
	if it.done {
		select {
		case log := <-it.logs:
			it.Event = new(ServiceTokenApproval)
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
		it.Event = new(ServiceTokenApproval)
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
func (it *ServiceTokenApprovalIterator) Error() error {
	return it.fail
}

// Close terminates the iteration process, releasing any pending underlying
// resources.
func (it *ServiceTokenApprovalIterator) Close() error {
	it.sub.Unsubscribe()
	return nil
}

// ServiceTokenApproval represents a Approval event raised by the ServiceToken contract.
type ServiceTokenApproval struct {
	Owner   common.Address
	Spender common.Address
	Value   *big.Int
	Raw     types.Log // Blockchain specific contextual infos
}

// FilterApproval is a free log retrieval operation binding the contract event 0x8c5be1e5ebec7d5bd14f71427d1e84f3dd0314c0f7b2291e5b200ac8c7c3b925.
//
// Solidity: event Approval(address indexed owner, address indexed spender, uint256 value)
func (_ServiceToken *ServiceTokenFilterer) FilterApproval(opts *bind.FilterOpts, owner []common.Address, spender []common.Address) (*ServiceTokenApprovalIterator, error) {

	var ownerRule []interface{}
	for _, ownerItem := range owner {
		ownerRule = append(ownerRule, ownerItem)
	}
	var spenderRule []interface{}
	for _, spenderItem := range spender {
		spenderRule = append(spenderRule, spenderItem)
	}

	logs, sub, err := _ServiceToken.contract.FilterLogs(opts, "Approval", ownerRule, spenderRule)
	if err != nil {
		return nil, err
	}
	return &ServiceTokenApprovalIterator{contract: _ServiceToken.contract, event: "Approval", logs: logs, sub: sub}, nil
}

// WatchApproval is a free log subscription operation binding the contract event 0x8c5be1e5ebec7d5bd14f71427d1e84f3dd0314c0f7b2291e5b200ac8c7c3b925.
//
// Solidity: event Approval(address indexed owner, address indexed spender, uint256 value)
func (_ServiceToken *ServiceTokenFilterer) WatchApproval(opts *bind.WatchOpts, sink chan<- *ServiceTokenApproval, owner []common.Address, spender []common.Address) (event.Subscription, error) {

	var ownerRule []interface{}
	for _, ownerItem := range owner {
		ownerRule = append(ownerRule, ownerItem)
	}
	var spenderRule []interface{}
	for _, spenderItem := range spender {
		spenderRule = append(spenderRule, spenderItem)
	}

	logs, sub, err := _ServiceToken.contract.WatchLogs(opts, "Approval", ownerRule, spenderRule)
	if err != nil {
		return nil, err
	}
	return event.NewSubscription(func(quit <-chan struct{}) error {
		defer sub.Unsubscribe()
		for {
			select {
			case log := <-logs:
				// New log arrived, parse the event and forward to the user
				event := new(ServiceTokenApproval)
				if err := _ServiceToken.contract.UnpackLog(event, "Approval", log); err != nil {
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
// Solidity: event Approval(address indexed owner, address indexed spender, uint256 value)
func (_ServiceToken *ServiceTokenFilterer) ParseApproval(log types.Log) (*ServiceTokenApproval, error) {
	event := new(ServiceTokenApproval)
	if err := _ServiceToken.contract.UnpackLog(event, "Approval", log); err != nil {
		return nil, err
	}
	event.Raw = log
	return event, nil
}

// ServiceTokenTransferIterator is returned from FilterTransfer and is used to iterate over the raw logs and unpacked data for Transfer events raised by the ServiceToken contract.
type ServiceTokenTransferIterator struct {
	Event *ServiceTokenTransfer // Event containing the contract specifics and raw log

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
func (it *ServiceTokenTransferIterator) Next() bool {
	// If the iterator failed, stop iterating
	if it.fail != nil {
		return false
	}
	// If the iterator completed, deliver directly whatever's available
	if it.done {
		select {
		case log := <-it.logs:
			it.Event = new(ServiceTokenTransfer)
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
		it.Event = new(ServiceTokenTransfer)
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
func (it *ServiceTokenTransferIterator) Error() error {
	return it.fail
}

// Close terminates the iteration process, releasing any pending underlying
// resources.
func (it *ServiceTokenTransferIterator) Close() error {
	it.sub.Unsubscribe()
	return nil
}

// ServiceTokenTransfer represents a Transfer event raised by the ServiceToken contract.
type ServiceTokenTransfer struct {
	From  common.Address
	To    common.Address
	Value *big.Int
	Raw   types.Log // Blockchain specific contextual infos
}

// FilterTransfer is a free log retrieval operation binding the contract event 0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef.
//
// Solidity: event Transfer(address indexed from, address indexed to, uint256 value)
func (_ServiceToken *ServiceTokenFilterer) FilterTransfer(opts *bind.FilterOpts, from []common.Address, to []common.Address) (*ServiceTokenTransferIterator, error) {

	var fromRule []interface{}
	for _, fromItem := range from {
		fromRule = append(fromRule, fromItem)
	}
	var toRule []interface{}
	for _, toItem := range to {
		toRule = append(toRule, toItem)
	}

	logs, sub, err := _ServiceToken.contract.FilterLogs(opts, "Transfer", fromRule, toRule)
	if err != nil {
		return nil, err
	}
	return &ServiceTokenTransferIterator{contract: _ServiceToken.contract, event: "Transfer", logs: logs, sub: sub}, nil
}

// WatchTransfer is a free log subscription operation binding the contract event 0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef.
//
// Solidity: event Transfer(address indexed from, address indexed to, uint256 value)
func (_ServiceToken *ServiceTokenFilterer) WatchTransfer(opts *bind.WatchOpts, sink chan<- *ServiceTokenTransfer, from []common.Address, to []common.Address) (event.Subscription, error) {

	var fromRule []interface{}
	for _, fromItem := range from {
		fromRule = append(fromRule, fromItem)
	}
	var toRule []interface{}
	for _, toItem := range to {
		toRule = append(toRule, toItem)
	}

	logs, sub, err := _ServiceToken.contract.WatchLogs(opts, "Transfer", fromRule, toRule)
	if err != nil {
		return nil, err
	}
	return event.NewSubscription(func(quit <-chan struct{}) error {
		defer sub.Unsubscribe()
		for {
			select {
			case log := <-logs:
				// New log arrived, parse the event and forward to the user
				event := new(ServiceTokenTransfer)
				if err := _ServiceToken.contract.UnpackLog(event, "Transfer", log); err != nil {
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
// Solidity: event Transfer(address indexed from, address indexed to, uint256 value)
func (_ServiceToken *ServiceTokenFilterer) ParseTransfer(log types.Log) (*ServiceTokenTransfer, error) {
	event := new(ServiceTokenTransfer)
	if err := _ServiceToken.contract.UnpackLog(event, "Transfer", log); err != nil {
		return nil, err
	}
	event.Raw = log
	return event, nil
}
