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

// CommitmentsCommitment is an auto generated low-level Go binding around an user-defined struct.
type CommitmentsCommitment struct {
	Root       [32]byte
	BitmapHash [32]byte
	Count      uint32
	Epoch      uint64
	Anchor     common.Address
	Written    bool
}

// CommitmentsMetaData contains all meta data concerning the Commitments contract.
var CommitmentsMetaData = &bind.MetaData{
	ABI: "[{\"inputs\":[{\"internalType\":\"contractRegistry\",\"name\":\"nodeRegistry\",\"type\":\"address\"},{\"internalType\":\"uint64\",\"name\":\"periodSeconds\",\"type\":\"uint64\"},{\"internalType\":\"uint64\",\"name\":\"graceSeconds\",\"type\":\"uint64\"}],\"stateMutability\":\"nonpayable\",\"type\":\"constructor\"},{\"inputs\":[{\"internalType\":\"uint64\",\"name\":\"period\",\"type\":\"uint64\"}],\"name\":\"AlreadyCommitted\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"length\",\"type\":\"uint256\"}],\"name\":\"BitmapTooLong\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"NoAnchors\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"caller\",\"type\":\"address\"},{\"internalType\":\"address\",\"name\":\"onDuty\",\"type\":\"address\"}],\"name\":\"NotOnDuty\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint64\",\"name\":\"period\",\"type\":\"uint64\"},{\"internalType\":\"uint64\",\"name\":\"current\",\"type\":\"uint64\"}],\"name\":\"PeriodNotOver\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"ZeroPeriod\",\"type\":\"error\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"uint64\",\"name\":\"period\",\"type\":\"uint64\"},{\"indexed\":false,\"internalType\":\"bytes32\",\"name\":\"root\",\"type\":\"bytes32\"},{\"indexed\":false,\"internalType\":\"uint32\",\"name\":\"count\",\"type\":\"uint32\"},{\"indexed\":false,\"internalType\":\"bytes\",\"name\":\"bitmap\",\"type\":\"bytes\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"anchor\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"uint64\",\"name\":\"epoch\",\"type\":\"uint64\"}],\"name\":\"Committed\",\"type\":\"event\"},{\"inputs\":[],\"name\":\"MAX_BITMAP\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint64\",\"name\":\"p\",\"type\":\"uint64\"},{\"internalType\":\"bytes32\",\"name\":\"root\",\"type\":\"bytes32\"},{\"internalType\":\"uint32\",\"name\":\"count\",\"type\":\"uint32\"},{\"internalType\":\"bytes\",\"name\":\"bitmap\",\"type\":\"bytes\"}],\"name\":\"commit\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint64\",\"name\":\"p\",\"type\":\"uint64\"}],\"name\":\"commitmentOf\",\"outputs\":[{\"components\":[{\"internalType\":\"bytes32\",\"name\":\"root\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"bitmapHash\",\"type\":\"bytes32\"},{\"internalType\":\"uint32\",\"name\":\"count\",\"type\":\"uint32\"},{\"internalType\":\"uint64\",\"name\":\"epoch\",\"type\":\"uint64\"},{\"internalType\":\"address\",\"name\":\"anchor\",\"type\":\"address\"},{\"internalType\":\"bool\",\"name\":\"written\",\"type\":\"bool\"}],\"internalType\":\"structCommitments.Commitment\",\"name\":\"\",\"type\":\"tuple\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"currentPeriod\",\"outputs\":[{\"internalType\":\"uint64\",\"name\":\"\",\"type\":\"uint64\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"genesis\",\"outputs\":[{\"internalType\":\"uint64\",\"name\":\"\",\"type\":\"uint64\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"grace\",\"outputs\":[{\"internalType\":\"uint64\",\"name\":\"\",\"type\":\"uint64\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"period\",\"outputs\":[{\"internalType\":\"uint64\",\"name\":\"\",\"type\":\"uint64\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint64\",\"name\":\"p\",\"type\":\"uint64\"}],\"name\":\"periodEnd\",\"outputs\":[{\"internalType\":\"uint64\",\"name\":\"\",\"type\":\"uint64\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"registry\",\"outputs\":[{\"internalType\":\"contractRegistry\",\"name\":\"\",\"type\":\"address\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint64\",\"name\":\"p\",\"type\":\"uint64\"}],\"name\":\"rotation\",\"outputs\":[{\"internalType\":\"address[]\",\"name\":\"order\",\"type\":\"address[]\"},{\"internalType\":\"uint64\",\"name\":\"epoch\",\"type\":\"uint64\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint64\",\"name\":\"p\",\"type\":\"uint64\"},{\"internalType\":\"bytes32\",\"name\":\"uid\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32[]\",\"name\":\"proof\",\"type\":\"bytes32[]\"}],\"name\":\"verify\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"view\",\"type\":\"function\"}]",
	Bin: "0x610100604052348015610010575f5ffd5b5060405161123b38038061123b83398101604081905261002f916100b0565b6001600160401b038216158061004c57506001600160401b038116155b1561006a5760405163586e5acb60e01b815260040160405180910390fd5b6001600160a01b039092166080526001600160401b0342811660a05290811660c0521660e0526100fd565b80516001600160401b03811681146100ab575f5ffd5b919050565b5f5f5f606084860312156100c2575f5ffd5b83516001600160a01b03811681146100d8575f5ffd5b92506100e660208501610095565b91506100f460408501610095565b90509250925092565b60805160a05160c05160e0516110db6101605f395f818160d4015261045401525f81816103030152818161032801526109ca01525f81816102c90152818161034c0152610a0401525f818161028a01528181610784015261082f01526110db5ff3fe608060405234801561000f575f5ffd5b50600436106100a6575f3560e01c80634d0c15271161006e5780634d0c1527146101455780636e91cd6e146102645780637b10399914610285578063a7f0b3de146102c4578063ea0e95d6146102eb578063ef78d4fd146102fe575f5ffd5b806306040618146100aa5780631eefddb1146100cf5780633ac1810b146100f65780633c034b6b1461010b5780633e746d1d14610122575b5f5ffd5b6100b2610325565b6040516001600160401b0390911681526020015b60405180910390f35b6100b27f000000000000000000000000000000000000000000000000000000000000000081565b610109610104366004610acc565b610380565b005b61011461040081565b6040519081526020016100c6565b610135610130366004610b6b565b6106e5565b60405190151581526020016100c6565b610203610153366004610bf1565b6040805160c0810182525f80825260208201819052918101829052606081018290526080810182905260a0810191909152506001600160401b039081165f9081526020818152604091829020825160c08101845281548152600182015492810192909252600281015463ffffffff81169383019390935264010000000083049093166060820152600160601b9091046001600160a01b0316608082015260039091015460ff16151560a082015290565b6040516100c69190815181526020808301519082015260408083015163ffffffff16908201526060808301516001600160401b0316908201526080808301516001600160a01b03169082015260a09182015115159181019190915260c00190565b610277610272366004610bf1565b61077f565b6040516100c6929190610c0c565b6102ac7f000000000000000000000000000000000000000000000000000000000000000081565b6040516001600160a01b0390911681526020016100c6565b6100b27f000000000000000000000000000000000000000000000000000000000000000081565b6100b26102f9366004610bf1565b6109c7565b6100b27f000000000000000000000000000000000000000000000000000000000000000081565b5f7f00000000000000000000000000000000000000000000000000000000000000006103717f000000000000000000000000000000000000000000000000000000000000000042610c7f565b61037b9190610cb2565b905090565b5f610389610325565b9050806001600160401b0316866001600160401b0316106103d55760405163b587f32d60e01b81526001600160401b038088166004830152821660248201526044015b60405180910390fd5b6001600160401b0386165f9081526020819052604090206003015460ff161561041c5760405163e685805d60e01b81526001600160401b03871660048201526024016103cc565b61040082111561044257604051632993dde560e11b8152600481018390526024016103cc565b5f5f61044d8861077f565b915091505f7f000000000000000000000000000000000000000000000000000000000000000061047c8a6109c7565b6104869042610c7f565b6104909190610cb2565b6001600160401b031690505f805b8281111580156104ae5750845181105b1561050057336001600160a01b03168582815181106104cf576104cf610cdf565b60200260200101516001600160a01b0316036104ee5760019150610500565b806104f881610cf3565b91505061049e565b50806105515733845f8151811061051957610519610cdf565b602002602001015160405163c7237b4b60e01b81526004016103cc9291906001600160a01b0392831681529116602082015260400190565b6040518060c001604052808a81526020018888604051610572929190610d0b565b604051809103902081526020018963ffffffff168152602001846001600160401b03168152602001336001600160a01b03168152602001600115158152505f5f8c6001600160401b03166001600160401b031681526020019081526020015f205f820151815f0155602082015181600101556040820151816002015f6101000a81548163ffffffff021916908363ffffffff16021790555060608201518160020160046101000a8154816001600160401b0302191690836001600160401b03160217905550608082015181600201600c6101000a8154816001600160a01b0302191690836001600160a01b0316021790555060a0820151816003015f6101000a81548160ff021916908315150217905550905050336001600160a01b03168a6001600160401b03167f196b3896bcb2797d858fb07587d355f6206769ac6dc17e196ab46a6ac769bbf08b8b8b8b896040516106d1959493929190610d1a565b60405180910390a350505050505050505050565b6001600160401b0384165f9081526020818152604080832081519283018790529183910160408051601f198184030181528282528051602091820120908301520160408051601f198184030181529190528051602090910120600383015490915060ff16801561075e5750600282015463ffffffff1615155b801561077457506107748585845f015484610a2e565b979650505050505050565b60605f7f00000000000000000000000000000000000000000000000000000000000000006001600160a01b03166306a4c9836040518163ffffffff1660e01b8152600401602060405180830381865afa1580156107de573d5f5f3e3d5ffd5b505050506040513d601f19601f820116820180604052508101906108029190610d6e565b6040516348a030fb60e01b81526001600160401b03821660048201529091505f9081906001600160a01b037f000000000000000000000000000000000000000000000000000000000000000016906348a030fb906024015f60405180830381865afa158015610873573d5f5f3e3d5ffd5b505050506040513d5f823e601f3d908101601f1916820160405261089a9190810190610f35565b5050805191935091505f8190036108c45760405163d74cde9d60e01b815260040160405180910390fd5b5f8184886040516020016108eb9291909182526001600160401b0316602082015260400190565b604051602081830303815290604052805190602001205f1c61090d9190611037565b9050816001600160401b0381111561092757610927610d89565b604051908082528060200260200182016040528015610950578160200160208202803683370190505b5095505f5b828110156109bd578383610969838561104a565b6109739190611037565b8151811061098357610983610cdf565b602002602001015187828151811061099d5761099d610cdf565b6001600160a01b0390921660209283029190910190910152600101610955565b5050505050915091565b5f7f00000000000000000000000000000000000000000000000000000000000000006109f483600161105d565b6109fe919061107c565b610a28907f000000000000000000000000000000000000000000000000000000000000000061105d565b92915050565b5f82610a3b868685610a45565b1495945050505050565b5f81815b84811015610a7d57610a7382878784818110610a6757610a67610cdf565b90506020020135610a86565b9150600101610a49565b50949350505050565b5f818310610aa0575f828152602084905260409020610aae565b5f8381526020839052604090205b9392505050565b6001600160401b0381168114610ac9575f5ffd5b50565b5f5f5f5f5f60808688031215610ae0575f5ffd5b8535610aeb81610ab5565b945060208601359350604086013563ffffffff81168114610b0a575f5ffd5b925060608601356001600160401b03811115610b24575f5ffd5b8601601f81018813610b34575f5ffd5b80356001600160401b03811115610b49575f5ffd5b886020828401011115610b5a575f5ffd5b959894975092955050506020019190565b5f5f5f5f60608587031215610b7e575f5ffd5b8435610b8981610ab5565b93506020850135925060408501356001600160401b03811115610baa575f5ffd5b8501601f81018713610bba575f5ffd5b80356001600160401b03811115610bcf575f5ffd5b8760208260051b8401011115610be3575f5ffd5b949793965060200194505050565b5f60208284031215610c01575f5ffd5b8135610aae81610ab5565b604080825283519082018190525f9060208501906060840190835b81811015610c4e5783516001600160a01b0316835260209384019390920191600101610c27565b505080925050506001600160401b03831660208301529392505050565b634e487b7160e01b5f52601160045260245ffd5b6001600160401b038281168282160390811115610a2857610a28610c6b565b634e487b7160e01b5f52601260045260245ffd5b5f6001600160401b03831680610cca57610cca610c9e565b806001600160401b0384160491505092915050565b634e487b7160e01b5f52603260045260245ffd5b5f60018201610d0457610d04610c6b565b5060010190565b818382375f9101908152919050565b85815263ffffffff8516602082015260806040820152826080820152828460a08301375f60a084830101525f60a0601f19601f86011683010190506001600160401b03831660608301529695505050505050565b5f60208284031215610d7e575f5ffd5b8151610aae81610ab5565b634e487b7160e01b5f52604160045260245ffd5b604051601f8201601f191681016001600160401b0381118282101715610dc557610dc5610d89565b604052919050565b5f6001600160401b03821115610de557610de5610d89565b5060051b60200190565b5f82601f830112610dfe575f5ffd5b8151610e11610e0c82610dcd565b610d9d565b8082825260208201915060208360051b860101925085831115610e32575f5ffd5b602085015b83811015610e4f578051835260209283019201610e37565b5095945050505050565b5f82601f830112610e68575f5ffd5b8151610e76610e0c82610dcd565b8082825260208201915060208360051b860101925085831115610e97575f5ffd5b602085015b83811015610e4f5780516001600160401b03811115610eb9575f5ffd5b8601603f81018813610ec9575f5ffd5b60208101516001600160401b03811115610ee557610ee5610d89565b610ef8601f8201601f1916602001610d9d565b8181526040838301018a1015610f0c575f5ffd5b8160408401602083015e5f60208383010152808652505050602083019250602081019050610e9c565b5f5f5f5f60808587031215610f48575f5ffd5b8451935060208501516001600160401b03811115610f64575f5ffd5b8501601f81018713610f74575f5ffd5b8051610f82610e0c82610dcd565b8082825260208201915060208360051b850101925089831115610fa3575f5ffd5b6020840193505b82841015610fd95783516001600160a01b0381168114610fc8575f5ffd5b825260209384019390910190610faa565b8096505050505060408501516001600160401b03811115610ff8575f5ffd5b61100487828801610def565b92505060608501516001600160401b0381111561101f575f5ffd5b61102b87828801610e59565b91505092959194509250565b5f8261104557611045610c9e565b500690565b80820180821115610a2857610a28610c6b565b6001600160401b038181168382160190811115610a2857610a28610c6b565b6001600160401b03818116838216029081169081811461109e5761109e610c6b565b509291505056fea264697066735822122012b172618dabc3067549818b06a9564a34b64871752b1c05947e2f5d9200bc0964736f6c634300081c0033",
}

// CommitmentsABI is the input ABI used to generate the binding from.
// Deprecated: Use CommitmentsMetaData.ABI instead.
var CommitmentsABI = CommitmentsMetaData.ABI

// CommitmentsBin is the compiled bytecode used for deploying new contracts.
// Deprecated: Use CommitmentsMetaData.Bin instead.
var CommitmentsBin = CommitmentsMetaData.Bin

// DeployCommitments deploys a new Ethereum contract, binding an instance of Commitments to it.
func DeployCommitments(auth *bind.TransactOpts, backend bind.ContractBackend, nodeRegistry common.Address, periodSeconds uint64, graceSeconds uint64) (common.Address, *types.Transaction, *Commitments, error) {
	parsed, err := CommitmentsMetaData.GetAbi()
	if err != nil {
		return common.Address{}, nil, nil, err
	}
	if parsed == nil {
		return common.Address{}, nil, nil, errors.New("GetABI returned nil")
	}

	address, tx, contract, err := bind.DeployContract(auth, *parsed, common.FromHex(CommitmentsBin), backend, nodeRegistry, periodSeconds, graceSeconds)
	if err != nil {
		return common.Address{}, nil, nil, err
	}
	return address, tx, &Commitments{CommitmentsCaller: CommitmentsCaller{contract: contract}, CommitmentsTransactor: CommitmentsTransactor{contract: contract}, CommitmentsFilterer: CommitmentsFilterer{contract: contract}}, nil
}

// Commitments is an auto generated Go binding around an Ethereum contract.
type Commitments struct {
	CommitmentsCaller     // Read-only binding to the contract
	CommitmentsTransactor // Write-only binding to the contract
	CommitmentsFilterer   // Log filterer for contract events
}

// CommitmentsCaller is an auto generated read-only Go binding around an Ethereum contract.
type CommitmentsCaller struct {
	contract *bind.BoundContract // Generic contract wrapper for the low level calls
}

// CommitmentsTransactor is an auto generated write-only Go binding around an Ethereum contract.
type CommitmentsTransactor struct {
	contract *bind.BoundContract // Generic contract wrapper for the low level calls
}

// CommitmentsFilterer is an auto generated log filtering Go binding around an Ethereum contract events.
type CommitmentsFilterer struct {
	contract *bind.BoundContract // Generic contract wrapper for the low level calls
}

// CommitmentsSession is an auto generated Go binding around an Ethereum contract,
// with pre-set call and transact options.
type CommitmentsSession struct {
	Contract     *Commitments      // Generic contract binding to set the session for
	CallOpts     bind.CallOpts     // Call options to use throughout this session
	TransactOpts bind.TransactOpts // Transaction auth options to use throughout this session
}

// CommitmentsCallerSession is an auto generated read-only Go binding around an Ethereum contract,
// with pre-set call options.
type CommitmentsCallerSession struct {
	Contract *CommitmentsCaller // Generic contract caller binding to set the session for
	CallOpts bind.CallOpts      // Call options to use throughout this session
}

// CommitmentsTransactorSession is an auto generated write-only Go binding around an Ethereum contract,
// with pre-set transact options.
type CommitmentsTransactorSession struct {
	Contract     *CommitmentsTransactor // Generic contract transactor binding to set the session for
	TransactOpts bind.TransactOpts      // Transaction auth options to use throughout this session
}

// CommitmentsRaw is an auto generated low-level Go binding around an Ethereum contract.
type CommitmentsRaw struct {
	Contract *Commitments // Generic contract binding to access the raw methods on
}

// CommitmentsCallerRaw is an auto generated low-level read-only Go binding around an Ethereum contract.
type CommitmentsCallerRaw struct {
	Contract *CommitmentsCaller // Generic read-only contract binding to access the raw methods on
}

// CommitmentsTransactorRaw is an auto generated low-level write-only Go binding around an Ethereum contract.
type CommitmentsTransactorRaw struct {
	Contract *CommitmentsTransactor // Generic write-only contract binding to access the raw methods on
}

// NewCommitments creates a new instance of Commitments, bound to a specific deployed contract.
func NewCommitments(address common.Address, backend bind.ContractBackend) (*Commitments, error) {
	contract, err := bindCommitments(address, backend, backend, backend)
	if err != nil {
		return nil, err
	}
	return &Commitments{CommitmentsCaller: CommitmentsCaller{contract: contract}, CommitmentsTransactor: CommitmentsTransactor{contract: contract}, CommitmentsFilterer: CommitmentsFilterer{contract: contract}}, nil
}

// NewCommitmentsCaller creates a new read-only instance of Commitments, bound to a specific deployed contract.
func NewCommitmentsCaller(address common.Address, caller bind.ContractCaller) (*CommitmentsCaller, error) {
	contract, err := bindCommitments(address, caller, nil, nil)
	if err != nil {
		return nil, err
	}
	return &CommitmentsCaller{contract: contract}, nil
}

// NewCommitmentsTransactor creates a new write-only instance of Commitments, bound to a specific deployed contract.
func NewCommitmentsTransactor(address common.Address, transactor bind.ContractTransactor) (*CommitmentsTransactor, error) {
	contract, err := bindCommitments(address, nil, transactor, nil)
	if err != nil {
		return nil, err
	}
	return &CommitmentsTransactor{contract: contract}, nil
}

// NewCommitmentsFilterer creates a new log filterer instance of Commitments, bound to a specific deployed contract.
func NewCommitmentsFilterer(address common.Address, filterer bind.ContractFilterer) (*CommitmentsFilterer, error) {
	contract, err := bindCommitments(address, nil, nil, filterer)
	if err != nil {
		return nil, err
	}
	return &CommitmentsFilterer{contract: contract}, nil
}

// bindCommitments binds a generic wrapper to an already deployed contract.
func bindCommitments(address common.Address, caller bind.ContractCaller, transactor bind.ContractTransactor, filterer bind.ContractFilterer) (*bind.BoundContract, error) {
	parsed, err := CommitmentsMetaData.GetAbi()
	if err != nil {
		return nil, err
	}
	return bind.NewBoundContract(address, *parsed, caller, transactor, filterer), nil
}

// Call invokes the (constant) contract method with params as input values and
// sets the output to result. The result type might be a single field for simple
// returns, a slice of interfaces for anonymous returns and a struct for named
// returns.
func (_Commitments *CommitmentsRaw) Call(opts *bind.CallOpts, result *[]interface{}, method string, params ...interface{}) error {
	return _Commitments.Contract.CommitmentsCaller.contract.Call(opts, result, method, params...)
}

// Transfer initiates a plain transaction to move funds to the contract, calling
// its default method if one is available.
func (_Commitments *CommitmentsRaw) Transfer(opts *bind.TransactOpts) (*types.Transaction, error) {
	return _Commitments.Contract.CommitmentsTransactor.contract.Transfer(opts)
}

// Transact invokes the (paid) contract method with params as input values.
func (_Commitments *CommitmentsRaw) Transact(opts *bind.TransactOpts, method string, params ...interface{}) (*types.Transaction, error) {
	return _Commitments.Contract.CommitmentsTransactor.contract.Transact(opts, method, params...)
}

// Call invokes the (constant) contract method with params as input values and
// sets the output to result. The result type might be a single field for simple
// returns, a slice of interfaces for anonymous returns and a struct for named
// returns.
func (_Commitments *CommitmentsCallerRaw) Call(opts *bind.CallOpts, result *[]interface{}, method string, params ...interface{}) error {
	return _Commitments.Contract.contract.Call(opts, result, method, params...)
}

// Transfer initiates a plain transaction to move funds to the contract, calling
// its default method if one is available.
func (_Commitments *CommitmentsTransactorRaw) Transfer(opts *bind.TransactOpts) (*types.Transaction, error) {
	return _Commitments.Contract.contract.Transfer(opts)
}

// Transact invokes the (paid) contract method with params as input values.
func (_Commitments *CommitmentsTransactorRaw) Transact(opts *bind.TransactOpts, method string, params ...interface{}) (*types.Transaction, error) {
	return _Commitments.Contract.contract.Transact(opts, method, params...)
}

// MAXBITMAP is a free data retrieval call binding the contract method 0x3c034b6b.
//
// Solidity: function MAX_BITMAP() view returns(uint256)
func (_Commitments *CommitmentsCaller) MAXBITMAP(opts *bind.CallOpts) (*big.Int, error) {
	var out []interface{}
	err := _Commitments.contract.Call(opts, &out, "MAX_BITMAP")

	if err != nil {
		return *new(*big.Int), err
	}

	out0 := *abi.ConvertType(out[0], new(*big.Int)).(**big.Int)

	return out0, err

}

// MAXBITMAP is a free data retrieval call binding the contract method 0x3c034b6b.
//
// Solidity: function MAX_BITMAP() view returns(uint256)
func (_Commitments *CommitmentsSession) MAXBITMAP() (*big.Int, error) {
	return _Commitments.Contract.MAXBITMAP(&_Commitments.CallOpts)
}

// MAXBITMAP is a free data retrieval call binding the contract method 0x3c034b6b.
//
// Solidity: function MAX_BITMAP() view returns(uint256)
func (_Commitments *CommitmentsCallerSession) MAXBITMAP() (*big.Int, error) {
	return _Commitments.Contract.MAXBITMAP(&_Commitments.CallOpts)
}

// CommitmentOf is a free data retrieval call binding the contract method 0x4d0c1527.
//
// Solidity: function commitmentOf(uint64 p) view returns((bytes32,bytes32,uint32,uint64,address,bool))
func (_Commitments *CommitmentsCaller) CommitmentOf(opts *bind.CallOpts, p uint64) (CommitmentsCommitment, error) {
	var out []interface{}
	err := _Commitments.contract.Call(opts, &out, "commitmentOf", p)

	if err != nil {
		return *new(CommitmentsCommitment), err
	}

	out0 := *abi.ConvertType(out[0], new(CommitmentsCommitment)).(*CommitmentsCommitment)

	return out0, err

}

// CommitmentOf is a free data retrieval call binding the contract method 0x4d0c1527.
//
// Solidity: function commitmentOf(uint64 p) view returns((bytes32,bytes32,uint32,uint64,address,bool))
func (_Commitments *CommitmentsSession) CommitmentOf(p uint64) (CommitmentsCommitment, error) {
	return _Commitments.Contract.CommitmentOf(&_Commitments.CallOpts, p)
}

// CommitmentOf is a free data retrieval call binding the contract method 0x4d0c1527.
//
// Solidity: function commitmentOf(uint64 p) view returns((bytes32,bytes32,uint32,uint64,address,bool))
func (_Commitments *CommitmentsCallerSession) CommitmentOf(p uint64) (CommitmentsCommitment, error) {
	return _Commitments.Contract.CommitmentOf(&_Commitments.CallOpts, p)
}

// CurrentPeriod is a free data retrieval call binding the contract method 0x06040618.
//
// Solidity: function currentPeriod() view returns(uint64)
func (_Commitments *CommitmentsCaller) CurrentPeriod(opts *bind.CallOpts) (uint64, error) {
	var out []interface{}
	err := _Commitments.contract.Call(opts, &out, "currentPeriod")

	if err != nil {
		return *new(uint64), err
	}

	out0 := *abi.ConvertType(out[0], new(uint64)).(*uint64)

	return out0, err

}

// CurrentPeriod is a free data retrieval call binding the contract method 0x06040618.
//
// Solidity: function currentPeriod() view returns(uint64)
func (_Commitments *CommitmentsSession) CurrentPeriod() (uint64, error) {
	return _Commitments.Contract.CurrentPeriod(&_Commitments.CallOpts)
}

// CurrentPeriod is a free data retrieval call binding the contract method 0x06040618.
//
// Solidity: function currentPeriod() view returns(uint64)
func (_Commitments *CommitmentsCallerSession) CurrentPeriod() (uint64, error) {
	return _Commitments.Contract.CurrentPeriod(&_Commitments.CallOpts)
}

// Genesis is a free data retrieval call binding the contract method 0xa7f0b3de.
//
// Solidity: function genesis() view returns(uint64)
func (_Commitments *CommitmentsCaller) Genesis(opts *bind.CallOpts) (uint64, error) {
	var out []interface{}
	err := _Commitments.contract.Call(opts, &out, "genesis")

	if err != nil {
		return *new(uint64), err
	}

	out0 := *abi.ConvertType(out[0], new(uint64)).(*uint64)

	return out0, err

}

// Genesis is a free data retrieval call binding the contract method 0xa7f0b3de.
//
// Solidity: function genesis() view returns(uint64)
func (_Commitments *CommitmentsSession) Genesis() (uint64, error) {
	return _Commitments.Contract.Genesis(&_Commitments.CallOpts)
}

// Genesis is a free data retrieval call binding the contract method 0xa7f0b3de.
//
// Solidity: function genesis() view returns(uint64)
func (_Commitments *CommitmentsCallerSession) Genesis() (uint64, error) {
	return _Commitments.Contract.Genesis(&_Commitments.CallOpts)
}

// Grace is a free data retrieval call binding the contract method 0x1eefddb1.
//
// Solidity: function grace() view returns(uint64)
func (_Commitments *CommitmentsCaller) Grace(opts *bind.CallOpts) (uint64, error) {
	var out []interface{}
	err := _Commitments.contract.Call(opts, &out, "grace")

	if err != nil {
		return *new(uint64), err
	}

	out0 := *abi.ConvertType(out[0], new(uint64)).(*uint64)

	return out0, err

}

// Grace is a free data retrieval call binding the contract method 0x1eefddb1.
//
// Solidity: function grace() view returns(uint64)
func (_Commitments *CommitmentsSession) Grace() (uint64, error) {
	return _Commitments.Contract.Grace(&_Commitments.CallOpts)
}

// Grace is a free data retrieval call binding the contract method 0x1eefddb1.
//
// Solidity: function grace() view returns(uint64)
func (_Commitments *CommitmentsCallerSession) Grace() (uint64, error) {
	return _Commitments.Contract.Grace(&_Commitments.CallOpts)
}

// Period is a free data retrieval call binding the contract method 0xef78d4fd.
//
// Solidity: function period() view returns(uint64)
func (_Commitments *CommitmentsCaller) Period(opts *bind.CallOpts) (uint64, error) {
	var out []interface{}
	err := _Commitments.contract.Call(opts, &out, "period")

	if err != nil {
		return *new(uint64), err
	}

	out0 := *abi.ConvertType(out[0], new(uint64)).(*uint64)

	return out0, err

}

// Period is a free data retrieval call binding the contract method 0xef78d4fd.
//
// Solidity: function period() view returns(uint64)
func (_Commitments *CommitmentsSession) Period() (uint64, error) {
	return _Commitments.Contract.Period(&_Commitments.CallOpts)
}

// Period is a free data retrieval call binding the contract method 0xef78d4fd.
//
// Solidity: function period() view returns(uint64)
func (_Commitments *CommitmentsCallerSession) Period() (uint64, error) {
	return _Commitments.Contract.Period(&_Commitments.CallOpts)
}

// PeriodEnd is a free data retrieval call binding the contract method 0xea0e95d6.
//
// Solidity: function periodEnd(uint64 p) view returns(uint64)
func (_Commitments *CommitmentsCaller) PeriodEnd(opts *bind.CallOpts, p uint64) (uint64, error) {
	var out []interface{}
	err := _Commitments.contract.Call(opts, &out, "periodEnd", p)

	if err != nil {
		return *new(uint64), err
	}

	out0 := *abi.ConvertType(out[0], new(uint64)).(*uint64)

	return out0, err

}

// PeriodEnd is a free data retrieval call binding the contract method 0xea0e95d6.
//
// Solidity: function periodEnd(uint64 p) view returns(uint64)
func (_Commitments *CommitmentsSession) PeriodEnd(p uint64) (uint64, error) {
	return _Commitments.Contract.PeriodEnd(&_Commitments.CallOpts, p)
}

// PeriodEnd is a free data retrieval call binding the contract method 0xea0e95d6.
//
// Solidity: function periodEnd(uint64 p) view returns(uint64)
func (_Commitments *CommitmentsCallerSession) PeriodEnd(p uint64) (uint64, error) {
	return _Commitments.Contract.PeriodEnd(&_Commitments.CallOpts, p)
}

// Registry is a free data retrieval call binding the contract method 0x7b103999.
//
// Solidity: function registry() view returns(address)
func (_Commitments *CommitmentsCaller) Registry(opts *bind.CallOpts) (common.Address, error) {
	var out []interface{}
	err := _Commitments.contract.Call(opts, &out, "registry")

	if err != nil {
		return *new(common.Address), err
	}

	out0 := *abi.ConvertType(out[0], new(common.Address)).(*common.Address)

	return out0, err

}

// Registry is a free data retrieval call binding the contract method 0x7b103999.
//
// Solidity: function registry() view returns(address)
func (_Commitments *CommitmentsSession) Registry() (common.Address, error) {
	return _Commitments.Contract.Registry(&_Commitments.CallOpts)
}

// Registry is a free data retrieval call binding the contract method 0x7b103999.
//
// Solidity: function registry() view returns(address)
func (_Commitments *CommitmentsCallerSession) Registry() (common.Address, error) {
	return _Commitments.Contract.Registry(&_Commitments.CallOpts)
}

// Rotation is a free data retrieval call binding the contract method 0x6e91cd6e.
//
// Solidity: function rotation(uint64 p) view returns(address[] order, uint64 epoch)
func (_Commitments *CommitmentsCaller) Rotation(opts *bind.CallOpts, p uint64) (struct {
	Order []common.Address
	Epoch uint64
}, error) {
	var out []interface{}
	err := _Commitments.contract.Call(opts, &out, "rotation", p)

	outstruct := new(struct {
		Order []common.Address
		Epoch uint64
	})
	if err != nil {
		return *outstruct, err
	}

	outstruct.Order = *abi.ConvertType(out[0], new([]common.Address)).(*[]common.Address)
	outstruct.Epoch = *abi.ConvertType(out[1], new(uint64)).(*uint64)

	return *outstruct, err

}

// Rotation is a free data retrieval call binding the contract method 0x6e91cd6e.
//
// Solidity: function rotation(uint64 p) view returns(address[] order, uint64 epoch)
func (_Commitments *CommitmentsSession) Rotation(p uint64) (struct {
	Order []common.Address
	Epoch uint64
}, error) {
	return _Commitments.Contract.Rotation(&_Commitments.CallOpts, p)
}

// Rotation is a free data retrieval call binding the contract method 0x6e91cd6e.
//
// Solidity: function rotation(uint64 p) view returns(address[] order, uint64 epoch)
func (_Commitments *CommitmentsCallerSession) Rotation(p uint64) (struct {
	Order []common.Address
	Epoch uint64
}, error) {
	return _Commitments.Contract.Rotation(&_Commitments.CallOpts, p)
}

// Verify is a free data retrieval call binding the contract method 0x3e746d1d.
//
// Solidity: function verify(uint64 p, bytes32 uid, bytes32[] proof) view returns(bool)
func (_Commitments *CommitmentsCaller) Verify(opts *bind.CallOpts, p uint64, uid [32]byte, proof [][32]byte) (bool, error) {
	var out []interface{}
	err := _Commitments.contract.Call(opts, &out, "verify", p, uid, proof)

	if err != nil {
		return *new(bool), err
	}

	out0 := *abi.ConvertType(out[0], new(bool)).(*bool)

	return out0, err

}

// Verify is a free data retrieval call binding the contract method 0x3e746d1d.
//
// Solidity: function verify(uint64 p, bytes32 uid, bytes32[] proof) view returns(bool)
func (_Commitments *CommitmentsSession) Verify(p uint64, uid [32]byte, proof [][32]byte) (bool, error) {
	return _Commitments.Contract.Verify(&_Commitments.CallOpts, p, uid, proof)
}

// Verify is a free data retrieval call binding the contract method 0x3e746d1d.
//
// Solidity: function verify(uint64 p, bytes32 uid, bytes32[] proof) view returns(bool)
func (_Commitments *CommitmentsCallerSession) Verify(p uint64, uid [32]byte, proof [][32]byte) (bool, error) {
	return _Commitments.Contract.Verify(&_Commitments.CallOpts, p, uid, proof)
}

// Commit is a paid mutator transaction binding the contract method 0x3ac1810b.
//
// Solidity: function commit(uint64 p, bytes32 root, uint32 count, bytes bitmap) returns()
func (_Commitments *CommitmentsTransactor) Commit(opts *bind.TransactOpts, p uint64, root [32]byte, count uint32, bitmap []byte) (*types.Transaction, error) {
	return _Commitments.contract.Transact(opts, "commit", p, root, count, bitmap)
}

// Commit is a paid mutator transaction binding the contract method 0x3ac1810b.
//
// Solidity: function commit(uint64 p, bytes32 root, uint32 count, bytes bitmap) returns()
func (_Commitments *CommitmentsSession) Commit(p uint64, root [32]byte, count uint32, bitmap []byte) (*types.Transaction, error) {
	return _Commitments.Contract.Commit(&_Commitments.TransactOpts, p, root, count, bitmap)
}

// Commit is a paid mutator transaction binding the contract method 0x3ac1810b.
//
// Solidity: function commit(uint64 p, bytes32 root, uint32 count, bytes bitmap) returns()
func (_Commitments *CommitmentsTransactorSession) Commit(p uint64, root [32]byte, count uint32, bitmap []byte) (*types.Transaction, error) {
	return _Commitments.Contract.Commit(&_Commitments.TransactOpts, p, root, count, bitmap)
}

// CommitmentsCommittedIterator is returned from FilterCommitted and is used to iterate over the raw logs and unpacked data for Committed events raised by the Commitments contract.
type CommitmentsCommittedIterator struct {
	Event *CommitmentsCommitted // Event containing the contract specifics and raw log

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
func (it *CommitmentsCommittedIterator) Next() bool {
	// If the iterator failed, stop iterating
	if it.fail != nil {
		return false
	}
	// If the iterator completed, deliver directly whatever's available
	if it.done {
		select {
		case log := <-it.logs:
			it.Event = new(CommitmentsCommitted)
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
		it.Event = new(CommitmentsCommitted)
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
func (it *CommitmentsCommittedIterator) Error() error {
	return it.fail
}

// Close terminates the iteration process, releasing any pending underlying
// resources.
func (it *CommitmentsCommittedIterator) Close() error {
	it.sub.Unsubscribe()
	return nil
}

// CommitmentsCommitted represents a Committed event raised by the Commitments contract.
type CommitmentsCommitted struct {
	Period uint64
	Root   [32]byte
	Count  uint32
	Bitmap []byte
	Anchor common.Address
	Epoch  uint64
	Raw    types.Log // Blockchain specific contextual infos
}

// FilterCommitted is a free log retrieval operation binding the contract event 0x196b3896bcb2797d858fb07587d355f6206769ac6dc17e196ab46a6ac769bbf0.
//
// Solidity: event Committed(uint64 indexed period, bytes32 root, uint32 count, bytes bitmap, address indexed anchor, uint64 epoch)
func (_Commitments *CommitmentsFilterer) FilterCommitted(opts *bind.FilterOpts, period []uint64, anchor []common.Address) (*CommitmentsCommittedIterator, error) {

	var periodRule []interface{}
	for _, periodItem := range period {
		periodRule = append(periodRule, periodItem)
	}

	var anchorRule []interface{}
	for _, anchorItem := range anchor {
		anchorRule = append(anchorRule, anchorItem)
	}

	logs, sub, err := _Commitments.contract.FilterLogs(opts, "Committed", periodRule, anchorRule)
	if err != nil {
		return nil, err
	}
	return &CommitmentsCommittedIterator{contract: _Commitments.contract, event: "Committed", logs: logs, sub: sub}, nil
}

// WatchCommitted is a free log subscription operation binding the contract event 0x196b3896bcb2797d858fb07587d355f6206769ac6dc17e196ab46a6ac769bbf0.
//
// Solidity: event Committed(uint64 indexed period, bytes32 root, uint32 count, bytes bitmap, address indexed anchor, uint64 epoch)
func (_Commitments *CommitmentsFilterer) WatchCommitted(opts *bind.WatchOpts, sink chan<- *CommitmentsCommitted, period []uint64, anchor []common.Address) (event.Subscription, error) {

	var periodRule []interface{}
	for _, periodItem := range period {
		periodRule = append(periodRule, periodItem)
	}

	var anchorRule []interface{}
	for _, anchorItem := range anchor {
		anchorRule = append(anchorRule, anchorItem)
	}

	logs, sub, err := _Commitments.contract.WatchLogs(opts, "Committed", periodRule, anchorRule)
	if err != nil {
		return nil, err
	}
	return event.NewSubscription(func(quit <-chan struct{}) error {
		defer sub.Unsubscribe()
		for {
			select {
			case log := <-logs:
				// New log arrived, parse the event and forward to the user
				event := new(CommitmentsCommitted)
				if err := _Commitments.contract.UnpackLog(event, "Committed", log); err != nil {
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

// ParseCommitted is a log parse operation binding the contract event 0x196b3896bcb2797d858fb07587d355f6206769ac6dc17e196ab46a6ac769bbf0.
//
// Solidity: event Committed(uint64 indexed period, bytes32 root, uint32 count, bytes bitmap, address indexed anchor, uint64 epoch)
func (_Commitments *CommitmentsFilterer) ParseCommitted(log types.Log) (*CommitmentsCommitted, error) {
	event := new(CommitmentsCommitted)
	if err := _Commitments.contract.UnpackLog(event, "Committed", log); err != nil {
		return nil, err
	}
	event.Raw = log
	return event, nil
}
