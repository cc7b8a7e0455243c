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

// RegistryNode is an auto generated low-level Go binding around an user-defined struct.
type RegistryNode struct {
	Operator       common.Address
	Role           uint8
	Stake          *big.Int
	Unbonding      *big.Int
	UnbondingUntil uint64
	PeerId         string
	HttpUrl        string
}

// RegistryMetaData contains all meta data concerning the Registry contract.
var RegistryMetaData = &bind.MetaData{
	ABI: "[{\"inputs\":[{\"internalType\":\"contractIERC20\",\"name\":\"token\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"minAnchor\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"minService\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"anchors\",\"type\":\"uint256\"},{\"internalType\":\"uint64\",\"name\":\"unbondingSeconds\",\"type\":\"uint64\"}],\"stateMutability\":\"nonpayable\",\"type\":\"constructor\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"node\",\"type\":\"address\"}],\"name\":\"AlreadyRegistered\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"BadRole\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"stake\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"minimum\",\"type\":\"uint256\"}],\"name\":\"BelowMinimum\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"signer\",\"type\":\"address\"}],\"name\":\"DuplicateSigner\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"ECDSAInvalidSignature\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"length\",\"type\":\"uint256\"}],\"name\":\"ECDSAInvalidSignatureLength\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"s\",\"type\":\"bytes32\"}],\"name\":\"ECDSAInvalidSignatureS\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"evidence\",\"type\":\"bytes32\"}],\"name\":\"EvidenceUsed\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"amount\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"stake\",\"type\":\"uint256\"}],\"name\":\"ExceedsStake\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"FieldTooLong\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"signed\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"setStake\",\"type\":\"uint256\"}],\"name\":\"InsufficientSignedStake\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"caller\",\"type\":\"address\"}],\"name\":\"NotOperator\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"node\",\"type\":\"address\"}],\"name\":\"NotRegistered\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"NothingToWithdraw\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"ReentrancyGuardReentrantCall\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"token\",\"type\":\"address\"}],\"name\":\"SafeERC20FailedOperation\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"signer\",\"type\":\"address\"}],\"name\":\"SignerNotAnchor\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint64\",\"name\":\"until\",\"type\":\"uint64\"}],\"name\":\"StillUnbonding\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"TooManyAnchorCandidates\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"ZeroAmount\",\"type\":\"error\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"node\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"string\",\"name\":\"httpUrl\",\"type\":\"string\"}],\"name\":\"EndpointUpdated\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"node\",\"type\":\"address\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"operator\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"enumRegistry.Role\",\"name\":\"role\",\"type\":\"uint8\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"stake\",\"type\":\"uint256\"},{\"indexed\":false,\"internalType\":\"string\",\"name\":\"peerId\",\"type\":\"string\"},{\"indexed\":false,\"internalType\":\"string\",\"name\":\"httpUrl\",\"type\":\"string\"}],\"name\":\"Registered\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"node\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"amount\",\"type\":\"uint256\"},{\"indexed\":true,\"internalType\":\"bytes32\",\"name\":\"evidence\",\"type\":\"bytes32\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"signedStake\",\"type\":\"uint256\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"setStake\",\"type\":\"uint256\"}],\"name\":\"Slashed\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"node\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"amount\",\"type\":\"uint256\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"stake\",\"type\":\"uint256\"}],\"name\":\"StakeAdded\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"node\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"amount\",\"type\":\"uint256\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"stake\",\"type\":\"uint256\"},{\"indexed\":false,\"internalType\":\"uint64\",\"name\":\"until\",\"type\":\"uint64\"}],\"name\":\"UnstakeStarted\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"node\",\"type\":\"address\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"operator\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"amount\",\"type\":\"uint256\"}],\"name\":\"Withdrawn\",\"type\":\"event\"},{\"inputs\":[],\"name\":\"MAX_ANCHOR_CANDIDATES\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"MAX_PEER_ID\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"MAX_URL\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"SLASH_TYPEHASH\",\"outputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"node\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"amount\",\"type\":\"uint256\"}],\"name\":\"addStake\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"node\",\"type\":\"address\"},{\"internalType\":\"enumRegistry.Role\",\"name\":\"role\",\"type\":\"uint8\"}],\"name\":\"admitted\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"anchorSet\",\"outputs\":[{\"internalType\":\"address[]\",\"name\":\"set\",\"type\":\"address[]\"},{\"internalType\":\"uint256[]\",\"name\":\"stakes\",\"type\":\"uint256[]\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"maxAnchors\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"minAnchorStake\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"minServiceStake\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"node\",\"type\":\"address\"}],\"name\":\"nodeOf\",\"outputs\":[{\"components\":[{\"internalType\":\"address\",\"name\":\"operator\",\"type\":\"address\"},{\"internalType\":\"enumRegistry.Role\",\"name\":\"role\",\"type\":\"uint8\"},{\"internalType\":\"uint256\",\"name\":\"stake\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"unbonding\",\"type\":\"uint256\"},{\"internalType\":\"uint64\",\"name\":\"unbondingUntil\",\"type\":\"uint64\"},{\"internalType\":\"string\",\"name\":\"peerId\",\"type\":\"string\"},{\"internalType\":\"string\",\"name\":\"httpUrl\",\"type\":\"string\"}],\"internalType\":\"structRegistry.Node\",\"name\":\"\",\"type\":\"tuple\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"node\",\"type\":\"address\"},{\"internalType\":\"enumRegistry.Role\",\"name\":\"role\",\"type\":\"uint8\"},{\"internalType\":\"string\",\"name\":\"peerId\",\"type\":\"string\"},{\"internalType\":\"string\",\"name\":\"httpUrl\",\"type\":\"string\"},{\"internalType\":\"uint256\",\"name\":\"amount\",\"type\":\"uint256\"}],\"name\":\"register\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"services\",\"outputs\":[{\"internalType\":\"address[]\",\"name\":\"\",\"type\":\"address[]\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"node\",\"type\":\"address\"},{\"internalType\":\"string\",\"name\":\"httpUrl\",\"type\":\"string\"}],\"name\":\"setEndpoint\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"node\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"amount\",\"type\":\"uint256\"},{\"internalType\":\"bytes32\",\"name\":\"evidence\",\"type\":\"bytes32\"},{\"internalType\":\"bytes[]\",\"name\":\"signatures\",\"type\":\"bytes[]\"}],\"name\":\"slash\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"node\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"amount\",\"type\":\"uint256\"},{\"internalType\":\"bytes32\",\"name\":\"evidence\",\"type\":\"bytes32\"}],\"name\":\"slashDigest\",\"outputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"name\":\"slashed\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"stakeToken\",\"outputs\":[{\"internalType\":\"contractIERC20\",\"name\":\"\",\"type\":\"address\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"unbonding\",\"outputs\":[{\"internalType\":\"uint64\",\"name\":\"\",\"type\":\"uint64\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"node\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"amount\",\"type\":\"uint256\"}],\"name\":\"unstake\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"node\",\"type\":\"address\"}],\"name\":\"withdraw\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"}]",
	Bin: "0x610120604052348015610010575f5ffd5b506040516126ca3803806126ca83398101604081905261002f9161005f565b60015f556001600160a01b0390941660805260a09290925260c05260e0526001600160401b0316610100526100c9565b5f5f5f5f5f60a08688031215610073575f5ffd5b85516001600160a01b0381168114610089575f5ffd5b60208701516040880151606089015160808a0151939850919650945092506001600160401b03811681146100bb575f5ffd5b809150509295509295909350565b60805160a05160c05160e051610100516125856101455f395f8181610175015261142501525f818161013b0152818161100a015261103101525f81816101d1015261171d01525f8181610371015261174301525f818161021e0152818161084b01528181610a1001528181610b8a015261161701526125855ff3fe608060405234801561000f575f5ffd5b5060043610610132575f3560e01c80636374299e116100b4578063a7b90c0611610079578063a7b90c0614610318578063af190c6b14610320578063c042173114610333578063c2a672e014610346578063d06b673114610359578063f913a4041461036c575f5ffd5b80636374299e146102b1578063682a9141146102c4578063763d4d2f146102e45780637b2b30e3146102fa57806390dd258f1461030f575f5ffd5b80634987ea43116100fa5780634987ea43146101f357806351cff8d91461020657806351ed6a30146102195780635c2af2aa1461025857806361b143df1461027f575f5ffd5b806318917c1514610136578063331fc44a146101705780634229217a146101af57806343fe5de2146101c457806347d45e00146101cc575b5f5ffd5b61015d7f000000000000000000000000000000000000000000000000000000000000000081565b6040519081526020015b60405180910390f35b6101977f000000000000000000000000000000000000000000000000000000000000000081565b6040516001600160401b039091168152602001610167565b6101c26101bd366004611dfb565b610393565b005b61015d608081565b61015d7f000000000000000000000000000000000000000000000000000000000000000081565b6101c2610201366004611e57565b6104c3565b6101c2610214366004611eed565b6108da565b6102407f000000000000000000000000000000000000000000000000000000000000000081565b6040516001600160a01b039091168152602001610167565b61015d7f9ef193266e3819a479ee446c07a401daf7fafbfad1490e613dbbc9879d144d7f81565b6102a161028d366004611f0d565b60046020525f908152604090205460ff1681565b6040519015158152602001610167565b6101c26102bf366004611f24565b610a8c565b6102d76102d2366004611eed565b610c13565b6040516101679190611fae565b6102ec610e0c565b604051610167929190612076565b6103026111a5565b60405161016791906120ce565b61015d61010081565b61015d604081565b6102a161032e3660046120e0565b611205565b61015d610341366004612111565b61126e565b6101c2610354366004611f24565b6112e7565b6101c2610367366004612141565b6114bb565b61015d7f000000000000000000000000000000000000000000000000000000000000000081565b825f6001600160a01b0382165f90815260016020526040902054600160a01b900460ff1660028111156103c8576103c8611f4c565b036103f65760405163bfc6c33760e01b81526001600160a01b03821660048201526024015b60405180910390fd5b6001600160a01b038181165f9081526001602052604090205416331461043157604051633b63649d60e11b81523360048201526024016103ed565b6101008211156104545760405163d649753960e01b815260040160405180910390fd5b6001600160a01b0384165f908152600160205260409020600501610479838583612260565b50836001600160a01b03167f060a16d12d0dfc76a33a2d280e8544990981e010744db7750feb63a17041c57184846040516104b5929190612341565b60405180910390a250505050565b6104cb6116d9565b60018660028111156104df576104df611f4c565b141580156104ff575060028660028111156104fc576104fc611f4c565b14155b1561051d5760405163d5c84cfb60e01b815260040160405180910390fd5b5f6001600160a01b0388165f90815260016020526040902054600160a01b900460ff16600281111561055157610551611f4c565b1461057a576040516345ed80e960e01b81526001600160a01b03881660048201526024016103ed565b608084118061058a575061010082115b156105a85760405163d649753960e01b815260040160405180910390fd5b6105b186611701565b8110156105e457806105c287611701565b60405163bd49034f60e01b8152600481019290925260248201526044016103ed565b60018660028111156105f8576105f8611f4c565b0361066f57600254604011610620576040516359a84c6f60e01b815260040160405180910390fd5b600280546001810182555f919091527f405787fa12a823e0f2b7631cc41b3ba8828b3321ca811111fa75cd3aa3bb5ace0180546001600160a01b0319166001600160a01b0389161790556106ba565b600380546001810182555f919091527fc2575a0e9e593c00f959f8c92f12db2869c3395a3b0502d05e2516446f71f85b0180546001600160a01b0319166001600160a01b0389161790555b6040518060e00160405280336001600160a01b031681526020018760028111156106e6576106e6611f4c565b81526020018281526020015f81526020015f6001600160401b0316815260200186868080601f0160208091040260200160405190810160405280939291908181526020018383808284375f92019190915250505090825250604080516020601f8701819004810282018101909252858152918101919086908690819084018382808284375f9201829052509390945250506001600160a01b03808b1682526001602090815260409092208451815492166001600160a01b0319831681178255928501519093509183916001600160a81b03191617600160a01b8360028111156107d1576107d1611f4c565b02179055506040820151600182015560608201516002820155608082015160038201805467ffffffffffffffff19166001600160401b0390921691909117905560a08201516004820190610825908261235c565b5060c0820151600582019061083a908261235c565b506108739150506001600160a01b037f000000000000000000000000000000000000000000000000000000000000000016333084611768565b336001600160a01b0316876001600160a01b03167f79d38096a8352d07559ca974f63265942910f186944fd236a211de38b72a66968884898989896040516108c096959493929190612416565b60405180910390a36108d160015f55565b50505050505050565b6108e26116d9565b805f6001600160a01b0382165f90815260016020526040902054600160a01b900460ff16600281111561091757610917611f4c565b036109405760405163bfc6c33760e01b81526001600160a01b03821660048201526024016103ed565b6001600160a01b038181165f9081526001602052604090205416331461097b57604051633b63649d60e11b81523360048201526024016103ed565b6001600160a01b0382165f90815260016020526040812060028101549091036109b757604051630686827b60e51b815260040160405180910390fd5b60038101546001600160401b03164210156109f657600381015460405163be8a527b60e01b81526001600160401b0390911660048201526024016103ed565b6002810180545f9091558154610a39906001600160a01b037f000000000000000000000000000000000000000000000000000000000000000081169116836117d5565b81546040518281526001600160a01b03918216918616907fd1c19fbcd4551a5edfb66d43d2e337c04837afda3482b42bdf569a8fccdae5fb9060200160405180910390a3505050610a8960015f55565b50565b610a946116d9565b815f6001600160a01b0382165f90815260016020526040902054600160a01b900460ff166002811115610ac957610ac9611f4c565b03610af25760405163bfc6c33760e01b81526001600160a01b03821660048201526024016103ed565b6001600160a01b038181165f90815260016020526040902054163314610b2d57604051633b63649d60e11b81523360048201526024016103ed565b815f03610b4d57604051631f2a200560e01b815260040160405180910390fd5b6001600160a01b0383165f9081526001602081905260408220018054849290610b77908490612470565b90915550610bb290506001600160a01b037f000000000000000000000000000000000000000000000000000000000000000016333085611768565b6001600160a01b0383165f81815260016020818152604092839020909101548251868152918201527f270d6dd254edd1d985c81cf7861b8f28fb06b6d719df04d90464034d43412440910160405180910390a250610c0f60015f55565b5050565b610c596040805160e081019091525f808252602082019081526020015f81526020015f81526020015f6001600160401b0316815260200160608152602001606081525090565b6001600160a01b038281165f90815260016020908152604091829020825160e0810190935280549384168352919290830190600160a01b900460ff166002811115610ca657610ca6611f4c565b6002811115610cb757610cb7611f4c565b8152600182015460208201526002820154604082015260038201546001600160401b03166060820152600482018054608090920191610cf5906121e4565b80601f0160208091040260200160405190810160405280929190818152602001828054610d21906121e4565b8015610d6c5780601f10610d4357610100808354040283529160200191610d6c565b820191905f5260205f20905b815481529060010190602001808311610d4f57829003601f168201915b50505050508152602001600582018054610d85906121e4565b80601f0160208091040260200160405190810160405280929190818152602001828054610db1906121e4565b8015610dfc5780601f10610dd357610100808354040283529160200191610dfc565b820191905f5260205f20905b815481529060010190602001808311610ddf57829003601f168201915b5050505050815250509050919050565b60025460609081905f816001600160401b03811115610e2d57610e2d6121d0565b604051908082528060200260200182016040528015610e56578160200160208202803683370190505b5090505f805b83811015610f0757610e9560028281548110610e7a57610e7a612483565b5f918252602090912001546001600160a01b03166001611205565b15610eff5760028181548110610ead57610ead612483565b5f918252602090912001546001600160a01b03168383610ecc81612497565b945081518110610ede57610ede612483565b60200260200101906001600160a01b031690816001600160a01b0316815250505b600101610e5c565b5060015b81811015611006575f838281518110610f2657610f26612483565b602002602001015190505f8290505b5f81118015610f6c5750610f6c8286610f4f6001856124af565b81518110610f5f57610f5f612483565b602002602001015161180b565b15610fd15784610f7d6001836124af565b81518110610f8d57610f8d612483565b6020026020010151858281518110610fa757610fa7612483565b6001600160a01b039092166020928302919091019091015280610fc9816124c2565b915050610f35565b81858281518110610fe457610fe4612483565b6001600160a01b03909216602092830291909101909101525050600101610f0b565b505f7f00000000000000000000000000000000000000000000000000000000000000008210611055577f0000000000000000000000000000000000000000000000000000000000000000611057565b815b9050806001600160401b03811115611071576110716121d0565b60405190808252806020026020018201604052801561109a578160200160208202803683370190505b509550806001600160401b038111156110b5576110b56121d0565b6040519080825280602002602001820160405280156110de578160200160208202803683370190505b5094505f5b8181101561119c578381815181106110fd576110fd612483565b602002602001015187828151811061111757611117612483565b60200260200101906001600160a01b031690816001600160a01b03168152505060015f85838151811061114c5761114c612483565b60200260200101516001600160a01b03166001600160a01b031681526020019081526020015f206001015486828151811061118957611189612483565b60209081029190910101526001016110e3565b50505050509091565b606060038054806020026020016040519081016040528092919081815260200182805480156111fb57602002820191905f5260205f20905b81546001600160a01b031681526001909101906020018083116111dd575b5050505050905090565b6001600160a01b0382165f90815260016020526040812082600281111561122e5761122e611f4c565b8154600160a01b900460ff16600281111561124b5761124b611f4c565b148015611264575061125c83611701565b816001015410155b9150505b92915050565b604080517f9ef193266e3819a479ee446c07a401daf7fafbfad1490e613dbbc9879d144d7f602082015246918101919091523060608201526001600160a01b038416608082015260a0810183905260c081018290525f9060e0016040516020818303038152906040528051906020012090509392505050565b815f6001600160a01b0382165f90815260016020526040902054600160a01b900460ff16600281111561131c5761131c611f4c565b036113455760405163bfc6c33760e01b81526001600160a01b03821660048201526024016103ed565b6001600160a01b038181165f9081526001602052604090205416331461138057604051633b63649d60e11b81523360048201526024016103ed565b6001600160a01b0383165f908152600160205260408120908390036113b857604051631f2a200560e01b815260040160405180910390fd5b80600101548311156113ed576001810154604051630fc7737160e31b81526103ed918591600401918252602082015260400190565b82816001015f82825461140091906124af565b9250508190555082816002015f82825461141a9190612470565b9091555061144a90507f0000000000000000000000000000000000000000000000000000000000000000426124d7565b60038201805467ffffffffffffffff19166001600160401b0392909216918217905560018201546040805186815260208101929092528101919091526001600160a01b038516907ffde37cacda8b3524152ac28da3dddc4f6876f4d2fa8173724eb4d9c863b563a9906060016104b5565b6114c36116d9565b6001600160a01b0385165f908152600160205260408120908154600160a01b900460ff1660028111156114f8576114f8611f4c565b036115215760405163bfc6c33760e01b81526001600160a01b03871660048201526024016103ed565b845f0361154157604051631f2a200560e01b815260040160405180910390fd5b5f8481526004602052604090205460ff1615611573576040516310841bd360e21b8152600481018590526024016103ed565b5f5f61158a61158389898961126e565b8686611867565b91509150805f14806115af57506115a28160026124f6565b6115ad8360036124f6565b105b156115d757604051639c48d4dd60e01b815260048101839052602481018290526044016103ed565b5f868152600460205260408120805460ff191660011790556115f98489611ab7565b9050801561167757604051630852cd8d60e31b8152600481018290527f00000000000000000000000000000000000000000000000000000000000000006001600160a01b0316906342966c68906024015f604051808303815f87803b158015611660575f5ffd5b505af1158015611672573d5f5f3e3d5ffd5b505050505b604080518281526020810185905290810183905287906001600160a01b038b16907fd2578441b4e1d6951b2dc5c123964f934fd6be32831ea09376799ba34d10e5a49060600160405180910390a3505050506116d260015f55565b5050505050565b60025f54036116fb57604051633ee5aeb560e01b815260040160405180910390fd5b60025f55565b5f600182600281111561171657611716611f4c565b14611741577f0000000000000000000000000000000000000000000000000000000000000000611268565b7f000000000000000000000000000000000000000000000000000000000000000092915050565b6040516001600160a01b0384811660248301528381166044830152606482018390526117cf9186918216906323b872dd906084015b604051602081830303815290604052915060e01b6020820180516001600160e01b038381831617835250505050611b3f565b50505050565b6040516001600160a01b0383811660248301526044820183905261180691859182169063a9059cbb9060640161179d565b505050565b6001600160a01b038083165f9081526001602081905260408083208201549385168352822001549091908082118061185e5750808214801561185e5750836001600160a01b0316856001600160a01b0316105b95945050505050565b5f5f5f5f611873610e0c565b90925090505f5b82518110156118b25781818151811061189557611895612483565b6020026020010151846118a89190612470565b935060010161187a565b505f856001600160401b038111156118cc576118cc6121d0565b6040519080825280602002602001820160405280156118f5578160200160208202803683370190505b5090505f5b86811015611aab575f6119648a8a8a8581811061191957611919612483565b905060200281019061192b919061250d565b8080601f0160208091040260200160405190810160405280939291908181526020018383808284375f92019190915250611bab92505050565b90505f5b828110156119ce57816001600160a01b031684828151811061198c5761198c612483565b60200260200101516001600160a01b0316036119c657604051637010e27960e11b81526001600160a01b03831660048201526024016103ed565b600101611968565b50808383815181106119e2576119e2612483565b6001600160a01b03909216602092830291909101909101525f5b855181108015611a375750816001600160a01b0316868281518110611a2357611a23612483565b60200260200101516001600160a01b031614155b15611a4e5780611a4681612497565b9150506119fc565b85518103611a7a57604051636310c47960e01b81526001600160a01b03831660048201526024016103ed565b848181518110611a8c57611a8c612483565b602002602001015188611a9f9190612470565b975050506001016118fa565b50505050935093915050565b5f5f83600101548310611ace578360010154611ad0565b825b905080846001015f828254611ae591906124af565b909155505f9050611af682856124af565b90505f85600201548210611b0e578560020154611b10565b815b905080866002015f828254611b2591906124af565b90915550611b3590508184612470565b9695505050505050565b5f5f60205f8451602086015f885af180611b5e576040513d5f823e3d81fd5b50505f513d91508115611b75578060011415611b82565b6001600160a01b0384163b155b156117cf57604051635274afe760e01b81526001600160a01b03851660048201526024016103ed565b5f5f5f5f611bb98686611bd3565b925092509250611bc98282611c1c565b5090949350505050565b5f5f5f8351604103611c0a576020840151604085015160608601515f1a611bfc88828585611cd4565b955095509550505050611c15565b505081515f91506002905b9250925092565b5f826003811115611c2f57611c2f611f4c565b03611c38575050565b6001826003811115611c4c57611c4c611f4c565b03611c6a5760405163f645eedf60e01b815260040160405180910390fd5b6002826003811115611c7e57611c7e611f4c565b03611c9f5760405163fce698f760e01b8152600481018290526024016103ed565b6003826003811115611cb357611cb3611f4c565b03610c0f576040516335e2f38360e21b8152600481018290526024016103ed565b5f80807f7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0841115611d0d57505f91506003905082611d92565b604080515f808252602082018084528a905260ff891692820192909252606081018790526080810186905260019060a0016020604051602081039080840390855afa158015611d5e573d5f5f3e3d5ffd5b5050604051601f1901519150506001600160a01b038116611d8957505f925060019150829050611d92565b92505f91508190505b9450945094915050565b80356001600160a01b0381168114611db2575f5ffd5b919050565b5f5f83601f840112611dc7575f5ffd5b5081356001600160401b03811115611ddd575f5ffd5b602083019150836020828501011115611df4575f5ffd5b9250929050565b5f5f5f60408486031215611e0d575f5ffd5b611e1684611d9c565b925060208401356001600160401b03811115611e30575f5ffd5b611e3c86828701611db7565b9497909650939450505050565b803560038110611db2575f5ffd5b5f5f5f5f5f5f5f60a0888a031215611e6d575f5ffd5b611e7688611d9c565b9650611e8460208901611e49565b955060408801356001600160401b03811115611e9e575f5ffd5b611eaa8a828b01611db7565b90965094505060608801356001600160401b03811115611ec8575f5ffd5b611ed48a828b01611db7565b989b979a50959894979596608090950135949350505050565b5f60208284031215611efd575f5ffd5b611f0682611d9c565b9392505050565b5f60208284031215611f1d575f5ffd5b5035919050565b5f5f60408385031215611f35575f5ffd5b611f3e83611d9c565b946020939093013593505050565b634e487b7160e01b5f52602160045260245ffd5b60038110611f7c57634e487b7160e01b5f52602160045260245ffd5b9052565b5f81518084528060208401602086015e5f602082860101526020601f19601f83011685010191505092915050565b602080825282516001600160a01b0316828201528201515f90611fd46040840182611f60565b5060408301516060830152606083015160808301526001600160401b0360808401511660a083015260a083015160e060c0840152612016610100840182611f80565b905060c0840151601f198483030160e085015261185e8282611f80565b5f8151808452602084019350602083015f5b8281101561206c5781516001600160a01b0316865260209586019590910190600101612045565b5093949350505050565b604081525f6120886040830185612033565b82810360208401528084518083526020830191506020860192505f5b818110156120c25783518352602093840193909201916001016120a4565b50909695505050505050565b602081525f611f066020830184612033565b5f5f604083850312156120f1575f5ffd5b6120fa83611d9c565b915061210860208401611e49565b90509250929050565b5f5f5f60608486031215612123575f5ffd5b61212c84611d9c565b95602085013595506040909401359392505050565b5f5f5f5f5f60808688031215612155575f5ffd5b61215e86611d9c565b9450602086013593506040860135925060608601356001600160401b03811115612186575f5ffd5b8601601f81018813612196575f5ffd5b80356001600160401b038111156121ab575f5ffd5b8860208260051b84010111156121bf575f5ffd5b959894975092955050506020019190565b634e487b7160e01b5f52604160045260245ffd5b600181811c908216806121f857607f821691505b60208210810361221657634e487b7160e01b5f52602260045260245ffd5b50919050565b601f82111561180657805f5260205f20601f840160051c810160208510156122415750805b601f840160051c820191505b818110156116d2575f815560010161224d565b6001600160401b03831115612277576122776121d0565b61228b8361228583546121e4565b8361221c565b5f601f8411600181146122bc575f85156122a55750838201355b5f19600387901b1c1916600186901b1783556116d2565b5f83815260208120601f198716915b828110156122eb57868501358255602094850194600190920191016122cb565b5086821015612307575f1960f88860031b161c19848701351681555b505060018560011b0183555050505050565b81835281816020850137505f828201602090810191909152601f909101601f19169091010190565b602081525f612354602083018486612319565b949350505050565b81516001600160401b03811115612375576123756121d0565b6123898161238384546121e4565b8461221c565b6020601f8211600181146123bb575f83156123a45750848201515b5f19600385901b1c1916600184901b1784556116d2565b5f84815260208120601f198516915b828110156123ea57878501518255602094850194600190920191016123ca565b508482101561240757868401515f19600387901b60f8161c191681555b50505050600190811b01905550565b6124208188611f60565b856020820152608060408201525f61243c608083018688612319565b828103606084015261244f818587612319565b9998505050505050505050565b634e487b7160e01b5f52601160045260245ffd5b808201808211156112685761126861245c565b634e487b7160e01b5f52603260045260245ffd5b5f600182016124a8576124a861245c565b5060010190565b818103818111156112685761126861245c565b5f816124d0576124d061245c565b505f190190565b6001600160401b0381811683821601908111156112685761126861245c565b80820281158282048414176112685761126861245c565b5f5f8335601e19843603018112612522575f5ffd5b8301803591506001600160401b0382111561253b575f5ffd5b602001915036819003821315611df4575f5ffdfea2646970667358221220f9b0c2299a8b78431430cccd3ae5c4d2bf4506b525f024ac54de9e7b63890f2d64736f6c634300081c0033",
}

// RegistryABI is the input ABI used to generate the binding from.
// Deprecated: Use RegistryMetaData.ABI instead.
var RegistryABI = RegistryMetaData.ABI

// RegistryBin is the compiled bytecode used for deploying new contracts.
// Deprecated: Use RegistryMetaData.Bin instead.
var RegistryBin = RegistryMetaData.Bin

// DeployRegistry deploys a new Ethereum contract, binding an instance of Registry to it.
func DeployRegistry(auth *bind.TransactOpts, backend bind.ContractBackend, token common.Address, minAnchor *big.Int, minService *big.Int, anchors *big.Int, unbondingSeconds uint64) (common.Address, *types.Transaction, *Registry, error) {
	parsed, err := RegistryMetaData.GetAbi()
	if err != nil {
		return common.Address{}, nil, nil, err
	}
	if parsed == nil {
		return common.Address{}, nil, nil, errors.New("GetABI returned nil")
	}

	address, tx, contract, err := bind.DeployContract(auth, *parsed, common.FromHex(RegistryBin), backend, token, minAnchor, minService, anchors, unbondingSeconds)
	if err != nil {
		return common.Address{}, nil, nil, err
	}
	return address, tx, &Registry{RegistryCaller: RegistryCaller{contract: contract}, RegistryTransactor: RegistryTransactor{contract: contract}, RegistryFilterer: RegistryFilterer{contract: contract}}, nil
}

// Registry is an auto generated Go binding around an Ethereum contract.
type Registry struct {
	RegistryCaller     // Read-only binding to the contract
	RegistryTransactor // Write-only binding to the contract
	RegistryFilterer   // Log filterer for contract events
}

// RegistryCaller is an auto generated read-only Go binding around an Ethereum contract.
type RegistryCaller struct {
	contract *bind.BoundContract // Generic contract wrapper for the low level calls
}

// RegistryTransactor is an auto generated write-only Go binding around an Ethereum contract.
type RegistryTransactor struct {
	contract *bind.BoundContract // Generic contract wrapper for the low level calls
}

// RegistryFilterer is an auto generated log filtering Go binding around an Ethereum contract events.
type RegistryFilterer struct {
	contract *bind.BoundContract // Generic contract wrapper for the low level calls
}

// RegistrySession is an auto generated Go binding around an Ethereum contract,
// with pre-set call and transact options.
type RegistrySession struct {
	Contract     *Registry         // Generic contract binding to set the session for
	CallOpts     bind.CallOpts     // Call options to use throughout this session
	TransactOpts bind.TransactOpts // Transaction auth options to use throughout this session
}

// RegistryCallerSession is an auto generated read-only Go binding around an Ethereum contract,
// with pre-set call options.
type RegistryCallerSession struct {
	Contract *RegistryCaller // Generic contract caller binding to set the session for
	CallOpts bind.CallOpts   // Call options to use throughout this session
}

// RegistryTransactorSession is an auto generated write-only Go binding around an Ethereum contract,
// with pre-set transact options.
type RegistryTransactorSession struct {
	Contract     *RegistryTransactor // Generic contract transactor binding to set the session for
	TransactOpts bind.TransactOpts   // Transaction auth options to use throughout this session
}

// RegistryRaw is an auto generated low-level Go binding around an Ethereum contract.
type RegistryRaw struct {
	Contract *Registry // Generic contract binding to access the raw methods on
}

// RegistryCallerRaw is an auto generated low-level read-only Go binding around an Ethereum contract.
type RegistryCallerRaw struct {
	Contract *RegistryCaller // Generic read-only contract binding to access the raw methods on
}

// RegistryTransactorRaw is an auto generated low-level write-only Go binding around an Ethereum contract.
type RegistryTransactorRaw struct {
	Contract *RegistryTransactor // Generic write-only contract binding to access the raw methods on
}

// NewRegistry creates a new instance of Registry, bound to a specific deployed contract.
func NewRegistry(address common.Address, backend bind.ContractBackend) (*Registry, error) {
	contract, err := bindRegistry(address, backend, backend, backend)
	if err != nil {
		return nil, err
	}
	return &Registry{RegistryCaller: RegistryCaller{contract: contract}, RegistryTransactor: RegistryTransactor{contract: contract}, RegistryFilterer: RegistryFilterer{contract: contract}}, nil
}

// NewRegistryCaller creates a new read-only instance of Registry, bound to a specific deployed contract.
func NewRegistryCaller(address common.Address, caller bind.ContractCaller) (*RegistryCaller, error) {
	contract, err := bindRegistry(address, caller, nil, nil)
	if err != nil {
		return nil, err
	}
	return &RegistryCaller{contract: contract}, nil
}

// NewRegistryTransactor creates a new write-only instance of Registry, bound to a specific deployed contract.
func NewRegistryTransactor(address common.Address, transactor bind.ContractTransactor) (*RegistryTransactor, error) {
	contract, err := bindRegistry(address, nil, transactor, nil)
	if err != nil {
		return nil, err
	}
	return &RegistryTransactor{contract: contract}, nil
}

// NewRegistryFilterer creates a new log filterer instance of Registry, bound to a specific deployed contract.
func NewRegistryFilterer(address common.Address, filterer bind.ContractFilterer) (*RegistryFilterer, error) {
	contract, err := bindRegistry(address, nil, nil, filterer)
	if err != nil {
		return nil, err
	}
	return &RegistryFilterer{contract: contract}, nil
}

// bindRegistry binds a generic wrapper to an already deployed contract.
func bindRegistry(address common.Address, caller bind.ContractCaller, transactor bind.ContractTransactor, filterer bind.ContractFilterer) (*bind.BoundContract, error) {
	parsed, err := RegistryMetaData.GetAbi()
	if err != nil {
		return nil, err
	}
	return bind.NewBoundContract(address, *parsed, caller, transactor, filterer), nil
}

// Call invokes the (constant) contract method with params as input values and
// sets the output to result. The result type might be a single field for simple
// returns, a slice of interfaces for anonymous returns and a struct for named
// returns.
func (_Registry *RegistryRaw) Call(opts *bind.CallOpts, result *[]interface{}, method string, params ...interface{}) error {
	return _Registry.Contract.RegistryCaller.contract.Call(opts, result, method, params...)
}

// Transfer initiates a plain transaction to move funds to the contract, calling
// its default method if one is available.
func (_Registry *RegistryRaw) Transfer(opts *bind.TransactOpts) (*types.Transaction, error) {
	return _Registry.Contract.RegistryTransactor.contract.Transfer(opts)
}

// Transact invokes the (paid) contract method with params as input values.
func (_Registry *RegistryRaw) Transact(opts *bind.TransactOpts, method string, params ...interface{}) (*types.Transaction, error) {
	return _Registry.Contract.RegistryTransactor.contract.Transact(opts, method, params...)
}

// Call invokes the (constant) contract method with params as input values and
// sets the output to result. The result type might be a single field for simple
// returns, a slice of interfaces for anonymous returns and a struct for named
// returns.
func (_Registry *RegistryCallerRaw) Call(opts *bind.CallOpts, result *[]interface{}, method string, params ...interface{}) error {
	return _Registry.Contract.contract.Call(opts, result, method, params...)
}

// Transfer initiates a plain transaction to move funds to the contract, calling
// its default method if one is available.
func (_Registry *RegistryTransactorRaw) Transfer(opts *bind.TransactOpts) (*types.Transaction, error) {
	return _Registry.Contract.contract.Transfer(opts)
}

// Transact invokes the (paid) contract method with params as input values.
func (_Registry *RegistryTransactorRaw) Transact(opts *bind.TransactOpts, method string, params ...interface{}) (*types.Transaction, error) {
	return _Registry.Contract.contract.Transact(opts, method, params...)
}

// MAXANCHORCANDIDATES is a free data retrieval call binding the contract method 0xa7b90c06.
//
// Solidity: function MAX_ANCHOR_CANDIDATES() view returns(uint256)
func (_Registry *RegistryCaller) MAXANCHORCANDIDATES(opts *bind.CallOpts) (*big.Int, error) {
	var out []interface{}
	err := _Registry.contract.Call(opts, &out, "MAX_ANCHOR_CANDIDATES")

	if err != nil {
		return *new(*big.Int), err
	}

	out0 := *abi.ConvertType(out[0], new(*big.Int)).(**big.Int)

	return out0, err

}

// MAXANCHORCANDIDATES is a free data retrieval call binding the contract method 0xa7b90c06.
//
// Solidity: function MAX_ANCHOR_CANDIDATES() view returns(uint256)
func (_Registry *RegistrySession) MAXANCHORCANDIDATES() (*big.Int, error) {
	return _Registry.Contract.MAXANCHORCANDIDATES(&_Registry.CallOpts)
}

// MAXANCHORCANDIDATES is a free data retrieval call binding the contract method 0xa7b90c06.
//
// Solidity: function MAX_ANCHOR_CANDIDATES() view returns(uint256)
func (_Registry *RegistryCallerSession) MAXANCHORCANDIDATES() (*big.Int, error) {
	return _Registry.Contract.MAXANCHORCANDIDATES(&_Registry.CallOpts)
}

// MAXPEERID is a free data retrieval call binding the contract method 0x43fe5de2.
//
// Solidity: function MAX_PEER_ID() view returns(uint256)
func (_Registry *RegistryCaller) MAXPEERID(opts *bind.CallOpts) (*big.Int, error) {
	var out []interface{}
	err := _Registry.contract.Call(opts, &out, "MAX_PEER_ID")

	if err != nil {
		return *new(*big.Int), err
	}

	out0 := *abi.ConvertType(out[0], new(*big.Int)).(**big.Int)

	return out0, err

}

// MAXPEERID is a free data retrieval call binding the contract method 0x43fe5de2.
//
// Solidity: function MAX_PEER_ID() view returns(uint256)
func (_Registry *RegistrySession) MAXPEERID() (*big.Int, error) {
	return _Registry.Contract.MAXPEERID(&_Registry.CallOpts)
}

// MAXPEERID is a free data retrieval call binding the contract method 0x43fe5de2.
//
// Solidity: function MAX_PEER_ID() view returns(uint256)
func (_Registry *RegistryCallerSession) MAXPEERID() (*big.Int, error) {
	return _Registry.Contract.MAXPEERID(&_Registry.CallOpts)
}

// MAXURL is a free data retrieval call binding the contract method 0x90dd258f.
//
// Solidity: function MAX_URL() view returns(uint256)
func (_Registry *RegistryCaller) MAXURL(opts *bind.CallOpts) (*big.Int, error) {
	var out []interface{}
	err := _Registry.contract.Call(opts, &out, "MAX_URL")

	if err != nil {
		return *new(*big.Int), err
	}

	out0 := *abi.ConvertType(out[0], new(*big.Int)).(**big.Int)

	return out0, err

}

// MAXURL is a free data retrieval call binding the contract method 0x90dd258f.
//
// Solidity: function MAX_URL() view returns(uint256)
func (_Registry *RegistrySession) MAXURL() (*big.Int, error) {
	return _Registry.Contract.MAXURL(&_Registry.CallOpts)
}

// MAXURL is a free data retrieval call binding the contract method 0x90dd258f.
//
// Solidity: function MAX_URL() view returns(uint256)
func (_Registry *RegistryCallerSession) MAXURL() (*big.Int, error) {
	return _Registry.Contract.MAXURL(&_Registry.CallOpts)
}

// SLASHTYPEHASH is a free data retrieval call binding the contract method 0x5c2af2aa.
//
// Solidity: function SLASH_TYPEHASH() view returns(bytes32)
func (_Registry *RegistryCaller) SLASHTYPEHASH(opts *bind.CallOpts) ([32]byte, error) {
	var out []interface{}
	err := _Registry.contract.Call(opts, &out, "SLASH_TYPEHASH")

	if err != nil {
		return *new([32]byte), err
	}

	out0 := *abi.ConvertType(out[0], new([32]byte)).(*[32]byte)

	return out0, err

}

// SLASHTYPEHASH is a free data retrieval call binding the contract method 0x5c2af2aa.
//
// Solidity: function SLASH_TYPEHASH() view returns(bytes32)
func (_Registry *RegistrySession) SLASHTYPEHASH() ([32]byte, error) {
	return _Registry.Contract.SLASHTYPEHASH(&_Registry.CallOpts)
}

// SLASHTYPEHASH is a free data retrieval call binding the contract method 0x5c2af2aa.
//
// Solidity: function SLASH_TYPEHASH() view returns(bytes32)
func (_Registry *RegistryCallerSession) SLASHTYPEHASH() ([32]byte, error) {
	return _Registry.Contract.SLASHTYPEHASH(&_Registry.CallOpts)
}

// Admitted is a free data retrieval call binding the contract method 0xaf190c6b.
//
// Solidity: function admitted(address node, uint8 role) view returns(bool)
func (_Registry *RegistryCaller) Admitted(opts *bind.CallOpts, node common.Address, role uint8) (bool, error) {
	var out []interface{}
	err := _Registry.contract.Call(opts, &out, "admitted", node, role)

	if err != nil {
		return *new(bool), err
	}

	out0 := *abi.ConvertType(out[0], new(bool)).(*bool)

	return out0, err

}

// Admitted is a free data retrieval call binding the contract method 0xaf190c6b.
//
// Solidity: function admitted(address node, uint8 role) view returns(bool)
func (_Registry *RegistrySession) Admitted(node common.Address, role uint8) (bool, error) {
	return _Registry.Contract.Admitted(&_Registry.CallOpts, node, role)
}

// Admitted is a free data retrieval call binding the contract method 0xaf190c6b.
//
// Solidity: function admitted(address node, uint8 role) view returns(bool)
func (_Registry *RegistryCallerSession) Admitted(node common.Address, role uint8) (bool, error) {
	return _Registry.Contract.Admitted(&_Registry.CallOpts, node, role)
}

// AnchorSet is a free data retrieval call binding the contract method 0x763d4d2f.
//
// Solidity: function anchorSet() view returns(address[] set, uint256[] stakes)
func (_Registry *RegistryCaller) AnchorSet(opts *bind.CallOpts) (struct {
	Set    []common.Address
	Stakes []*big.Int
}, error) {
	var out []interface{}
	err := _Registry.contract.Call(opts, &out, "anchorSet")

	outstruct := new(struct {
		Set    []common.Address
		Stakes []*big.Int
	})
	if err != nil {
		return *outstruct, err
	}

	outstruct.Set = *abi.ConvertType(out[0], new([]common.Address)).(*[]common.Address)
	outstruct.Stakes = *abi.ConvertType(out[1], new([]*big.Int)).(*[]*big.Int)

	return *outstruct, err

}

// AnchorSet is a free data retrieval call binding the contract method 0x763d4d2f.
//
// Solidity: function anchorSet() view returns(address[] set, uint256[] stakes)
func (_Registry *RegistrySession) AnchorSet() (struct {
	Set    []common.Address
	Stakes []*big.Int
}, error) {
	return _Registry.Contract.AnchorSet(&_Registry.CallOpts)
}

// AnchorSet is a free data retrieval call binding the contract method 0x763d4d2f.
//
// Solidity: function anchorSet() view returns(address[] set, uint256[] stakes)
func (_Registry *RegistryCallerSession) AnchorSet() (struct {
	Set    []common.Address
	Stakes []*big.Int
}, error) {
	return _Registry.Contract.AnchorSet(&_Registry.CallOpts)
}

// MaxAnchors is a free data retrieval call binding the contract method 0x18917c15.
//
// Solidity: function maxAnchors() view returns(uint256)
func (_Registry *RegistryCaller) MaxAnchors(opts *bind.CallOpts) (*big.Int, error) {
	var out []interface{}
	err := _Registry.contract.Call(opts, &out, "maxAnchors")

	if err != nil {
		return *new(*big.Int), err
	}

	out0 := *abi.ConvertType(out[0], new(*big.Int)).(**big.Int)

	return out0, err

}

// MaxAnchors is a free data retrieval call binding the contract method 0x18917c15.
//
// Solidity: function maxAnchors() view returns(uint256)
func (_Registry *RegistrySession) MaxAnchors() (*big.Int, error) {
	return _Registry.Contract.MaxAnchors(&_Registry.CallOpts)
}

// MaxAnchors is a free data retrieval call binding the contract method 0x18917c15.
//
// Solidity: function maxAnchors() view returns(uint256)
func (_Registry *RegistryCallerSession) MaxAnchors() (*big.Int, error) {
	return _Registry.Contract.MaxAnchors(&_Registry.CallOpts)
}

// MinAnchorStake is a free data retrieval call binding the contract method 0xf913a404.
//
// Solidity: function minAnchorStake() view returns(uint256)
func (_Registry *RegistryCaller) MinAnchorStake(opts *bind.CallOpts) (*big.Int, error) {
	var out []interface{}
	err := _Registry.contract.Call(opts, &out, "minAnchorStake")

	if err != nil {
		return *new(*big.Int), err
	}

	out0 := *abi.ConvertType(out[0], new(*big.Int)).(**big.Int)

	return out0, err

}

// MinAnchorStake is a free data retrieval call binding the contract method 0xf913a404.
//
// Solidity: function minAnchorStake() view returns(uint256)
func (_Registry *RegistrySession) MinAnchorStake() (*big.Int, error) {
	return _Registry.Contract.MinAnchorStake(&_Registry.CallOpts)
}

// MinAnchorStake is a free data retrieval call binding the contract method 0xf913a404.
//
// Solidity: function minAnchorStake() view returns(uint256)
func (_Registry *RegistryCallerSession) MinAnchorStake() (*big.Int, error) {
	return _Registry.Contract.MinAnchorStake(&_Registry.CallOpts)
}

// MinServiceStake is a free data retrieval call binding the contract method 0x47d45e00.
//
// Solidity: function minServiceStake() view returns(uint256)
func (_Registry *RegistryCaller) MinServiceStake(opts *bind.CallOpts) (*big.Int, error) {
	var out []interface{}
	err := _Registry.contract.Call(opts, &out, "minServiceStake")

	if err != nil {
		return *new(*big.Int), err
	}

	out0 := *abi.ConvertType(out[0], new(*big.Int)).(**big.Int)

	return out0, err

}

// MinServiceStake is a free data retrieval call binding the contract method 0x47d45e00.
//
// Solidity: function minServiceStake() view returns(uint256)
func (_Registry *RegistrySession) MinServiceStake() (*big.Int, error) {
	return _Registry.Contract.MinServiceStake(&_Registry.CallOpts)
}

// MinServiceStake is a free data retrieval call binding the contract method 0x47d45e00.
//
// Solidity: function minServiceStake() view returns(uint256)
func (_Registry *RegistryCallerSession) MinServiceStake() (*big.Int, error) {
	return _Registry.Contract.MinServiceStake(&_Registry.CallOpts)
}

// NodeOf is a free data retrieval call binding the contract method 0x682a9141.
//
// Solidity: function nodeOf(address node) view returns((address,uint8,uint256,uint256,uint64,string,string))
func (_Registry *RegistryCaller) NodeOf(opts *bind.CallOpts, node common.Address) (RegistryNode, error) {
	var out []interface{}
	err := _Registry.contract.Call(opts, &out, "nodeOf", node)

	if err != nil {
		return *new(RegistryNode), err
	}

	out0 := *abi.ConvertType(out[0], new(RegistryNode)).(*RegistryNode)

	return out0, err

}

// NodeOf is a free data retrieval call binding the contract method 0x682a9141.
//
// Solidity: function nodeOf(address node) view returns((address,uint8,uint256,uint256,uint64,string,string))
func (_Registry *RegistrySession) NodeOf(node common.Address) (RegistryNode, error) {
	return _Registry.Contract.NodeOf(&_Registry.CallOpts, node)
}

// NodeOf is a free data retrieval call binding the contract method 0x682a9141.
//
// Solidity: function nodeOf(address node) view returns((address,uint8,uint256,uint256,uint64,string,string))
func (_Registry *RegistryCallerSession) NodeOf(node common.Address) (RegistryNode, error) {
	return _Registry.Contract.NodeOf(&_Registry.CallOpts, node)
}

// Services is a free data retrieval call binding the contract method 0x7b2b30e3.
//
// Solidity: function services() view returns(address[])
func (_Registry *RegistryCaller) Services(opts *bind.CallOpts) ([]common.Address, error) {
	var out []interface{}
	err := _Registry.contract.Call(opts, &out, "services")

	if err != nil {
		return *new([]common.Address), err
	}

	out0 := *abi.ConvertType(out[0], new([]common.Address)).(*[]common.Address)

	return out0, err

}

// Services is a free data retrieval call binding the contract method 0x7b2b30e3.
//
// Solidity: function services() view returns(address[])
func (_Registry *RegistrySession) Services() ([]common.Address, error) {
	return _Registry.Contract.Services(&_Registry.CallOpts)
}

// Services is a free data retrieval call binding the contract method 0x7b2b30e3.
//
// Solidity: function services() view returns(address[])
func (_Registry *RegistryCallerSession) Services() ([]common.Address, error) {
	return _Registry.Contract.Services(&_Registry.CallOpts)
}

// SlashDigest is a free data retrieval call binding the contract method 0xc0421731.
//
// Solidity: function slashDigest(address node, uint256 amount, bytes32 evidence) view returns(bytes32)
func (_Registry *RegistryCaller) SlashDigest(opts *bind.CallOpts, node common.Address, amount *big.Int, evidence [32]byte) ([32]byte, error) {
	var out []interface{}
	err := _Registry.contract.Call(opts, &out, "slashDigest", node, amount, evidence)

	if err != nil {
		return *new([32]byte), err
	}

	out0 := *abi.ConvertType(out[0], new([32]byte)).(*[32]byte)

	return out0, err

}

// SlashDigest is a free data retrieval call binding the contract method 0xc0421731.
//
// Solidity: function slashDigest(address node, uint256 amount, bytes32 evidence) view returns(bytes32)
func (_Registry *RegistrySession) SlashDigest(node common.Address, amount *big.Int, evidence [32]byte) ([32]byte, error) {
	return _Registry.Contract.SlashDigest(&_Registry.CallOpts, node, amount, evidence)
}

// SlashDigest is a free data retrieval call binding the contract method 0xc0421731.
//
// Solidity: function slashDigest(address node, uint256 amount, bytes32 evidence) view returns(bytes32)
func (_Registry *RegistryCallerSession) SlashDigest(node common.Address, amount *big.Int, evidence [32]byte) ([32]byte, error) {
	return _Registry.Contract.SlashDigest(&_Registry.CallOpts, node, amount, evidence)
}

// Slashed is a free data retrieval call binding the contract method 0x61b143df.
//
// Solidity: function slashed(bytes32 ) view returns(bool)
func (_Registry *RegistryCaller) Slashed(opts *bind.CallOpts, arg0 [32]byte) (bool, error) {
	var out []interface{}
	err := _Registry.contract.Call(opts, &out, "slashed", arg0)

	if err != nil {
		return *new(bool), err
	}

	out0 := *abi.ConvertType(out[0], new(bool)).(*bool)

	return out0, err

}

// Slashed is a free data retrieval call binding the contract method 0x61b143df.
//
// Solidity: function slashed(bytes32 ) view returns(bool)
func (_Registry *RegistrySession) Slashed(arg0 [32]byte) (bool, error) {
	return _Registry.Contract.Slashed(&_Registry.CallOpts, arg0)
}

// Slashed is a free data retrieval call binding the contract method 0x61b143df.
//
// Solidity: function slashed(bytes32 ) view returns(bool)
func (_Registry *RegistryCallerSession) Slashed(arg0 [32]byte) (bool, error) {
	return _Registry.Contract.Slashed(&_Registry.CallOpts, arg0)
}

// StakeToken is a free data retrieval call binding the contract method 0x51ed6a30.
//
// Solidity: function stakeToken() view returns(address)
func (_Registry *RegistryCaller) StakeToken(opts *bind.CallOpts) (common.Address, error) {
	var out []interface{}
	err := _Registry.contract.Call(opts, &out, "stakeToken")

	if err != nil {
		return *new(common.Address), err
	}

	out0 := *abi.ConvertType(out[0], new(common.Address)).(*common.Address)

	return out0, err

}

// StakeToken is a free data retrieval call binding the contract method 0x51ed6a30.
//
// Solidity: function stakeToken() view returns(address)
func (_Registry *RegistrySession) StakeToken() (common.Address, error) {
	return _Registry.Contract.StakeToken(&_Registry.CallOpts)
}

// StakeToken is a free data retrieval call binding the contract method 0x51ed6a30.
//
// Solidity: function stakeToken() view returns(address)
func (_Registry *RegistryCallerSession) StakeToken() (common.Address, error) {
	return _Registry.Contract.StakeToken(&_Registry.CallOpts)
}

// Unbonding is a free data retrieval call binding the contract method 0x331fc44a.
//
// Solidity: function unbonding() view returns(uint64)
func (_Registry *RegistryCaller) Unbonding(opts *bind.CallOpts) (uint64, error) {
	var out []interface{}
	err := _Registry.contract.Call(opts, &out, "unbonding")

	if err != nil {
		return *new(uint64), err
	}

	out0 := *abi.ConvertType(out[0], new(uint64)).(*uint64)

	return out0, err

}

// Unbonding is a free data retrieval call binding the contract method 0x331fc44a.
//
// Solidity: function unbonding() view returns(uint64)
func (_Registry *RegistrySession) Unbonding() (uint64, error) {
	return _Registry.Contract.Unbonding(&_Registry.CallOpts)
}

// Unbonding is a free data retrieval call binding the contract method 0x331fc44a.
//
// Solidity: function unbonding() view returns(uint64)
func (_Registry *RegistryCallerSession) Unbonding() (uint64, error) {
	return _Registry.Contract.Unbonding(&_Registry.CallOpts)
}

// AddStake is a paid mutator transaction binding the contract method 0x6374299e.
//
// Solidity: function addStake(address node, uint256 amount) returns()
func (_Registry *RegistryTransactor) AddStake(opts *bind.TransactOpts, node common.Address, amount *big.Int) (*types.Transaction, error) {
	return _Registry.contract.Transact(opts, "addStake", node, amount)
}

// AddStake is a paid mutator transaction binding the contract method 0x6374299e.
//
// Solidity: function addStake(address node, uint256 amount) returns()
func (_Registry *RegistrySession) AddStake(node common.Address, amount *big.Int) (*types.Transaction, error) {
	return _Registry.Contract.AddStake(&_Registry.TransactOpts, node, amount)
}

// AddStake is a paid mutator transaction binding the contract method 0x6374299e.
//
// Solidity: function addStake(address node, uint256 amount) returns()
func (_Registry *RegistryTransactorSession) AddStake(node common.Address, amount *big.Int) (*types.Transaction, error) {
	return _Registry.Contract.AddStake(&_Registry.TransactOpts, node, amount)
}

// Register is a paid mutator transaction binding the contract method 0x4987ea43.
//
// Solidity: function register(address node, uint8 role, string peerId, string httpUrl, uint256 amount) returns()
func (_Registry *RegistryTransactor) Register(opts *bind.TransactOpts, node common.Address, role uint8, peerId string, httpUrl string, amount *big.Int) (*types.Transaction, error) {
	return _Registry.contract.Transact(opts, "register", node, role, peerId, httpUrl, amount)
}

// Register is a paid mutator transaction binding the contract method 0x4987ea43.
//
// Solidity: function register(address node, uint8 role, string peerId, string httpUrl, uint256 amount) returns()
func (_Registry *RegistrySession) Register(node common.Address, role uint8, peerId string, httpUrl string, amount *big.Int) (*types.Transaction, error) {
	return _Registry.Contract.Register(&_Registry.TransactOpts, node, role, peerId, httpUrl, amount)
}

// Register is a paid mutator transaction binding the contract method 0x4987ea43.
//
// Solidity: function register(address node, uint8 role, string peerId, string httpUrl, uint256 amount) returns()
func (_Registry *RegistryTransactorSession) Register(node common.Address, role uint8, peerId string, httpUrl string, amount *big.Int) (*types.Transaction, error) {
	return _Registry.Contract.Register(&_Registry.TransactOpts, node, role, peerId, httpUrl, amount)
}

// SetEndpoint is a paid mutator transaction binding the contract method 0x4229217a.
//
// Solidity: function setEndpoint(address node, string httpUrl) returns()
func (_Registry *RegistryTransactor) SetEndpoint(opts *bind.TransactOpts, node common.Address, httpUrl string) (*types.Transaction, error) {
	return _Registry.contract.Transact(opts, "setEndpoint", node, httpUrl)
}

// SetEndpoint is a paid mutator transaction binding the contract method 0x4229217a.
//
// Solidity: function setEndpoint(address node, string httpUrl) returns()
func (_Registry *RegistrySession) SetEndpoint(node common.Address, httpUrl string) (*types.Transaction, error) {
	return _Registry.Contract.SetEndpoint(&_Registry.TransactOpts, node, httpUrl)
}

// SetEndpoint is a paid mutator transaction binding the contract method 0x4229217a.
//
// Solidity: function setEndpoint(address node, string httpUrl) returns()
func (_Registry *RegistryTransactorSession) SetEndpoint(node common.Address, httpUrl string) (*types.Transaction, error) {
	return _Registry.Contract.SetEndpoint(&_Registry.TransactOpts, node, httpUrl)
}

// Slash is a paid mutator transaction binding the contract method 0xd06b6731.
//
// Solidity: function slash(address node, uint256 amount, bytes32 evidence, bytes[] signatures) returns()
func (_Registry *RegistryTransactor) Slash(opts *bind.TransactOpts, node common.Address, amount *big.Int, evidence [32]byte, signatures [][]byte) (*types.Transaction, error) {
	return _Registry.contract.Transact(opts, "slash", node, amount, evidence, signatures)
}

// Slash is a paid mutator transaction binding the contract method 0xd06b6731.
//
// Solidity: function slash(address node, uint256 amount, bytes32 evidence, bytes[] signatures) returns()
func (_Registry *RegistrySession) Slash(node common.Address, amount *big.Int, evidence [32]byte, signatures [][]byte) (*types.Transaction, error) {
	return _Registry.Contract.Slash(&_Registry.TransactOpts, node, amount, evidence, signatures)
}

// Slash is a paid mutator transaction binding the contract method 0xd06b6731.
//
// Solidity: function slash(address node, uint256 amount, bytes32 evidence, bytes[] signatures) returns()
func (_Registry *RegistryTransactorSession) Slash(node common.Address, amount *big.Int, evidence [32]byte, signatures [][]byte) (*types.Transaction, error) {
	return _Registry.Contract.Slash(&_Registry.TransactOpts, node, amount, evidence, signatures)
}

// Unstake is a paid mutator transaction binding the contract method 0xc2a672e0.
//
// Solidity: function unstake(address node, uint256 amount) returns()
func (_Registry *RegistryTransactor) Unstake(opts *bind.TransactOpts, node common.Address, amount *big.Int) (*types.Transaction, error) {
	return _Registry.contract.Transact(opts, "unstake", node, amount)
}

// Unstake is a paid mutator transaction binding the contract method 0xc2a672e0.
//
// Solidity: function unstake(address node, uint256 amount) returns()
func (_Registry *RegistrySession) Unstake(node common.Address, amount *big.Int) (*types.Transaction, error) {
	return _Registry.Contract.Unstake(&_Registry.TransactOpts, node, amount)
}

// Unstake is a paid mutator transaction binding the contract method 0xc2a672e0.
//
// Solidity: function unstake(address node, uint256 amount) returns()
func (_Registry *RegistryTransactorSession) Unstake(node common.Address, amount *big.Int) (*types.Transaction, error) {
	return _Registry.Contract.Unstake(&_Registry.TransactOpts, node, amount)
}

// Withdraw is a paid mutator transaction binding the contract method 0x51cff8d9.
//
// Solidity: function withdraw(address node) returns()
func (_Registry *RegistryTransactor) Withdraw(opts *bind.TransactOpts, node common.Address) (*types.Transaction, error) {
	return _Registry.contract.Transact(opts, "withdraw", node)
}

// Withdraw is a paid mutator transaction binding the contract method 0x51cff8d9.
//
// Solidity: function withdraw(address node) returns()
func (_Registry *RegistrySession) Withdraw(node common.Address) (*types.Transaction, error) {
	return _Registry.Contract.Withdraw(&_Registry.TransactOpts, node)
}

// Withdraw is a paid mutator transaction binding the contract method 0x51cff8d9.
//
// Solidity: function withdraw(address node) returns()
func (_Registry *RegistryTransactorSession) Withdraw(node common.Address) (*types.Transaction, error) {
	return _Registry.Contract.Withdraw(&_Registry.TransactOpts, node)
}

// RegistryEndpointUpdatedIterator is returned from FilterEndpointUpdated and is used to iterate over the raw logs and unpacked data for EndpointUpdated events raised by the Registry contract.
type RegistryEndpointUpdatedIterator struct {
	Event *RegistryEndpointUpdated // Event containing the contract specifics and raw log

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
func (it *RegistryEndpointUpdatedIterator) Next() bool {
	// If the iterator failed, stop iterating
	if it.fail != nil {
		return false
	}
	// If the iterator completed, deliver directly whatever's available
	if it.done {
		select {
		case log := <-it.logs:
			it.Event = new(RegistryEndpointUpdated)
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
		it.Event = new(RegistryEndpointUpdated)
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
func (it *RegistryEndpointUpdatedIterator) Error() error {
	return it.fail
}

// Close terminates the iteration process, releasing any pending underlying
// resources.
func (it *RegistryEndpointUpdatedIterator) Close() error {
	it.sub.Unsubscribe()
	return nil
}

// RegistryEndpointUpdated represents a EndpointUpdated event raised by the Registry contract.
type RegistryEndpointUpdated struct {
	Node    common.Address
	HttpUrl string
	Raw     types.Log // Blockchain specific contextual infos
}

// FilterEndpointUpdated is a free log retrieval operation binding the contract event 0x060a16d12d0dfc76a33a2d280e8544990981e010744db7750feb63a17041c571.
//
// Solidity: event EndpointUpdated(address indexed node, string httpUrl)
func (_Registry *RegistryFilterer) FilterEndpointUpdated(opts *bind.FilterOpts, node []common.Address) (*RegistryEndpointUpdatedIterator, error) {

	var nodeRule []interface{}
	for _, nodeItem := range node {
		nodeRule = append(nodeRule, nodeItem)
	}

	logs, sub, err := _Registry.contract.FilterLogs(opts, "EndpointUpdated", nodeRule)
	if err != nil {
		return nil, err
	}
	return &RegistryEndpointUpdatedIterator{contract: _Registry.contract, event: "EndpointUpdated", logs: logs, sub: sub}, nil
}

// WatchEndpointUpdated is a free log subscription operation binding the contract event 0x060a16d12d0dfc76a33a2d280e8544990981e010744db7750feb63a17041c571.
//
// Solidity: event EndpointUpdated(address indexed node, string httpUrl)
func (_Registry *RegistryFilterer) WatchEndpointUpdated(opts *bind.WatchOpts, sink chan<- *RegistryEndpointUpdated, node []common.Address) (event.Subscription, error) {

	var nodeRule []interface{}
	for _, nodeItem := range node {
		nodeRule = append(nodeRule, nodeItem)
	}

	logs, sub, err := _Registry.contract.WatchLogs(opts, "EndpointUpdated", nodeRule)
	if err != nil {
		return nil, err
	}
	return event.NewSubscription(func(quit <-chan struct{}) error {
		defer sub.Unsubscribe()
		for {
			select {
			case log := <-logs:
				// New log arrived, parse the event and forward to the user
				event := new(RegistryEndpointUpdated)
				if err := _Registry.contract.UnpackLog(event, "EndpointUpdated", log); err != nil {
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

// ParseEndpointUpdated is a log parse operation binding the contract event 0x060a16d12d0dfc76a33a2d280e8544990981e010744db7750feb63a17041c571.
//
// Solidity: event EndpointUpdated(address indexed node, string httpUrl)
func (_Registry *RegistryFilterer) ParseEndpointUpdated(log types.Log) (*RegistryEndpointUpdated, error) {
	event := new(RegistryEndpointUpdated)
	if err := _Registry.contract.UnpackLog(event, "EndpointUpdated", log); err != nil {
		return nil, err
	}
	event.Raw = log
	return event, nil
}

// RegistryRegisteredIterator is returned from FilterRegistered and is used to iterate over the raw logs and unpacked data for Registered events raised by the Registry contract.
type RegistryRegisteredIterator struct {
	Event *RegistryRegistered // Event containing the contract specifics and raw log

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
func (it *RegistryRegisteredIterator) Next() bool {
	// If the iterator failed, stop iterating
	if it.fail != nil {
		return false
	}
	// If the iterator completed, deliver directly whatever's available
	if it.done {
		select {
		case log := <-it.logs:
			it.Event = new(RegistryRegistered)
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
		it.Event = new(RegistryRegistered)
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
func (it *RegistryRegisteredIterator) Error() error {
	return it.fail
}

// Close terminates the iteration process, releasing any pending underlying
// resources.
func (it *RegistryRegisteredIterator) Close() error {
	it.sub.Unsubscribe()
	return nil
}

// RegistryRegistered represents a Registered event raised by the Registry contract.
type RegistryRegistered struct {
	Node     common.Address
	Operator common.Address
	Role     uint8
	Stake    *big.Int
	PeerId   string
	HttpUrl  string
	Raw      types.Log // Blockchain specific contextual infos
}

// FilterRegistered is a free log retrieval operation binding the contract event 0x79d38096a8352d07559ca974f63265942910f186944fd236a211de38b72a6696.
//
// Solidity: event Registered(address indexed node, address indexed operator, uint8 role, uint256 stake, string peerId, string httpUrl)
func (_Registry *RegistryFilterer) FilterRegistered(opts *bind.FilterOpts, node []common.Address, operator []common.Address) (*RegistryRegisteredIterator, error) {

	var nodeRule []interface{}
	for _, nodeItem := range node {
		nodeRule = append(nodeRule, nodeItem)
	}
	var operatorRule []interface{}
	for _, operatorItem := range operator {
		operatorRule = append(operatorRule, operatorItem)
	}

	logs, sub, err := _Registry.contract.FilterLogs(opts, "Registered", nodeRule, operatorRule)
	if err != nil {
		return nil, err
	}
	return &RegistryRegisteredIterator{contract: _Registry.contract, event: "Registered", logs: logs, sub: sub}, nil
}

// WatchRegistered is a free log subscription operation binding the contract event 0x79d38096a8352d07559ca974f63265942910f186944fd236a211de38b72a6696.
//
// Solidity: event Registered(address indexed node, address indexed operator, uint8 role, uint256 stake, string peerId, string httpUrl)
func (_Registry *RegistryFilterer) WatchRegistered(opts *bind.WatchOpts, sink chan<- *RegistryRegistered, node []common.Address, operator []common.Address) (event.Subscription, error) {

	var nodeRule []interface{}
	for _, nodeItem := range node {
		nodeRule = append(nodeRule, nodeItem)
	}
	var operatorRule []interface{}
	for _, operatorItem := range operator {
		operatorRule = append(operatorRule, operatorItem)
	}

	logs, sub, err := _Registry.contract.WatchLogs(opts, "Registered", nodeRule, operatorRule)
	if err != nil {
		return nil, err
	}
	return event.NewSubscription(func(quit <-chan struct{}) error {
		defer sub.Unsubscribe()
		for {
			select {
			case log := <-logs:
				// New log arrived, parse the event and forward to the user
				event := new(RegistryRegistered)
				if err := _Registry.contract.UnpackLog(event, "Registered", log); err != nil {
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

// ParseRegistered is a log parse operation binding the contract event 0x79d38096a8352d07559ca974f63265942910f186944fd236a211de38b72a6696.
//
// Solidity: event Registered(address indexed node, address indexed operator, uint8 role, uint256 stake, string peerId, string httpUrl)
func (_Registry *RegistryFilterer) ParseRegistered(log types.Log) (*RegistryRegistered, error) {
	event := new(RegistryRegistered)
	if err := _Registry.contract.UnpackLog(event, "Registered", log); err != nil {
		return nil, err
	}
	event.Raw = log
	return event, nil
}

// RegistrySlashedIterator is returned from FilterSlashed and is used to iterate over the raw logs and unpacked data for Slashed events raised by the Registry contract.
type RegistrySlashedIterator struct {
	Event *RegistrySlashed // Event containing the contract specifics and raw log

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
func (it *RegistrySlashedIterator) Next() bool {
	// If the iterator failed, stop iterating
	if it.fail != nil {
		return false
	}
	// If the iterator completed, deliver directly whatever's available
	if it.done {
		select {
		case log := <-it.logs:
			it.Event = new(RegistrySlashed)
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
		it.Event = new(RegistrySlashed)
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
func (it *RegistrySlashedIterator) Error() error {
	return it.fail
}

// Close terminates the iteration process, releasing any pending underlying
// resources.
func (it *RegistrySlashedIterator) Close() error {
	it.sub.Unsubscribe()
	return nil
}

// RegistrySlashed represents a Slashed event raised by the Registry contract.
type RegistrySlashed struct {
	Node        common.Address
	Amount      *big.Int
	Evidence    [32]byte
	SignedStake *big.Int
	SetStake    *big.Int
	Raw         types.Log // Blockchain specific contextual infos
}

// FilterSlashed is a free log retrieval operation binding the contract event 0xd2578441b4e1d6951b2dc5c123964f934fd6be32831ea09376799ba34d10e5a4.
//
// Solidity: event Slashed(address indexed node, uint256 amount, bytes32 indexed evidence, uint256 signedStake, uint256 setStake)
func (_Registry *RegistryFilterer) FilterSlashed(opts *bind.FilterOpts, node []common.Address, evidence [][32]byte) (*RegistrySlashedIterator, error) {

	var nodeRule []interface{}
	for _, nodeItem := range node {
		nodeRule = append(nodeRule, nodeItem)
	}

	var evidenceRule []interface{}
	for _, evidenceItem := range evidence {
		evidenceRule = append(evidenceRule, evidenceItem)
	}

	logs, sub, err := _Registry.contract.FilterLogs(opts, "Slashed", nodeRule, evidenceRule)
	if err != nil {
		return nil, err
	}
	return &RegistrySlashedIterator{contract: _Registry.contract, event: "Slashed", logs: logs, sub: sub}, nil
}

// WatchSlashed is a free log subscription operation binding the contract event 0xd2578441b4e1d6951b2dc5c123964f934fd6be32831ea09376799ba34d10e5a4.
//
// Solidity: event Slashed(address indexed node, uint256 amount, bytes32 indexed evidence, uint256 signedStake, uint256 setStake)
func (_Registry *RegistryFilterer) WatchSlashed(opts *bind.WatchOpts, sink chan<- *RegistrySlashed, node []common.Address, evidence [][32]byte) (event.Subscription, error) {

	var nodeRule []interface{}
	for _, nodeItem := range node {
		nodeRule = append(nodeRule, nodeItem)
	}

	var evidenceRule []interface{}
	for _, evidenceItem := range evidence {
		evidenceRule = append(evidenceRule, evidenceItem)
	}

	logs, sub, err := _Registry.contract.WatchLogs(opts, "Slashed", nodeRule, evidenceRule)
	if err != nil {
		return nil, err
	}
	return event.NewSubscription(func(quit <-chan struct{}) error {
		defer sub.Unsubscribe()
		for {
			select {
			case log := <-logs:
				// New log arrived, parse the event and forward to the user
				event := new(RegistrySlashed)
				if err := _Registry.contract.UnpackLog(event, "Slashed", log); err != nil {
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

// ParseSlashed is a log parse operation binding the contract event 0xd2578441b4e1d6951b2dc5c123964f934fd6be32831ea09376799ba34d10e5a4.
//
// Solidity: event Slashed(address indexed node, uint256 amount, bytes32 indexed evidence, uint256 signedStake, uint256 setStake)
func (_Registry *RegistryFilterer) ParseSlashed(log types.Log) (*RegistrySlashed, error) {
	event := new(RegistrySlashed)
	if err := _Registry.contract.UnpackLog(event, "Slashed", log); err != nil {
		return nil, err
	}
	event.Raw = log
	return event, nil
}

// RegistryStakeAddedIterator is returned from FilterStakeAdded and is used to iterate over the raw logs and unpacked data for StakeAdded events raised by the Registry contract.
type RegistryStakeAddedIterator struct {
	Event *RegistryStakeAdded // Event containing the contract specifics and raw log

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
func (it *RegistryStakeAddedIterator) Next() bool {
	// If the iterator failed, stop iterating
	if it.fail != nil {
		return false
	}
	// If the iterator completed, deliver directly whatever's available
	if it.done {
		select {
		case log := <-it.logs:
			it.Event = new(RegistryStakeAdded)
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
		it.Event = new(RegistryStakeAdded)
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
func (it *RegistryStakeAddedIterator) Error() error {
	return it.fail
}

// Close terminates the iteration process, releasing any pending underlying
// resources.
func (it *RegistryStakeAddedIterator) Close() error {
	it.sub.Unsubscribe()
	return nil
}

// RegistryStakeAdded represents a StakeAdded event raised by the Registry contract.
type RegistryStakeAdded struct {
	Node   common.Address
	Amount *big.Int
	Stake  *big.Int
	Raw    types.Log // Blockchain specific contextual infos
}

// FilterStakeAdded is a free log retrieval operation binding the contract event 0x270d6dd254edd1d985c81cf7861b8f28fb06b6d719df04d90464034d43412440.
//
// Solidity: event StakeAdded(address indexed node, uint256 amount, uint256 stake)
func (_Registry *RegistryFilterer) FilterStakeAdded(opts *bind.FilterOpts, node []common.Address) (*RegistryStakeAddedIterator, error) {

	var nodeRule []interface{}
	for _, nodeItem := range node {
		nodeRule = append(nodeRule, nodeItem)
	}

	logs, sub, err := _Registry.contract.FilterLogs(opts, "StakeAdded", nodeRule)
	if err != nil {
		return nil, err
	}
	return &RegistryStakeAddedIterator{contract: _Registry.contract, event: "StakeAdded", logs: logs, sub: sub}, nil
}

// WatchStakeAdded is a free log subscription operation binding the contract event 0x270d6dd254edd1d985c81cf7861b8f28fb06b6d719df04d90464034d43412440.
//
// Solidity: event StakeAdded(address indexed node, uint256 amount, uint256 stake)
func (_Registry *RegistryFilterer) WatchStakeAdded(opts *bind.WatchOpts, sink chan<- *RegistryStakeAdded, node []common.Address) (event.Subscription, error) {

	var nodeRule []interface{}
	for _, nodeItem := range node {
		nodeRule = append(nodeRule, nodeItem)
	}

	logs, sub, err := _Registry.contract.WatchLogs(opts, "StakeAdded", nodeRule)
	if err != nil {
		return nil, err
	}
	return event.NewSubscription(func(quit <-chan struct{}) error {
		defer sub.Unsubscribe()
		for {
			select {
			case log := <-logs:
				// New log arrived, parse the event and forward to the user
				event := new(RegistryStakeAdded)
				if err := _Registry.contract.UnpackLog(event, "StakeAdded", log); err != nil {
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

// ParseStakeAdded is a log parse operation binding the contract event 0x270d6dd254edd1d985c81cf7861b8f28fb06b6d719df04d90464034d43412440.
//
// Solidity: event StakeAdded(address indexed node, uint256 amount, uint256 stake)
func (_Registry *RegistryFilterer) ParseStakeAdded(log types.Log) (*RegistryStakeAdded, error) {
	event := new(RegistryStakeAdded)
	if err := _Registry.contract.UnpackLog(event, "StakeAdded", log); err != nil {
		return nil, err
	}
	event.Raw = log
	return event, nil
}

// RegistryUnstakeStartedIterator is returned from FilterUnstakeStarted and is used to iterate over the raw logs and unpacked data for UnstakeStarted events raised by the Registry contract.
type RegistryUnstakeStartedIterator struct {
	Event *RegistryUnstakeStarted // Event containing the contract specifics and raw log

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
func (it *RegistryUnstakeStartedIterator) Next() bool {
	// If the iterator failed, stop iterating
	if it.fail != nil {
		return false
	}
	// If the iterator completed, deliver directly whatever's available
	if it.done {
		select {
		case log := <-it.logs:
			it.Event = new(RegistryUnstakeStarted)
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
		it.Event = new(RegistryUnstakeStarted)
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
func (it *RegistryUnstakeStartedIterator) Error() error {
	return it.fail
}

// Close terminates the iteration process, releasing any pending underlying
// resources.
func (it *RegistryUnstakeStartedIterator) Close() error {
	it.sub.Unsubscribe()
	return nil
}

// RegistryUnstakeStarted represents a UnstakeStarted event raised by the Registry contract.
type RegistryUnstakeStarted struct {
	Node   common.Address
	Amount *big.Int
	Stake  *big.Int
	Until  uint64
	Raw    types.Log // Blockchain specific contextual infos
}

// FilterUnstakeStarted is a free log retrieval operation binding the contract event 0xfde37cacda8b3524152ac28da3dddc4f6876f4d2fa8173724eb4d9c863b563a9.
//
// Solidity: event UnstakeStarted(address indexed node, uint256 amount, uint256 stake, uint64 until)
func (_Registry *RegistryFilterer) FilterUnstakeStarted(opts *bind.FilterOpts, node []common.Address) (*RegistryUnstakeStartedIterator, error) {

	var nodeRule []interface{}
	for _, nodeItem := range node {
		nodeRule = append(nodeRule, nodeItem)
	}

	logs, sub, err := _Registry.contract.FilterLogs(opts, "UnstakeStarted", nodeRule)
	if err != nil {
		return nil, err
	}
	return &RegistryUnstakeStartedIterator{contract: _Registry.contract, event: "UnstakeStarted", logs: logs, sub: sub}, nil
}

// WatchUnstakeStarted is a free log subscription operation binding the contract event 0xfde37cacda8b3524152ac28da3dddc4f6876f4d2fa8173724eb4d9c863b563a9.
//
// Solidity: event UnstakeStarted(address indexed node, uint256 amount, uint256 stake, uint64 until)
func (_Registry *RegistryFilterer) WatchUnstakeStarted(opts *bind.WatchOpts, sink chan<- *RegistryUnstakeStarted, node []common.Address) (event.Subscription, error) {

	var nodeRule []interface{}
	for _, nodeItem := range node {
		nodeRule = append(nodeRule, nodeItem)
	}

	logs, sub, err := _Registry.contract.WatchLogs(opts, "UnstakeStarted", nodeRule)
	if err != nil {
		return nil, err
	}
	return event.NewSubscription(func(quit <-chan struct{}) error {
		defer sub.Unsubscribe()
		for {
			select {
			case log := <-logs:
				// New log arrived, parse the event and forward to the user
				event := new(RegistryUnstakeStarted)
				if err := _Registry.contract.UnpackLog(event, "UnstakeStarted", log); err != nil {
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

// ParseUnstakeStarted is a log parse operation binding the contract event 0xfde37cacda8b3524152ac28da3dddc4f6876f4d2fa8173724eb4d9c863b563a9.
//
// Solidity: event UnstakeStarted(address indexed node, uint256 amount, uint256 stake, uint64 until)
func (_Registry *RegistryFilterer) ParseUnstakeStarted(log types.Log) (*RegistryUnstakeStarted, error) {
	event := new(RegistryUnstakeStarted)
	if err := _Registry.contract.UnpackLog(event, "UnstakeStarted", log); err != nil {
		return nil, err
	}
	event.Raw = log
	return event, nil
}

// RegistryWithdrawnIterator is returned from FilterWithdrawn and is used to iterate over the raw logs and unpacked data for Withdrawn events raised by the Registry contract.
type RegistryWithdrawnIterator struct {
	Event *RegistryWithdrawn // Event containing the contract specifics and raw log

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
func (it *RegistryWithdrawnIterator) Next() bool {
	// If the iterator failed, stop iterating
	if it.fail != nil {
		return false
	}
	// If the iterator completed, deliver directly whatever's available
	if it.done {
		select {
		case log := <-it.logs:
			it.Event = new(RegistryWithdrawn)
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
		it.Event = new(RegistryWithdrawn)
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
func (it *RegistryWithdrawnIterator) Error() error {
	return it.fail
}

// Close terminates the iteration process, releasing any pending underlying
// resources.
func (it *RegistryWithdrawnIterator) Close() error {
	it.sub.Unsubscribe()
	return nil
}

// RegistryWithdrawn represents a Withdrawn event raised by the Registry contract.
type RegistryWithdrawn struct {
	Node     common.Address
	Operator common.Address
	Amount   *big.Int
	Raw      types.Log // Blockchain specific contextual infos
}

// FilterWithdrawn is a free log retrieval operation binding the contract event 0xd1c19fbcd4551a5edfb66d43d2e337c04837afda3482b42bdf569a8fccdae5fb.
//
// Solidity: event Withdrawn(address indexed node, address indexed operator, uint256 amount)
func (_Registry *RegistryFilterer) FilterWithdrawn(opts *bind.FilterOpts, node []common.Address, operator []common.Address) (*RegistryWithdrawnIterator, error) {

	var nodeRule []interface{}
	for _, nodeItem := range node {
		nodeRule = append(nodeRule, nodeItem)
	}
	var operatorRule []interface{}
	for _, operatorItem := range operator {
		operatorRule = append(operatorRule, operatorItem)
	}

	logs, sub, err := _Registry.contract.FilterLogs(opts, "Withdrawn", nodeRule, operatorRule)
	if err != nil {
		return nil, err
	}
	return &RegistryWithdrawnIterator{contract: _Registry.contract, event: "Withdrawn", logs: logs, sub: sub}, nil
}

// WatchWithdrawn is a free log subscription operation binding the contract event 0xd1c19fbcd4551a5edfb66d43d2e337c04837afda3482b42bdf569a8fccdae5fb.
//
// Solidity: event Withdrawn(address indexed node, address indexed operator, uint256 amount)
func (_Registry *RegistryFilterer) WatchWithdrawn(opts *bind.WatchOpts, sink chan<- *RegistryWithdrawn, node []common.Address, operator []common.Address) (event.Subscription, error) {

	var nodeRule []interface{}
	for _, nodeItem := range node {
		nodeRule = append(nodeRule, nodeItem)
	}
	var operatorRule []interface{}
	for _, operatorItem := range operator {
		operatorRule = append(operatorRule, operatorItem)
	}

	logs, sub, err := _Registry.contract.WatchLogs(opts, "Withdrawn", nodeRule, operatorRule)
	if err != nil {
		return nil, err
	}
	return event.NewSubscription(func(quit <-chan struct{}) error {
		defer sub.Unsubscribe()
		for {
			select {
			case log := <-logs:
				// New log arrived, parse the event and forward to the user
				event := new(RegistryWithdrawn)
				if err := _Registry.contract.UnpackLog(event, "Withdrawn", log); err != nil {
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

// ParseWithdrawn is a log parse operation binding the contract event 0xd1c19fbcd4551a5edfb66d43d2e337c04837afda3482b42bdf569a8fccdae5fb.
//
// Solidity: event Withdrawn(address indexed node, address indexed operator, uint256 amount)
func (_Registry *RegistryFilterer) ParseWithdrawn(log types.Log) (*RegistryWithdrawn, error) {
	event := new(RegistryWithdrawn)
	if err := _Registry.contract.UnpackLog(event, "Withdrawn", log); err != nil {
		return nil, err
	}
	event.Raw = log
	return event, nil
}
