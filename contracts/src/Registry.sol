// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ERC20Burnable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Burnable.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Epochs} from "./Epochs.sol";

/// @title Registry of anchors and service nodes
/// @notice Nodes stake the stake token to join, with their libp2p peer ID,
/// node address (the node key's Ethereum address, which signs everything the
/// node says; it signs its registration too, so no one else can claim it)
/// and HTTP URL. The anchor set is the `maxAnchors` admitted anchors with the
/// most stake. Unstaking waits `unbonding` seconds; a node whose stake is all
/// withdrawn is removed. Slashing takes effect on evidence signed by anchors
/// of the set holding at least two thirds of the set's stake (the accused's
/// own stake and signature left out); slashed stake is burnt. `advance`
/// starts an epoch in two steps: it fixes the epoch's anchor set with
/// stakes, then, once SEED_DELAY blocks have passed, seeds the epoch from
/// that block's beacon randomness (Epochs): the set and seed nodes run on
/// for the whole epoch (`epochAnchors`). A node's peer ID
/// is bound to its address at its first registration, for good.
contract Registry is ReentrancyGuard {
    using SafeERC20 for IERC20;

    enum Role {
        None,
        Anchor,
        Service
    }

    struct Node {
        address operator; // who staked, and may unstake and withdraw
        Role role;
        uint256 stake;
        uint256 unbonding; // amount waiting to be withdrawn
        uint64 unbondingUntil; // a later unstake restarts the wait for all of it
        uint64 since; // block of registration: nodes count from the next epoch's seed on
        string peerId;
        string httpUrl;
    }

    IERC20 public immutable stakeToken;
    Epochs public immutable epochs;
    uint256 public immutable minAnchorStake;
    uint256 public immutable minServiceStake;
    uint256 public immutable maxAnchors;
    uint64 public immutable unbonding;

    /// @notice Anchor candidates are bounded so the set can be computed on read.
    uint256 public constant MAX_ANCHOR_CANDIDATES = 64;
    uint256 public constant MAX_PEER_ID = 128;
    uint256 public constant MAX_URL = 256;

    mapping(address => Node) private nodes;
    // anchorCandidates: the admitted anchors (at most 64); a 1-based index.
    address[] private anchorCandidates;
    mapping(address => uint256) private candidateIndex;
    address[] private serviceNodes;
    mapping(address => uint256) private serviceIndex;
    mapping(bytes32 => address) public nodeOfPeer; // keccak256(peerId) -> node
    mapping(bytes32 => bool) public slashed; // evidence already acted on

    // The anchor set of each epoch, fixed before its seed: one slot per
    // anchor, its address in the low 160 bits and its stake above.
    mapping(uint64 => bool) public epochStarted;
    mapping(uint64 => uint256[]) private epochSet;
    mapping(uint64 => uint64) public setFixedAt; // block the epoch's set was fixed in (0: not yet)
    mapping(address => string) private boundPeer; // a node address's peer ID, from its first registration on
    /// @notice Blocks that must pass between fixing an epoch's set and seeding it.
    uint64 public constant SEED_DELAY = 2;
    uint64 public lastEpoch; // the last epoch started (check epochStarted(0) for none)

    bytes32 public constant SLASH_TYPEHASH = keccak256("smartlayer/slash/v1");
    bytes32 public constant REGISTER_TYPEHASH = keccak256("smartlayer/register/v1");

    event Registered(address indexed node, address indexed operator, Role role, uint256 stake, string peerId, string httpUrl);
    event StakeAdded(address indexed node, uint256 amount, uint256 stake);
    event UnstakeStarted(address indexed node, uint256 amount, uint256 stake, uint64 until);
    event Withdrawn(address indexed node, address indexed operator, uint256 amount);
    event Slashed(address indexed node, uint256 amount, bytes32 indexed evidence, uint256 signedStake, uint256 setStake);
    event EndpointUpdated(address indexed node, string httpUrl);
    event EpochSetFixed(uint64 indexed epoch, address[] anchors, uint256[] stakes);
    event EpochStarted(uint64 indexed epoch, bytes32 seed);

    error BadRole();
    error AlreadyRegistered(address node);
    error NotRegistered(address node);
    error NotOperator(address caller);
    error BelowMinimum(uint256 stake, uint256 minimum);
    error TooManyAnchorCandidates();
    error FieldTooLong();
    error ZeroAmount();
    error ExceedsStake(uint256 amount, uint256 stake);
    error StillUnbonding(uint64 until);
    error NothingToWithdraw();
    error EvidenceUsed(bytes32 evidence);
    error SignerNotAnchor(address signer);
    error DuplicateSigner(address signer);
    error InsufficientSignedStake(uint256 signed, uint256 setStake);
    error BadNodeSignature(address signer);
    error PeerIdTaken(address node);
    error NothingToSlash(address node);
    error ZeroMinimum();
    error WrongEpochs(address advancer);
    error EpochNotStarted(uint64 epoch);
    error SeedNotReady(uint64 fromBlock);
    error PeerIdBound(string peerId);

    constructor(IERC20 token, uint256 minAnchor, uint256 minService, uint256 anchors, uint64 unbondingSeconds, Epochs epochs_) {
        if (minAnchor == 0 || minService == 0) revert ZeroMinimum();
        if (epochs_.advancer() != address(this)) revert WrongEpochs(epochs_.advancer());
        epochs = epochs_;
        stakeToken = token;
        minAnchorStake = minAnchor;
        minServiceStake = minService;
        maxAnchors = anchors;
        unbonding = unbondingSeconds;
    }

    function _minimum(Role role) private view returns (uint256) {
        return role == Role.Anchor ? minAnchorStake : minServiceStake;
    }

    /// @notice The digest a node key signs (no prefix) to let `operator`
    /// register it in `role` with `peerId`.
    function registerDigest(address node, address operator, Role role, string calldata peerId) public view returns (bytes32) {
        return keccak256(abi.encode(REGISTER_TYPEHASH, block.chainid, address(this), node, operator, role, keccak256(bytes(peerId))));
    }

    /// @notice Stakes `amount` for node `node` (the node key's address) in
    /// `role`; `nodeSignature` is the node key's over registerDigest.
    function register(address node, Role role, string calldata peerId, string calldata httpUrl, uint256 amount, bytes calldata nodeSignature)
        external
        nonReentrant
    {
        if (role != Role.Anchor && role != Role.Service) revert BadRole();
        if (nodes[node].role != Role.None) revert AlreadyRegistered(node);
        if (bytes(peerId).length == 0 || bytes(peerId).length > MAX_PEER_ID || bytes(httpUrl).length > MAX_URL) revert FieldTooLong();
        if (amount < _minimum(role)) revert BelowMinimum(amount, _minimum(role));
        (address signer, ECDSA.RecoverError rerr,) = ECDSA.tryRecover(registerDigest(node, msg.sender, role, peerId), nodeSignature);
        if (rerr != ECDSA.RecoverError.NoError || signer != node) revert BadNodeSignature(signer);
        bytes32 pk = keccak256(bytes(peerId));
        if (nodeOfPeer[pk] != address(0)) revert PeerIdTaken(nodeOfPeer[pk]);
        _bindPeer(node, peerId);
        nodeOfPeer[pk] = node;
        nodes[node] = Node({
            operator: msg.sender,
            role: role,
            stake: amount,
            unbonding: 0,
            unbondingUntil: 0,
            since: uint64(block.number),
            peerId: peerId,
            httpUrl: httpUrl
        });
        _list(node);
        stakeToken.safeTransferFrom(msg.sender, address(this), amount);
        emit Registered(node, msg.sender, role, amount, peerId, httpUrl);
    }

    /// @dev Binds a node address to its peer ID at its first registration;
    /// a later one must name the same.
    function _bindPeer(address node, string calldata peerId) private {
        string storage bound = boundPeer[node];
        if (bytes(bound).length == 0) {
            boundPeer[node] = peerId;
        } else if (keccak256(bytes(bound)) != keccak256(bytes(peerId))) {
            revert PeerIdBound(bound);
        }
    }

    /// @dev Keeps the anchor candidates equal to the admitted anchors, and
    /// the service list to the registered service nodes.
    function _list(address node) private {
        Node storage n = nodes[node];
        if (n.role == Role.Anchor) {
            bool want = n.stake >= minAnchorStake;
            if (want && candidateIndex[node] == 0) {
                if (anchorCandidates.length >= MAX_ANCHOR_CANDIDATES) revert TooManyAnchorCandidates();
                anchorCandidates.push(node);
                candidateIndex[node] = anchorCandidates.length;
            } else if (!want && candidateIndex[node] != 0) {
                _remove(anchorCandidates, candidateIndex, node);
            }
        } else if (n.role == Role.Service && serviceIndex[node] == 0) {
            serviceNodes.push(node);
            serviceIndex[node] = serviceNodes.length;
        }
    }

    function _remove(address[] storage list, mapping(address => uint256) storage index, address node) private {
        uint256 i = index[node] - 1;
        address last = list[list.length - 1];
        list[i] = last;
        index[last] = i + 1;
        list.pop();
        delete index[node];
    }

    modifier onlyOperator(address node) {
        if (nodes[node].role == Role.None) revert NotRegistered(node);
        if (nodes[node].operator != msg.sender) revert NotOperator(msg.sender);
        _;
    }

    function addStake(address node, uint256 amount) external nonReentrant onlyOperator(node) {
        if (amount == 0) revert ZeroAmount();
        nodes[node].stake += amount;
        _list(node);
        stakeToken.safeTransferFrom(msg.sender, address(this), amount);
        emit StakeAdded(node, amount, nodes[node].stake);
    }

    function setEndpoint(address node, string calldata httpUrl) external onlyOperator(node) {
        if (bytes(httpUrl).length > MAX_URL) revert FieldTooLong();
        nodes[node].httpUrl = httpUrl;
        emit EndpointUpdated(node, httpUrl);
    }

    /// @notice Starts unbonding `amount`; the node stops counting that stake at
    /// once (below the minimum it is no longer admitted) and the operator may
    /// withdraw it after the unbonding period. Slashing still reaches it.
    function unstake(address node, uint256 amount) external onlyOperator(node) {
        Node storage n = nodes[node];
        if (amount == 0) revert ZeroAmount();
        if (amount > n.stake) revert ExceedsStake(amount, n.stake);
        n.stake -= amount;
        n.unbonding += amount;
        n.unbondingUntil = uint64(block.timestamp) + unbonding;
        _list(node);
        emit UnstakeStarted(node, amount, n.stake, n.unbondingUntil);
    }

    function withdraw(address node) external nonReentrant onlyOperator(node) {
        Node storage n = nodes[node];
        if (n.unbonding == 0) revert NothingToWithdraw();
        if (block.timestamp < n.unbondingUntil) revert StillUnbonding(n.unbondingUntil);
        uint256 amount = n.unbonding;
        address operator = n.operator;
        n.unbonding = 0;
        if (n.stake == 0) {
            _deregister(node);
        }
        stakeToken.safeTransfer(operator, amount);
        emit Withdrawn(node, operator, amount);
    }

    /// @dev Removes a node with nothing staked: its address and peer ID are free again.
    function _deregister(address node) private {
        Node storage n = nodes[node];
        if (candidateIndex[node] != 0) {
            _remove(anchorCandidates, candidateIndex, node);
        }
        if (serviceIndex[node] != 0) {
            _remove(serviceNodes, serviceIndex, node);
        }
        delete nodeOfPeer[keccak256(bytes(n.peerId))];
        delete nodes[node];
    }

    /// @notice A node's registration.
    function nodeOf(address node) external view returns (Node memory) {
        return nodes[node];
    }

    /// @notice Whether a node is registered in `role` with at least its minimum stake.
    function admitted(address node, Role role) public view returns (bool) {
        Node storage n = nodes[node];
        return n.role == role && n.stake >= _minimum(role);
    }

    /// @notice The anchor set: the admitted anchors with the most stake, at
    /// most `maxAnchors`, by stake then address, with their stakes.
    function anchorSet() public view returns (address[] memory set, uint256[] memory stakes) {
        uint256 n = anchorCandidates.length;
        address[] memory cand = new address[](n);
        uint256 m;
        for (uint256 i = 0; i < n; i++) {
            if (admitted(anchorCandidates[i], Role.Anchor)) {
                cand[m++] = anchorCandidates[i];
            }
        }
        // insertion sort: by stake descending, then address ascending
        for (uint256 i = 1; i < m; i++) {
            address a = cand[i];
            uint256 j = i;
            while (j > 0 && _before(a, cand[j - 1])) {
                cand[j] = cand[j - 1];
                j--;
            }
            cand[j] = a;
        }
        uint256 k = m < maxAnchors ? m : maxAnchors;
        set = new address[](k);
        stakes = new uint256[](k);
        for (uint256 i = 0; i < k; i++) {
            set[i] = cand[i];
            stakes[i] = nodes[cand[i]].stake;
        }
    }

    function _before(address a, address b) private view returns (bool) {
        uint256 sa = nodes[a].stake;
        uint256 sb = nodes[b].stake;
        return sa > sb || (sa == sb && a < b);
    }

    /// @notice Every registered service node (admitted or not, until its stake is withdrawn).
    function services() external view returns (address[] memory) {
        return serviceNodes;
    }

    /// @notice A page of the registered service nodes, from index `start`,
    /// at most `count`: those of them admitted, with their stakes, and how
    /// many service nodes are registered in all (read page by page, a list
    /// of any length stays within a call's gas).
    function admittedServices(uint256 start, uint256 count)
        external
        view
        returns (address[] memory nodes_, uint256[] memory stakes, uint256 total)
    {
        total = serviceNodes.length;
        uint256 end = start + count < total ? start + count : total;
        uint256 n = start < end ? end - start : 0;
        nodes_ = new address[](n);
        stakes = new uint256[](n);
        uint256 m;
        for (uint256 i = start; i < end; i++) {
            address a = serviceNodes[i];
            if (admitted(a, Role.Service)) {
                nodes_[m] = a;
                stakes[m] = nodes[a].stake;
                m++;
            }
        }
        assembly {
            mstore(nodes_, m)
            mstore(stakes, m)
        }
    }

    /// @notice Starts the current epoch, a step per call: the first call in
    /// an epoch fixes its anchor set with stakes (the admitted anchors with
    /// the most stake, now); a call more than SEED_DELAY blocks later seeds it
    /// from its block's beacon randomness (prevrandao), unknown when the set
    /// was fixed, and the epoch has started. Anyone may call it; it returns
    /// the epoch and whether it started.
    function advance() external returns (uint64 e, bool started) {
        e = epochs.current();
        if (epochStarted[e]) {
            return (e, true);
        }
        uint64 fixedAt = setFixedAt[e];
        if (fixedAt == 0) {
            (address[] memory set, uint256[] memory stakes) = anchorSet();
            uint256[] storage packed = epochSet[e];
            for (uint256 i = 0; i < set.length; i++) {
                packed.push(uint256(uint160(set[i])) | (uint256(SafeCast.toUint96(stakes[i])) << 160));
            }
            setFixedAt[e] = uint64(block.number);
            emit EpochSetFixed(e, set, stakes);
            return (e, false);
        }
        if (block.number <= uint256(fixedAt) + SEED_DELAY) revert SeedNotReady(fixedAt + SEED_DELAY + 1);
        bytes32 seed = epochs.advance(bytes32(block.prevrandao));
        epochStarted[e] = true;
        lastEpoch = e;
        emit EpochStarted(e, seed);
        return (e, true);
    }

    /// @notice A started epoch's seed and anchor set with their stakes as they
    /// were when it was fixed, and their peer IDs (bound to their addresses
    /// for good, so every reader gets the same).
    function epochAnchors(uint64 epoch)
        external
        view
        returns (bytes32 seed, address[] memory set, uint256[] memory stakes, string[] memory peerIds)
    {
        if (!epochStarted[epoch]) revert EpochNotStarted(epoch);
        uint256[] storage packed = epochSet[epoch];
        set = new address[](packed.length);
        stakes = new uint256[](packed.length);
        peerIds = new string[](packed.length);
        for (uint256 i = 0; i < packed.length; i++) {
            set[i] = address(uint160(packed[i]));
            stakes[i] = packed[i] >> 160;
            peerIds[i] = boundPeer[set[i]];
        }
        seed = epochs.seedOf(epoch);
    }

    /// @notice The digest anchors sign to slash `amount` of `node`'s stake on
    /// `evidence` (the UID of the slashing-evidence attestation).
    function slashDigest(address node, uint256 amount, bytes32 evidence) public view returns (bytes32) {
        return keccak256(abi.encode(SLASH_TYPEHASH, block.chainid, address(this), node, amount, evidence));
    }

    /// @notice Slashes on evidence signed (over slashDigest, no prefix) by
    /// anchors of the current set holding at least two thirds of its stake.
    /// Stake is taken first, then unbonding stake; it is burnt.
    function slash(address node, uint256 amount, bytes32 evidence, bytes[] calldata signatures) external nonReentrant {
        Node storage n = nodes[node];
        if (n.role == Role.None) revert NotRegistered(node);
        if (amount == 0) revert ZeroAmount();
        if (slashed[evidence]) revert EvidenceUsed(evidence);
        if (n.stake == 0 && n.unbonding == 0) revert NothingToSlash(node);
        (uint256 signedStake, uint256 setStake) = _signedStake(node, slashDigest(node, amount, evidence), signatures);
        if (setStake == 0 || signedStake * 3 < setStake * 2) revert InsufficientSignedStake(signedStake, setStake);
        slashed[evidence] = true;
        uint256 taken = _take(n, amount);
        _list(node);
        ERC20Burnable(address(stakeToken)).burn(taken);
        emit Slashed(node, taken, evidence, signedStake, setStake);
    }

    /// @dev The stake of the current anchor set without the accused, and of
    /// the distinct anchors of it that signed digest; any other signer reverts.
    function _signedStake(address accused, bytes32 digest, bytes[] calldata signatures) private view returns (uint256 signedStake, uint256 setStake) {
        (address[] memory set, uint256[] memory stakes) = anchorSet();
        for (uint256 i = 0; i < set.length; i++) {
            if (set[i] == accused) {
                stakes[i] = 0; // neither counts in the set nor signs for itself
            }
            setStake += stakes[i];
        }
        address[] memory seen = new address[](signatures.length);
        for (uint256 i = 0; i < signatures.length; i++) {
            address signer = ECDSA.recover(digest, signatures[i]);
            for (uint256 k = 0; k < i; k++) {
                if (seen[k] == signer) revert DuplicateSigner(signer);
            }
            seen[i] = signer;
            uint256 j = 0;
            while (j < set.length && set[j] != signer) {
                j++;
            }
            if (j == set.length) revert SignerNotAnchor(signer);
            signedStake += stakes[j];
        }
    }

    /// @dev Takes up to amount from a node's stake, then from its unbonding
    /// stake; returns what it took.
    function _take(Node storage n, uint256 amount) private returns (uint256) {
        uint256 fromStake = amount < n.stake ? amount : n.stake;
        n.stake -= fromStake;
        uint256 rest = amount - fromStake;
        uint256 fromUnbonding = rest < n.unbonding ? rest : n.unbonding;
        n.unbonding -= fromUnbonding;
        return fromStake + fromUnbonding;
    }
}
